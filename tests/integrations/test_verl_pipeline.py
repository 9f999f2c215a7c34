"""A `dataset_row()` through veRL's own code paths, re-created step by step (veRL is not installed here).

Re-created from veRL's source (volcengine/verl at b178a3cd5), in the order a training step runs them:

1. the row is written to parquet and read back, then `RLHFDataset.__getitem__` lifts ``extra_info.index``,
   ``tools_kwargs`` and ``interaction_kwargs`` to the top level and keeps the chat as ``raw_prompt``;
2. `AgentLoopWorker.generate_sequences` hands each sample's non-tensor fields to `_run_agent_loop`, which looks its
   ``agent_name`` up in the agent-loop registry;
3. `ToolAgentLoop` builds the interactions of the YAML config (`initialize_interactions_from_config`), calls
   ``start_interaction(request_id, **interaction_kwargs)``, then alternates generation and
   ``generate_response(request_id, messages, **interaction_kwargs)``, stopping on ``max_assistant_turns``,
   ``max_user_turns`` or ``should_terminate``; it keeps the turn scores in ``extra_fields["turn_scores"]``;
4. `AgentLoopWorker._compute_score` passes the sample's fields plus ``tool_extra_fields`` to the reward loop, whose
   `NaiveRewardManager.run_single` reads ``data_source`` and ``reward_model["ground_truth"]``, merges
   ``tool_extra_fields`` into ``extra_info`` and calls the custom reward function loaded from
   ``custom_reward_function.path`` (``pkg://`` module) and ``.name``;
5. the legacy `NaiveRewardManager` (no reward loop) reads the same keys but not the turn scores.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.integrations.verl import dataset_row, interaction_config, trainer_overrides
from consultgym.scenarios.loader import load_library

AGENT_LOOP_REGISTRY = {"single_turn_agent", "tool_agent"}  # veRL's registered agent loops
SCENARIO = next(s for s in load_library("starter") if s.id == "chest-pain-58m")


def overrides(path: Path) -> dict[str, str]:
    return dict(item.split("=", 1) for item in trainer_overrides(str(path)))


def dataset_sample(row: dict, tmp_path: Path) -> dict[str, Any]:
    """Steps 1-2: parquet round trip, `RLHFDataset.__getitem__`, one sample's non-tensor fields."""
    pq.write_table(pa.Table.from_pylist([row]), tmp_path / "train.parquet")
    row_dict = pq.read_table(tmp_path / "train.parquet").to_pylist()[0]
    row_dict["raw_prompt"] = row_dict["prompt"]
    extra_info = row_dict.get("extra_info") or {}
    row_dict["extra_info"] = extra_info
    row_dict["index"] = extra_info.get("index", 0)
    row_dict["tools_kwargs"] = extra_info.get("tools_kwargs", {})
    row_dict["interaction_kwargs"] = extra_info.get("interaction_kwargs", {})
    assert row_dict["agent_name"] in AGENT_LOOP_REGISTRY  # `_run_agent_loop`'s assertion
    return row_dict


def interactions_from_config(path: Path) -> dict[str, Any]:
    """Step 3: `initialize_interactions_from_config` (veRL loads the YAML with OmegaConf; plain YAML here)."""
    interactions = {}
    for item in yaml.safe_load(path.read_text())["interaction"]:
        module_name, class_name = item["class_name"].rsplit(".", 1)
        if module_name not in sys.modules:  # veRL imports it the same way: find_spec, then exec the module
            spec = importlib.util.find_spec(module_name)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        config = dict(item["config"])
        config["name"] = item.get("name") or class_name.removesuffix("Interaction").lower()
        interactions[config["name"]] = getattr(sys.modules[module_name], class_name)(config=config)
    return interactions


async def tool_agent_loop(
    sample: dict, interaction_map: dict, max_user_turns: int | None, max_assistant_turns: int | None
) -> tuple[dict, Any, str]:
    """Step 3: `ToolAgentLoop.run` with an interaction and no tools; the systematic doctor is the generation."""
    messages = list(sample["raw_prompt"])
    request_id = uuid4().hex
    interaction_kwargs = sample["extra_info"]["interaction_kwargs"]
    if "name" not in interaction_kwargs:
        raise ValueError("'name' key is required in interaction_kwargs")
    interaction = interaction_map[interaction_kwargs["name"]]
    await interaction.start_interaction(request_id, **interaction_kwargs)
    doctor, turn_scores, user_turns, assistant_turns = SystematicDoctor(), [], 0, 0
    doctor.reset(messages[-1]["content"], int(interaction_kwargs["seed"]))
    while True:  # GENERATING
        text = await doctor.act(messages[-1]["content"])
        assistant_turns += 1
        if max_assistant_turns and assistant_turns >= max_assistant_turns:
            break
        if max_user_turns and user_turns >= max_user_turns:
            break
        messages.append({"role": "assistant", "content": text})
        # INTERACTING
        should_terminate, response, reward, _ = await interaction.generate_response(
            request_id, messages, **interaction_kwargs
        )
        user_turns += 1
        messages.append({"role": "user", "content": response})
        if reward is not None:
            turn_scores.append(reward)
        if should_terminate:
            break
    return {"turn_scores": turn_scores, "tool_rewards": []}, interaction, request_id


def load_custom_reward_fn(config: dict[str, str]) -> Any:
    """Step 4: `get_custom_reward_fn` -> `load_extern_object` with a ``pkg://`` path, wrapped with reward kwargs."""
    module = importlib.import_module(config["custom_reward_function.path"].removeprefix("pkg://").replace("/", "."))
    raw_fn = getattr(module, config["custom_reward_function.name"])

    def call_with_kwargs(fn: Any, extra_kwargs: dict, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **{**kwargs, **extra_kwargs})

    return partial(call_with_kwargs, raw_fn, {})


def reward_loop_score(sample: dict, extra_fields: dict, num_turns: int, compute_score: Any) -> dict:
    """Step 4: `_compute_score`'s non-tensor batch, then the reward loop's `NaiveRewardManager.run_single`."""
    non_tensor_batch = {key: np.array([value]) for key, value in sample.items() if key != "agent_name"}
    non_tensor_batch["__num_turns__"] = np.array([num_turns])
    non_tensor_batch["tool_extra_fields"] = np.array([extra_fields], dtype=object)
    item = {key: value[0] for key, value in non_tensor_batch.items()}  # data[0].non_tensor_batch
    data_source = item["data_source"]
    ground_truth = item["reward_model"]["ground_truth"]
    extra_info = item.get("extra_info", {})
    tool_extra_fields = item.get("tool_extra_fields", None)
    if tool_extra_fields is not None:
        extra_info.update(tool_extra_fields.items())
    extra_info["num_turns"] = item.get("__num_turns__", None)
    extra_info["rollout_reward_scores"] = item.get("reward_scores", {})
    solution = "...the decoded response tokens..."
    result = compute_score(
        data_source=data_source, solution_str=solution, ground_truth=ground_truth, extra_info=extra_info
    )
    score = result["score"] if isinstance(result, dict) else result
    return {"reward_score": score, "reward_extra_info": {"acc": score}}


def run_step(tmp_path: Path, seed: int, max_user_turns: int | None) -> tuple[dict, dict, Any, str]:
    config_path = tmp_path / "consultation_interaction.yaml"
    config_path.write_text(yaml.safe_dump(interaction_config(scenarios="starter")))
    config = overrides(config_path)
    assert config["actor_rollout_ref.rollout.multi_turn.interaction_config_path"] == str(config_path)
    sample = dataset_sample(dataset_row(SCENARIO.opening, SCENARIO.id, seed), tmp_path)
    interaction_map = interactions_from_config(
        Path(config["actor_rollout_ref.rollout.multi_turn.interaction_config_path"])
    )
    extra_fields, interaction, request_id = asyncio.run(
        tool_agent_loop(
            sample,
            interaction_map,
            max_user_turns,
            int(config["actor_rollout_ref.rollout.multi_turn.max_assistant_turns"]),
        )
    )
    result = reward_loop_score(
        sample, extra_fields, len(extra_fields["turn_scores"]) * 2 + 1, load_custom_reward_fn(config)
    )
    return result, extra_fields, interaction, request_id


def test_a_finished_consultation_scores_the_judge_reward_through_veRLs_reward_loop(tmp_path):
    result, extra_fields, interaction, request_id = run_step(tmp_path, seed=3, max_user_turns=None)
    session = interaction.session(request_id)
    # The systematic doctor knows no case: it ends with a diagnosis, right or not, and covers part of the items.
    assert session.terminated and session.judgement is not None and session.turns[-1].kind == "diagnose"
    assert session.judgement.reward > 0
    assert result["reward_score"] == pytest.approx(session.judgement.reward, abs=1e-6)
    assert sum(extra_fields["turn_scores"]) == pytest.approx(result["reward_score"], abs=1e-6)
    assert len(extra_fields["turn_scores"]) == len(session.turns)


def test_a_consultation_veRL_stops_early_keeps_its_partial_coverage_reward(tmp_path):
    result, extra_fields, interaction, request_id = run_step(tmp_path, seed=3, max_user_turns=2)
    session = interaction.session(request_id)
    assert len(session.turns) == 2 and not session.done  # veRL stopped it; the interaction was not told
    cut = asyncio.run(session.acut_short())  # what END INQUIRY at this point would have earned
    assert result["reward_score"] == pytest.approx(cut.reward, abs=1e-6) and cut.reward > 0
    assert cut.info["judgement"]["diagnosis_given"] is None


def test_the_legacy_reward_manager_finds_its_keys_and_is_told_what_is_missing(tmp_path):
    """`workers.reward_manager.naive`: data_source and ground_truth are there (no KeyError); turn scores are not."""
    sample = dataset_sample(dataset_row(SCENARIO.opening, SCENARIO.id, 0), tmp_path)
    compute_score = load_custom_reward_fn(overrides(tmp_path / "x.yaml"))
    data_source, ground_truth = sample["data_source"], sample["reward_model"]["ground_truth"]
    with pytest.raises(ValueError, match="use_reward_loop=True"):
        compute_score(
            data_source=data_source, solution_str="", ground_truth=ground_truth, extra_info=sample["extra_info"]
        )
