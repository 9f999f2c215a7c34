"""Deep links: reading a query string, naming runs safely, and building a view's URL."""

from __future__ import annotations

from pathlib import Path

from consultgym.app.filters import Filters
from consultgym.app.links import parse, query, resolve_run, url


def test_parse_a_full_link(tmp_path: Path) -> None:
    runs = [str(tmp_path / "runs" / "a.jsonl"), "/elsewhere/b.jsonl"]
    link = parse({"page": "replay", "run": "runs/a.jsonl", "b": "b.jsonl", "episode": "3", "scenario": ["x"],
                  "flagged": "1", "metric": "coverage", "by": "scenario"}, runs, tmp_path)  # fmt: skip
    assert (link.page, link.run, link.run_b, link.episode, link.metric, link.by) == (
        "replay",
        runs[0],
        runs[1],
        3,
        "coverage",
        "scenario",
    )
    assert link.filters == Filters(scenarios=("x",), flagged=True) and link.problems == ()


def test_a_link_cannot_name_a_file_the_app_does_not_offer(tmp_path: Path) -> None:
    link = parse({"run": "/etc/passwd", "episode": "three", "page": "admin"}, [str(tmp_path / "a.jsonl")], tmp_path)
    assert link.run is None and link.episode is None and link.page is None
    assert len(link.problems) == 3 and "is not one of the app's runs" in link.problems[1]


def test_file_names_resolve_only_when_unambiguous(tmp_path: Path) -> None:
    runs = [str(tmp_path / "x" / "run.jsonl"), str(tmp_path / "y" / "run.jsonl")]
    assert resolve_run("run.jsonl", runs, tmp_path) is None
    assert resolve_run("y/run.jsonl", runs, tmp_path) == runs[1]
    assert resolve_run(runs[0], runs, tmp_path) == runs[0]


def test_urls_name_runs_relative_to_the_working_directory(tmp_path: Path) -> None:
    params = query(str(tmp_path / "runs" / "a.jsonl"), episode=3, filters=Filters(flagged=True), cwd=tmp_path)
    assert url("replay", params) == "replay?run=runs%2Fa.jsonl&episode=3&flagged=1"
    assert query("/abs/b.jsonl", cwd=tmp_path) == {"run": "/abs/b.jsonl"}
