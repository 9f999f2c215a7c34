"""Ray rollouts on a local Ray instance: the same run file, resume and report as a local run; no episode lost."""

from __future__ import annotations

import pytest

ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'consultgym[ray]' (CI installs it via dev)")

from consultgym.cli import main  # noqa: E402 - after the skip
from consultgym.integrations.ray_rollouts import run_ray  # noqa: E402
from consultgym.report import summarize  # noqa: E402
from consultgym.runfile import load_run  # noqa: E402
from consultgym.runner import run  # noqa: E402
from consultgym.settings import RunConfig  # noqa: E402
from consultgym.testing import FakeOpenAIServer  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def spec(out, **kwargs) -> RunConfig:
    return RunConfig(out=out, episodes=kwargs.pop("episodes", 12), seed=3, concurrency=4, progress=False, **kwargs)


def test_ray_run_writes_the_same_episodes_as_a_local_run_and_resumes(tmp_path):
    summary = run_ray(spec(tmp_path / "ray.jsonl"), actors=2)
    assert (summary.planned, summary.completed, summary.errored, summary.skipped) == (12, 12, 0, 0)
    run(spec(tmp_path / "local.jsonl"))
    remote, local = load_run(tmp_path / "ray.jsonl").episodes, load_run(tmp_path / "local.jsonl").episodes
    assert sorted(e.key for e in remote) == sorted(e.key for e in local)  # each planned episode exactly once
    by_key = {e.key: e for e in local}
    for episode in remote:
        twin = by_key[episode.key]
        assert episode.judgement == twin.judgement and [t.reply for t in episode.turns] == [t.reply for t in twin.turns]
    assert summarize(remote)["coverage_mean"] == summarize(local)["coverage_mean"]

    again = run_ray(spec(tmp_path / "ray.jsonl", episodes=14), actors=2)  # resume, with two more episodes
    assert (again.skipped, again.completed) == (12, 2)
    assert len(load_run(tmp_path / "ray.jsonl").episodes) == 14


def test_failing_episodes_are_recorded_not_lost(tmp_path):
    with FakeOpenAIServer(["Hi."], api_key="sk-another-key") as server:  # every call fails: authentication
        options = {"patient_model": "m", "patient_base_url": server.base_url, "patient_max_retries": 0}
        summary = run_ray(spec(tmp_path / "down.jsonl", episodes=6, patient="llm", **options), actors=2)
    episodes = load_run(tmp_path / "down.jsonl").episodes
    assert (summary.completed, summary.errored) == (0, 6) and len(episodes) == 6
    assert all(e.error and not e.ok for e in episodes)  # recorded as failed, so a rerun plays them again


def test_cli_run_with_ray_uses_the_running_instance(tmp_path, capsys):
    out = tmp_path / "cli.jsonl"
    code = main(["run", "--ray", "--ray-actors", "2", "--episodes", "4", "--out", str(out), "--quiet"])
    assert code == 0 and "4 completed, 0 errored" in capsys.readouterr().out
    assert len(load_run(out).episodes) == 4
