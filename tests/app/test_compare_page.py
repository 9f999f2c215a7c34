"""The compare page: paired headline with its interval and tests, the items B misses, honest distributions, and the
one-click way to the replay or the side-by-side view of a disagreement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import make_episode, write_run

from consultgym.app.safe import escape
from consultgym.records import ItemResult


@pytest.fixture
def two_runs(workdir: Path) -> list[Path]:
    a = [make_episode(0, "s1", 0, 0.2), make_episode(1, "s1", 1, 0.4), make_episode(2, "s2", 0, 1.0)]
    b = [make_episode(0, "s1", 0, 0.5), make_episode(1, "s1", 1, 0.7), make_episode(2, "s2", 0, 0.5)]
    return [write_run(workdir / "a.jsonl", a), write_run(workdir / "b.jsonl", b)]


def test_paired_headline_with_interval_and_tests(app, two_runs) -> None:
    at = app(two_runs, page="compare")
    assert [m.value for m in at.metric] == ["0.533", "0.567", "+0.033"]
    summary = next(m.value for m in at.markdown if m.value.startswith("B − A ="))
    assert "95% CI [" in summary and "sign test p = 1.000" in summary and "permutation test p = " in summary
    assert not at.error


def test_runs_that_share_no_pair_are_not_compared(app, workdir: Path) -> None:
    a = write_run(workdir / "a.jsonl", [make_episode(0, "x", 0, 0.2)])
    b = write_run(workdir / "b.jsonl", [make_episode(0, "y", 0, 0.9)])
    at = app([a, b], page="compare")
    assert "Not comparable" in at.error[0].value
    assert not at.metric and not any("B − A" in m.value for m in at.markdown)
    assert not any("No paired episode scores differently" in c.value for c in at.caption)


def test_unpaired_episodes_are_left_out_and_said(app, workdir: Path) -> None:
    a = write_run(workdir / "a.jsonl", [make_episode(0, "s1", 0, 0.2), make_episode(1, "only-a", 0, 1.0)])
    b = write_run(workdir / "b.jsonl", [make_episode(0, "s1", 0, 0.6)])
    at = app([a, b], page="compare")
    assert "1 episode(s) of A and 0 of B have no partner" in at.warning[0].value
    assert [m.value for m in at.metric] == ["0.200", "0.600", "+0.400"]


def test_items_b_misses_more_than_a(app, workdir: Path) -> None:
    def with_items(episode, smoking: bool):
        items = [ItemResult(id="ask_onset", covered=True, turn=0, weight=2),
                 ItemResult(id="ask_smoking", covered=smoking, turn=0 if smoking else None, weight=3)]  # fmt: skip
        return episode.model_copy(update={"judgement": episode.judgement.model_copy(update={"items": items})})

    a = [with_items(make_episode(i, "fixture-chest-pain", i), True) for i in range(6)]
    b = [with_items(make_episode(i, "fixture-chest-pain", i), False) for i in range(6)]
    at = app([write_run(workdir / "a.jsonl", a), write_run(workdir / "b.jsonl", b)], page="compare")
    table = at.dataframe[0].value
    top = table.iloc[0]
    assert top["item"] == "ask_smoking" and top["diff"] == -1.0 and top["ci_high"] < 0
    assert top["priority"] == "⚠ critical" and top["missed_by_b"] == 6 and top["p"] == pytest.approx(2 / 64)
    assert "smok" in top["ask"].lower()  # the scenario's wording of the item
    assert any(b.label == "CSV" for b in at.get("download_button"))


def test_distributions_are_shares_and_binary_scores_are_bars(app, two_runs) -> None:
    at = app(two_runs, page="compare")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["y"]["field"] == "share"
    at.radio(key="_metric").set_value("diagnosis").run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule", "tick", "tick"]
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 1]


def test_disagreements_open_in_replay(app, two_runs) -> None:
    at = app(two_runs, page="compare")
    rows = [m.value for m in at.markdown if "→ B" in m.value]
    assert rows == [
        "s2 · seed 0: A 1.000 → B 0.500 (**-0.500**)",
        "s1 · seed 0: A 0.200 → B 0.500 (**+0.300**)",
        "s1 · seed 1: A 0.400 → B 0.700 (**+0.300**)",
    ]
    at.button(key="cmp-b-0").click().run()
    assert not at.exception
    assert at.title[0].value == "Replay"
    assert at.session_state["run"] == str(two_runs[1])
    assert any(escape("s2") in h.value and "seed 0" in h.value for h in at.subheader)


def test_disagreement_opens_side_by_side(app, two_runs) -> None:
    at = app(two_runs, page="compare")
    at.button(key="cmp-side-0").click().run()
    assert not at.exception and at.title[0].value == "Side by side"
    assert at.subheader[0].value == "s2 · seed 0"


def test_bad_run_is_reported(app, workdir: Path, two_runs) -> None:
    bad = workdir / "bad.jsonl"
    bad.write_text("garbage\n", encoding="utf-8")
    at = app([two_runs[0], bad], page="compare")
    assert any(escape(f"{bad}:1") in e.value for e in at.error)
