"""Loading runs for the app without Streamlit: tolerance of bad lines, summaries, filters, where runs come from."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from builders import make_episode, write_run

from consultgym.app.data import (
    discover_runs,
    doctor_label,
    episode_label,
    index_run,
    next_episode_index,
    run_files_from,
    store_upload,
    summarize,
)
from consultgym.app.launch import APP_MAIN, RUNS_ENV


def test_index_keeps_good_episodes_and_names_bad_lines(tmp_path: Path) -> None:
    run = write_run(
        tmp_path / "r.jsonl", [make_episode(0), make_episode(1)], tail='{"foreign": true}\n{"index": 2, "sc'
    )
    index = index_run(run)
    assert not index.unusable and len(index.records) == 2
    assert index.episode(1).index == 1
    assert [w.split(": ")[0] for w in index.warnings] == [f"{run}:3", f"{run}:4"]
    assert "truncated last line" in index.warnings[1]


def test_unusable_runs_say_why(tmp_path: Path) -> None:
    missing = index_run(tmp_path / "nope.jsonl")
    assert missing.unusable and "no such run file" in missing.problem()
    folder = index_run(tmp_path)
    assert folder.unusable and "is a folder" in folder.problem()
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert "empty" in index_run(empty).problem()
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("\n".join(["oops"] * 5) + "\n", encoding="utf-8")
    problem = index_run(garbage).problem()
    assert f"{garbage}:1" in problem and "(and 2 more)" in problem


def test_summary_rows(tmp_path: Path) -> None:
    summary = summarize([make_episode(0, reward=0.25), make_episode(1, error="timeout")])
    first, failed = summary.iloc[0], summary.iloc[1]
    assert (first["reward"], first["coverage"], first["diagnosis"]) == (0.25, 0.45, 1.0)
    assert (first["turns"], first["flagged"], first["error"]) == (3, 1, "")
    assert (first["guarded"], first["emitted_issues"], first["critical_missed"]) == (2, 0, 0)
    assert math.isnan(failed["reward"]) and failed["error"] == "timeout"
    assert episode_label(first.to_dict()) == "#0 fixture-chest-pain (seed 0) 0.25, 1 flagged"
    assert episode_label(failed.to_dict()).endswith(" error, 1 flagged")


def test_items_texts_and_positions(tmp_path: Path) -> None:
    run = write_run(tmp_path / "r.jsonl", [make_episode(3, "a"), make_episode(7, "b", error="boom")])
    index = index_run(run)
    assert index.items[["position", "item", "covered"]].values.tolist() == [
        [0, "ask_onset", True],
        [0, "ask_radiation", True],
        [0, "ask_smoking", False],
    ]  # the failed episode has no graded item
    assert "when did the pain start?" in index.texts[0] and "boom" in index.texts[1]
    assert index.position_of(7) == 1 and index.position_of(5) is None
    assert index.curves[0] == [0.15, 0.45, 0.45] and index.scenario_ids == ["a", "b"]


def test_doctor_label() -> None:
    assert doctor_label({"doctor": "scripted"}) == "scripted"
    assert doctor_label({"doctor": "llm", "doctor_model": "m1"}) == "llm (m1)"
    assert doctor_label({"doctor": {"kind": "human"}}) == "human"
    assert doctor_label({}) == "unknown"


def test_run_files_from_environment_and_argv(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    environ = {RUNS_ENV: os.pathsep.join([str(a), str(b)])}
    assert run_files_from(["pytest", "-q", "x.jsonl"], APP_MAIN, environ) == [a, b]  # argv of another program
    argv = [str(APP_MAIN), str(b), str(tmp_path / "c.jsonl")]
    assert run_files_from(argv, APP_MAIN, environ) == [a, b, tmp_path / "c.jsonl"]  # no duplicates
    assert run_files_from([], APP_MAIN, {}) == []


def test_discover_runs_newest_first_without_side_files(tmp_path: Path) -> None:
    old = write_run(tmp_path / "runs" / "old.jsonl", [make_episode()])
    new = write_run(tmp_path / "runs" / "deep" / "new.jsonl", [make_episode()])
    write_run(tmp_path / "runs" / "old.rejected.jsonl", [])
    past = time.time() - 100
    os.utime(old, (past, past))
    assert discover_runs(tmp_path) == [new, old]
    assert discover_runs(tmp_path / "nowhere") == []


def test_uploads_become_files_named_by_content(tmp_path: Path) -> None:
    first = store_upload("../../etc/my run.jsonl", b"{}\n", tmp_path)
    assert first.parent == tmp_path and first.name.endswith("-my_run.jsonl")
    assert store_upload("other.jsonl", b"{}\n", tmp_path).name.split("-")[0] == first.name.split("-")[0]


def test_next_episode_index(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    assert next_episode_index(path) == 0
    write_run(path, [make_episode(0), make_episode(4)])
    assert next_episode_index(path) == 5
