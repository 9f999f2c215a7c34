"""Runs: planning, resume without duplicates (also after SIGKILL), errors recorded, report arithmetic."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from consultgym.cli import main
from consultgym.errors import ConfigError
from consultgym.records import Episode, ItemResult, Judgement, Turn, Verdict
from consultgym.report import bootstrap_ci, summarize
from consultgym.runfile import load_run
from consultgym.runner import plan, run
from consultgym.settings import RunConfig

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "chest_pain.yaml")


def keys(path):
    return [e.key for e in load_run(path).episodes]


def test_plan_is_seeded_and_cycles():
    first = plan(["a", "b", "c"], 7, seed=3)
    assert first == plan(["c", "b", "a"], 7, seed=3)
    assert [p[0] for p in first] == list(range(7)) and [p[2] for p in first] == list(range(3, 10))
    assert Counter(p[1] for p in first) == Counter({first[0][1]: 3, first[1][1]: 2, first[2][1]: 2})


def test_run_writes_one_record_per_episode_and_resumes(tmp_path):
    out = tmp_path / "run.jsonl"
    summary = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=5, progress=False))
    assert (summary.completed, summary.errored) == (5, 0)
    again = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=8, progress=False))
    assert (again.skipped, again.completed) == (5, 3)
    assert sorted(keys(out)) == sorted(set(keys(out))) and len(keys(out)) == 8
    episode = load_run(out).episodes[0]
    assert episode.turns and episode.judgement is not None and episode.config["doctor"] == "systematic"


def test_resume_refuses_other_settings(tmp_path):
    out = tmp_path / "run.jsonl"
    run(RunConfig(out=out, scenarios=[FIXTURE], episodes=2, progress=False))
    with pytest.raises(ConfigError, match="different seed"):
        run(RunConfig(out=out, scenarios=[FIXTURE], episodes=2, seed=9, progress=False))


def test_token_caps_are_recorded_and_a_resume_with_other_caps_is_refused(tmp_path, fast_llm, fake_openai):
    out = tmp_path / "run.jsonl"
    options = fast_llm("patient", model="p")
    run(RunConfig(out=out, scenarios=[FIXTURE], episodes=1, patient="llm", progress=False, **options))
    config = load_run(out).episodes[0].config
    manifest = json.loads(out.with_suffix(".jsonl.manifest.json").read_text())["config"]
    # Not a secret: the cap is written, the role's default included (the guardian is offline: none for it) ...
    assert config["patient_max_tokens"] == manifest["patient_max_tokens"] == 200 and "guardian_max_tokens" not in config
    assert {r.body["max_tokens"] for r in fake_openai.chat_requests} == {200}  # ... and the one sent
    run(RunConfig(out=out, scenarios=[FIXTURE], episodes=1, patient="llm", progress=False, **options))  # the same
    capped = options | {"patient_max_tokens": 64}
    with pytest.raises(ConfigError, match="different config"):
        run(RunConfig(out=out, scenarios=[FIXTURE], episodes=1, patient="llm", progress=False, **capped))


def test_errored_episodes_are_recorded_then_rerun(tmp_path, monkeypatch):
    out = tmp_path / "run.jsonl"
    from consultgym.agents.doctor import systematic as systematic_doctor

    original = systematic_doctor.SystematicDoctor.act

    async def broken(self, observation):
        raise RuntimeError("doctor crashed")

    monkeypatch.setattr(systematic_doctor.SystematicDoctor, "act", broken)
    summary = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=3, progress=False))
    assert summary.errored == 3
    assert all("doctor crashed" in e.error for e in load_run(out).episodes)
    monkeypatch.setattr(systematic_doctor.SystematicDoctor, "act", original)
    summary = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=3, progress=False))
    assert summary.completed == 3
    episodes = load_run(out).episodes
    assert len(episodes) == 3 and all(e.ok for e in episodes)


def test_truncated_and_foreign_lines_are_skipped_with_warnings(tmp_path):
    out = tmp_path / "run.jsonl"
    run(RunConfig(out=out, scenarios=[FIXTURE], episodes=3, progress=False))
    with open(out, "a") as f:
        f.write('{"some": "other tool"}\n{"scenario_id": "x", "turns": [], "ind')
    loaded = load_run(out)
    assert len(loaded.episodes) == 3 and len(loaded.warnings) == 2
    assert "truncated last line" in loaded.warnings[1] and ":5:" in loaded.warnings[1]
    summary = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=4, progress=False))
    assert summary.completed == 1 and len(summary.warnings) == 2
    assert load_run(out).warnings == []  # compacted; the bad lines were moved aside, not lost
    assert len((tmp_path / "run.rejected.jsonl").read_text().splitlines()) == 2


def test_sigkill_then_rerun_gives_every_episode_exactly_once(tmp_path):
    out = tmp_path / "killed.jsonl"
    command = [
        sys.executable,
        "-m",
        "consultgym.cli",
        "run",
        "--scenarios",
        FIXTURE,
        "--episodes",
        "400",
        "--concurrency",
        "4",
        "--out",
        str(out),
        "--quiet",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 20_000):
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = load_run(out)
    assert 0 < len(partial.episodes) < 400  # killed mid-run
    assert subprocess.run(command, capture_output=True).returncode == 0
    final = keys(out)
    assert len(final) == 400 and len(set(final)) == 400
    assert load_run(out).warnings == []


def episode(index, coverage, correct, flagged_turns=0, turns=4, error=""):
    verdict_bad = Verdict(ok=False, issues=[])
    made = [
        Turn(
            index=i,
            doctor="q",
            kind="ask",
            drafts=["a"],
            verdicts=[verdict_bad if i < flagged_turns else Verdict(ok=True)],
            reply="a",
        )
        for i in range(turns)
    ]
    judgement = (
        None
        if error
        else Judgement(items=[ItemResult(id="x", covered=True)], coverage=coverage, diagnosis_correct=correct)
    )
    return Episode(index=index, scenario_id="s", seed=index, turns=made, judgement=judgement, error=error)


def test_report_matches_hand_computation():
    episodes = [
        episode(0, 0.5, True, 1),
        episode(1, 1.0, False, 0, turns=6),
        episode(2, 0.25, True, 2),
        episode(3, 0, False, error="boom"),
    ]
    report = summarize(episodes)
    assert report["episodes"] == 4 and report["errors"] == 1
    assert report["coverage_mean"] == pytest.approx((0.5 + 1.0 + 0.25) / 3, abs=1e-4)
    assert report["diagnosis_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["turns_mean"] == pytest.approx((4 + 6 + 4) / 3, abs=1e-4)
    assert report["guardian_flag_rate"] == pytest.approx(3 / 14, abs=1e-4)
    low, high = report["coverage_ci95"]
    assert 0.25 <= low <= report["coverage_mean"] <= high <= 1.0
    assert bootstrap_ci([0.4]) == (0.4, 0.4)


def test_cli_report_json_and_errors(tmp_path, capsys):
    out = tmp_path / "run.jsonl"
    assert main(["run", "--scenarios", FIXTURE, "--episodes", "2", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {
        "episodes",
        "errors",
        "coverage_mean",
        "coverage_ci95",
        "diagnosis_accuracy",
        "turns_mean",
        "guardian_flag_rate",
    }
    assert report["episodes"] == 2
    assert main(["report", str(tmp_path / "absent.jsonl")]) == 1
    assert "no such run file" in capsys.readouterr().err


def test_cli_validate_reports_field_and_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(FIXTURE).read().replace("category: hpi", "category: gossip", 1))
    assert main(["scenario", "validate", str(bad), FIXTURE]) == 1
    captured = capsys.readouterr()
    assert "facts.0.category" in captured.out and "Traceback" not in captured.out + captured.err
    assert main(["scenario", "validate", FIXTURE]) == 0


def test_a_batch_raises_the_gc_threshold_and_restores_it():
    import gc

    from consultgym.runner import GC_GEN0_THRESHOLD, batch_gc

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with batch_gc():
            assert gc.get_threshold() == (GC_GEN0_THRESHOLD, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(0, 10, 10)  # automatic collection off: a batch leaves it off
        with batch_gc():
            assert gc.get_threshold() == (0, 10, 10)
        gc.set_threshold(700, 10, 10)
        with batch_gc():
            gc.set_threshold(1234, 5, 5)  # changed by someone else meanwhile: theirs stays
        assert gc.get_threshold() == (1234, 5, 5)
    finally:
        gc.set_threshold(*before)
