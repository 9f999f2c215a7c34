"""The compare page: the differences it shows and the one-click way to the replay of a disagreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import make_episode, write_run

from consultgym.app.safe import escape


@pytest.fixture
def two_runs(workdir: Path) -> list[Path]:
    a = [make_episode(0, "s1", 0, 0.2), make_episode(1, "s1", 1, 0.4), make_episode(2, "s2", 0, 1.0)]
    b = [make_episode(0, "s1", 0, 0.5), make_episode(1, "s1", 1, 0.7), make_episode(2, "s2", 0, 0.5)]
    return [write_run(workdir / "a.jsonl", a), write_run(workdir / "b.jsonl", b)]


def test_per_scenario_differences_and_headline(app, two_runs) -> None:
    at = app(two_runs, page="compare")
    table = at.dataframe[0].value.set_index("scenario_id")
    assert table["diff"].round(6).to_dict() == {"s1": 0.3, "s2": -0.5}
    assert [m.value for m in at.metric] == ["0.533", "0.567", "+0.033"]
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the histogram


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
    assert at.session_state["replay_run"] == str(two_runs[1])
    assert any(escape("s2") in h.value and "seed 0" in h.value for h in at.subheader)


def test_bad_run_is_reported(app, workdir: Path, two_runs) -> None:
    bad = workdir / "bad.jsonl"
    bad.write_text("garbage\n", encoding="utf-8")
    at = app([two_runs[0], bad], page="compare")
    assert any(escape(f"{bad}:1") in e.value for e in at.error)
