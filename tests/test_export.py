"""`consultgym export`: a run file becomes a training set that pyarrow, `datasets` and veRL's loaders read."""

from __future__ import annotations

import importlib.util

import pyarrow.parquet as pq
import pytest

from consultgym.cli import main
from consultgym.export import export_run
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.settings import RunConfig

HAS_DATASETS = importlib.util.find_spec("datasets") is not None


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "run.jsonl"
    run(RunConfig(out=out, scenarios=["starter"], episodes=6, progress=False))
    return out


def test_episodes_cut_short_by_the_turn_limit_export_their_coverage_reward(tmp_path):
    out = tmp_path / "short.jsonl"
    run(RunConfig(out=out, scenarios=["starter"], episodes=2, max_turns=2, progress=False))
    export_run(out, tmp_path / "short.parquet")
    rows = pq.read_table(tmp_path / "short.parquet").to_pylist()
    assert all(row["truncated"] and row["judgement"]["diagnosis_given"] is None for row in rows)
    assert all(row["reward"] == row["judgement"]["reward"] > 0 for row in rows)


def test_episode_rows_carry_messages_reward_judgement_and_the_verl_fields(run_file, tmp_path):
    episodes = load_run(run_file).episodes
    assert export_run(run_file, tmp_path / "episodes.parquet") == len(episodes) == 6
    rows = pq.read_table(tmp_path / "episodes.parquet").to_pylist()
    for row, episode in zip(rows, episodes, strict=True):
        assert (row["scenario"], row["seed"], row["index"]) == (episode.scenario_id, episode.seed, episode.index)
        assert row["reward"] == episode.judgement.reward and row["judgement"]["coverage"] == episode.judgement.coverage
        assert row["messages"][0] == {"role": "user", "content": episode.opening}
        assert [m["role"] for m in row["messages"][1:3]] == ["assistant", "user"]
        assert row["messages"][1]["content"] == episode.turns[0].doctor
        # veRL's RLHFDataset and reward manager read these: the run's patients can be replayed as RL prompts.
        assert row["data_source"] == "consultgym" and row["agent_name"] == "tool_agent"
        assert row["reward_model"]["ground_truth"] == episode.scenario_id
        assert row["extra_info"]["interaction_kwargs"]["seed"] == episode.seed


def test_sft_rows_keep_only_good_finished_episodes_as_chats(run_file, tmp_path):
    episodes = load_run(run_file).episodes
    good = [e for e in episodes if e.terminated and e.judgement.reward >= 0.6]
    assert 0 < len(good) < len(episodes)
    assert export_run(run_file, tmp_path / "sft.parquet", shape="sft", min_reward=0.6) == len(good)
    rows = pq.read_table(tmp_path / "sft.parquet").to_pylist()
    for row in rows:
        roles = [m["role"] for m in row["messages"]]
        assert roles[0] == "system" and "DIAGNOSIS:" in row["messages"][0]["content"]
        assert roles[-1] == "assistant" and row["messages"][-1]["content"].startswith(("DIAGNOSIS:", "END INQUIRY"))
        assert row["reward"] >= 0.6


@pytest.mark.skipif(not HAS_DATASETS, reason="datasets not installed: pip install 'consultgym[export]'")
def test_hf_format_loads_with_datasets(run_file, tmp_path):
    import datasets

    assert export_run(run_file, tmp_path / "hf", fmt="hf") == 6
    loaded = datasets.load_from_disk(str(tmp_path / "hf"))
    assert len(loaded) == 6 and loaded[0]["messages"][0]["role"] == "user"
    export_run(run_file, tmp_path / "p.parquet")
    parquet = datasets.load_dataset("parquet", data_files=str(tmp_path / "p.parquet"), cache_dir=str(tmp_path / "c"))
    assert parquet["train"].num_rows == 6


def test_cli_exports_and_explains_what_it_cannot(run_file, tmp_path, capsys):
    assert main(["export", str(run_file), "--out", str(tmp_path / "e.parquet")]) == 0
    assert "6 episodes" in capsys.readouterr().out
    assert main(["export", str(run_file), "--out", str(tmp_path / "s.parquet"), "--sft", "--min-reward", "2"]) == 1
    assert "no finished episode with reward >= 2.0" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "m.parquet")]) == 1
    assert "no such run file" in capsys.readouterr().err
