"""Faults: a run against a failing LLM server loses nothing, duplicates nothing, and a rerun finishes it.

The loopback server injects 10% HTTP 503s, 5% timeouts, 5% malformed JSON bodies and 5% dropped connections. With one
retry per call, about half the episodes fail somewhere in their ten patient turns: each is written with its error
(and the turns played before it), none goes missing, none is written twice, and rerunning with the same output file
plays exactly the errored ones again until every episode is done. A run killed with SIGKILL leaves a file that loads
cleanly, and the rerun finishes every episode exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from consultgym.records import Episode
from consultgym.runfile import load_run
from consultgym.runner import plan, run
from consultgym.scenarios.loader import load_library
from consultgym.settings import RunConfig
from consultgym.testing import FakeOpenAIServer

FAULT_MIX = {"http": 0.10, "timeout": 0.05, "malformed": 0.05, "drop": 0.05}
REPLY = "I'm not sure, nothing comes to mind."  # the offline guardian passes it: no revisions, one call a turn
EPISODES = 200
MAX_PASSES = 10  # reruns until every episode completes; a bound, so a broken resume fails instead of hanging


def _options(server: FakeOpenAIServer, retries: int = 1) -> dict[str, object]:
    return {
        "patient_model": "patient",
        "patient_base_url": server.base_url,
        "patient_timeout": 0.25,  # the server's timeout faults sleep 1 s
        "patient_max_retries": retries,
        "patient_backoff": 0.0,
    }


def _spec(out: Path, server: FakeOpenAIServer, episodes: int = EPISODES) -> RunConfig:
    return RunConfig(
        out=out,
        scenarios=["starter"],
        episodes=episodes,
        concurrency=16,
        patient="llm",
        **_options(server),
        progress=False,
    )


def _planned(episodes: int) -> set[tuple[int, str, int]]:
    return set(plan([s.id for s in load_library("starter")], episodes, 0))


def _check_nothing_lost_or_duplicated(out: Path, episodes: int) -> list[Episode]:
    loaded = load_run(out)
    assert loaded.warnings == []
    keys = Counter(e.key for e in loaded.episodes)
    assert set(keys) == _planned(episodes), "lost or foreign episodes"
    assert max(keys.values()) == 1, "duplicated episodes"
    for episode in loaded.episodes:
        assert episode.ok or (episode.error and episode.judgement is None), episode.key
    return loaded.episodes


@pytest.fixture
def faulty_server():
    with FakeOpenAIServer(REPLY, faults=FAULT_MIX, fault_seed=7, timeout_delay=1.0) as server:
        yield server


def test_a_faulty_server_loses_and_duplicates_nothing_and_reruns_finish(tmp_path, faulty_server):
    out = tmp_path / "run.jsonl"
    first = run(_spec(out, faulty_server))
    assert first.completed + first.errored == EPISODES and first.errored > 0
    recorded = _check_nothing_lost_or_duplicated(out, EPISODES)
    errored = [e for e in recorded if e.error]
    assert len(errored) == first.errored
    assert all("patient LLM backend" in e.error for e in errored)  # the error says who failed, and why
    assert any(e.turns for e in errored)  # the turns played before the failure are kept

    done, passes = first.completed, 1
    while done < EPISODES and passes < MAX_PASSES:
        again = run(_spec(out, faulty_server))
        assert again.skipped == done  # finished episodes are never played twice
        assert again.completed + again.errored == EPISODES - done
        done, passes = done + again.completed, passes + 1
        _check_nothing_lost_or_duplicated(out, EPISODES)
    assert done == EPISODES
    assert all(e.ok for e in _check_nothing_lost_or_duplicated(out, EPISODES))


def test_every_fault_kind_alone_is_recorded_as_an_error(tmp_path):
    for kind in FAULT_MIX:
        with FakeOpenAIServer(REPLY, faults={kind: 1.0}, timeout_delay=1.0) as server:
            out = tmp_path / f"{kind}.jsonl"
            summary = run(_spec(out, server, episodes=3))
            assert (summary.completed, summary.errored) == (0, 3), kind
            episodes = _check_nothing_lost_or_duplicated(out, 3)
            assert all("failed after 2 attempts" in e.error for e in episodes), episodes[0].error


def test_a_reply_that_cannot_be_written_as_utf8_does_not_break_the_run(tmp_path):
    with FakeOpenAIServer("I'm not sure \ud800 at all.") as server:  # JSON-escaped lone surrogate
        summary = run(_spec(tmp_path / "run.jsonl", server, episodes=4))
    assert (summary.completed, summary.errored) == (4, 0)
    assert "\ufffd" in load_run(tmp_path / "run.jsonl").episodes[0].turns[0].reply


def test_sigkill_mid_run_then_rerun_finishes_every_episode_once(tmp_path):
    out, episodes = tmp_path / "killed.jsonl", 60
    with FakeOpenAIServer(REPLY, faults=FAULT_MIX, fault_seed=3, timeout_delay=1.0, latency=0.03) as server:
        command = [
            sys.executable, "-m", "consultgym.cli", "run", "--scenarios", "starter", "--episodes", str(episodes),
            "--concurrency", "8", "--out", str(out), "--quiet", "--patient", "llm", "--patient-model", "patient",
            "--patient-base-url", server.base_url, "--patient-timeout", "0.25", "--patient-max-retries", "3",
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_lines(out, 5, process)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        assert process.returncode == -signal.SIGKILL

        killed = out.read_bytes()
        assert 5 <= killed.count(b"\n") < episodes, "the run was not killed mid-way"
        interrupted = load_run(out)
        assert all("truncated last line" in w for w in interrupted.warnings)  # at worst the line being written

        for _ in range(MAX_PASSES):  # rerun until the faults let every episode through
            rerun = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            finished = all(e.ok for e in load_run(out).episodes) and len(load_run(out).episodes) == episodes
            assert rerun.returncode == (0 if finished else 1)  # a run with errored episodes exits 1
            if finished:
                break
    assert all(e.ok for e in _check_nothing_lost_or_duplicated(out, episodes))


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"the run wrote fewer than {count} lines (exit code {process.poll()})")
