"""Deep links, driven through AppTest's query string: page, run, episode and filters."""

from __future__ import annotations

import os
from pathlib import Path

from builders import make_episode, write_run
from streamlit.testing.v1 import AppTest

from consultgym.app.launch import APP_MAIN, RUNS_ENV


def open_link(monkeypatch, runs: list[Path], **params: str | list[str]) -> AppTest:
    monkeypatch.setenv(RUNS_ENV, os.pathsep.join(map(str, runs)))
    at = AppTest.from_file(str(APP_MAIN), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def runs(workdir: Path) -> list[Path]:
    a = [make_episode(i, "fixture-chest-pain" if i % 2 else "other-case", i, 0.1 * i) for i in range(6)]
    return [write_run(workdir / "runs" / "a.jsonl", a), write_run(workdir / "runs" / "b.jsonl", a)]


def test_page_run_episode_and_filters(workdir: Path, monkeypatch) -> None:
    link = {"page": "replay", "run": "runs/b.jsonl", "episode": "3", "scenario": "fixture-chest-pain", "flagged": "1"}
    at = open_link(monkeypatch, runs(workdir), **link)
    assert at.title[0].value == "Replay"
    assert at.session_state["run"].endswith("b.jsonl") and at.subheader[0].value.startswith("Episode 3 ·")
    assert at.multiselect(key="_filter_scenarios").value == ["fixture-chest-pain"]
    assert at.checkbox(key="_filter_flagged").value is True
    assert len(at.selectbox(key="_episode").options) == 3


def test_an_episode_hidden_by_the_link_filters_is_said(workdir: Path, monkeypatch) -> None:
    at = open_link(monkeypatch, runs(workdir), episode="2", scenario="fixture-chest-pain")
    assert any("episode 2 is hidden by the filters" in w.value for w in at.warning)


def test_a_link_to_an_unknown_run_is_refused_with_a_reason(workdir: Path, monkeypatch) -> None:
    at = open_link(monkeypatch, runs(workdir), run="/etc/passwd", episode="x")
    warnings = " ".join(w.value for w in at.warning)
    assert "is not one of the app's runs" in warnings and "is not an episode number" in warnings
    assert at.session_state["run"].endswith("a.jsonl")  # the app still shows its first run


def test_compare_link(workdir: Path, monkeypatch) -> None:
    at = open_link(monkeypatch, runs(workdir), page="compare", run="runs/b.jsonl", b="runs/a.jsonl", metric="coverage")
    assert at.title[0].value == "Compare"
    assert at.selectbox(key="_pair_a").value.endswith("b.jsonl") and at.radio(key="_metric").value == "coverage"
