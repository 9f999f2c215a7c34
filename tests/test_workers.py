"""`--workers N`: one run file from N processes, the same episodes as one process, resumable, no episode lost."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter

import pytest

from consultgym.cli import main
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.settings import RunConfig
from consultgym.workers import run_workers

STABLE = ("duration_s", "run_id")  # wall time and the file's name differ between runs; nothing else may


def episodes_by_key(path):
    return {e.key: e.model_dump(mode="json", exclude=set(STABLE)) for e in load_run(path).episodes}


def test_two_workers_write_the_same_episodes_as_one_process(tmp_path):
    single, double = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    settings = {"scenarios": ["starter"], "episodes": 16, "concurrency": 4, "progress": False}
    run(RunConfig(out=single, **settings))
    summary = run_workers(RunConfig(out=double, workers=2, **settings))
    assert (summary.completed, summary.errored, summary.planned) == (16, 0, 16) and summary.worker_cpu_s > 0
    lines = double.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 16 and len({line for line in lines}) == 16  # whole lines, none written twice
    assert episodes_by_key(single) == episodes_by_key(double)


def test_a_workers_run_resumes_without_duplicates(tmp_path):
    out = tmp_path / "run.jsonl"
    settings = {"scenarios": ["starter"], "concurrency": 4, "progress": False, "workers": 2}
    run_workers(RunConfig(out=out, episodes=6, **settings))
    again = run_workers(RunConfig(out=out, episodes=14, **settings))
    assert (again.skipped, again.completed) == (6, 8)
    keys = [e.key for e in load_run(out).episodes]
    assert len(keys) == 14 and len(set(keys)) == 14 and sorted(k[0] for k in keys) == list(range(14))


def test_a_killed_worker_loses_nothing_and_a_rerun_completes(tmp_path, fake_openai):
    fake_openai.script("I'm not sure.")
    fake_openai.latency = 0.2  # episodes take a while, so a worker can be killed mid-run
    out = tmp_path / "run.jsonl"
    options = {"patient_model": "p", "patient_base_url": fake_openai.base_url, "patient_timeout": 10.0}
    spec = RunConfig(out=out, episodes=12, concurrency=4, patient="llm", **options, progress=False, workers=2)
    result = {}
    runner = threading.Thread(target=lambda: result.setdefault("summary", run_workers(spec)))
    runner.start()
    deadline = time.monotonic() + 60
    while fake_openai.request_count < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = multiprocessing.active_children()[0]
    os.kill(victim.pid, signal.SIGKILL)
    runner.join(120)
    first = result["summary"]
    assert first.errored >= 1 and first.completed + first.errored == 12
    errors = [e.error for e in load_run(out).episodes if e.error]
    assert errors and all("worker process ended (exit code -9)" in error for error in errors)

    fake_openai.latency = 0.0
    second = run_workers(spec)
    assert second.skipped == first.completed and second.completed == first.errored
    counted = Counter(e.key for e in load_run(out).episodes)
    assert len(counted) == 12 and set(counted.values()) == {1} and all(e.ok for e in load_run(out).episodes)


def test_the_cli_uses_every_core_unless_told(tmp_path, capsys, monkeypatch):
    import consultgym.workers

    cores, seen = len(os.sched_getaffinity(0)), []
    original = consultgym.workers.run_workers
    monkeypatch.setattr(
        consultgym.workers, "run_workers", lambda config: seen.append(config.workers) or original(config)
    )
    out = tmp_path / "cli.jsonl"
    assert main(["run", "--out", str(out), "--episodes", "4", "--concurrency", "2", "--quiet"]) == 0
    assert "4 completed, 0 errored" in capsys.readouterr().out and len(load_run(out).episodes) == 4
    assert seen == [cores]
    settings = tmp_path / "run.yaml"
    settings.write_text("workers: 1\nconcurrency: 2\nepisodes: 4\n", encoding="utf-8")
    assert main(["run", "--config", str(settings), "--out", str(tmp_path / "file.jsonl"), "--quiet"]) == 0
    assert main(["run", "--out", str(tmp_path / "flag.jsonl"), "--episodes", "4", "--workers", "1", "--quiet"]) == 0
    assert seen == [cores, 1, 1]  # a config file or a flag that says 1 is obeyed


def test_runner_run_plays_in_one_process_and_says_where_workers_are(tmp_path):
    from consultgym.errors import ConfigError

    with pytest.raises(ConfigError, match="use consultgym.workers.run_workers"):
        run(RunConfig(out=tmp_path / "x.jsonl", workers=2, progress=False))


def test_zero_workers_is_refused(tmp_path, capsys):
    code = main(["run", "--out", str(tmp_path / "x.jsonl"), "--workers", "0", "--quiet"])
    assert code == 1 and capsys.readouterr().err == "error: --workers=0: Input should be greater than or equal to 1\n"


def test_workers_end_when_the_run_is_killed(tmp_path, fake_openai):
    import subprocess
    import sys

    fake_openai.script("I'm not sure.")
    fake_openai.latency = 0.3
    out = tmp_path / "run.jsonl"
    command = [
        sys.executable, "-m", "consultgym.cli", "run", "--episodes", "40", "--concurrency", "4", "--workers", "2",
        "--out", str(out), "--quiet", "--patient", "llm", "--patient-model", "p", "--patient-base-url",
        fake_openai.base_url,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while fake_openai.request_count < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    children = [int(pid) for pid in open(f"/proc/{process.pid}/task/{process.pid}/children").read().split()]
    assert len(children) == 2
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while any(map(alive, children)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if alive(pid)]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
