"""The veRL interaction contract of `ConsultationInteraction`, checked without veRL installed."""

from __future__ import annotations

import asyncio
import inspect
import pickle

import pytest

from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.integrations.verl import (
    CLASS_PATH,
    ConsultationInteraction,
    compute_score,
    dataset_row,
    dataset_rows,
    interaction_config,
)
from consultgym.scenarios.loader import load_library
from consultgym.settings import EnvConfig
from consultgym.testing import FakeOpenAIServer

SCENARIO, SEED = "chest-pain-58m", 4


async def play(interaction: ConsultationInteraction, instance_id: str, scenario: str = SCENARIO, seed: int = SEED):
    """veRL's loop, with the systematic doctor as the policy: returns every response tuple and the final score."""
    await interaction.start_interaction(instance_id, scenario=scenario, seed=seed)
    opening = interaction.session(instance_id).scenario.opening
    messages = [{"role": "user", "content": opening}]
    doctor, responses = SystematicDoctor(), []
    doctor.reset(opening, seed)
    heard = opening
    while True:
        messages.append({"role": "assistant", "content": await doctor.act(heard)})
        done, heard, score, metadata = await interaction.generate_response(instance_id, messages)
        responses.append((done, heard, score, metadata))
        messages.append({"role": "user", "content": heard})
        if done:
            return responses, await interaction.calculate_score(instance_id)


def test_the_methods_veRL_calls_are_coroutines_with_its_signatures():
    for name in ("start_interaction", "generate_response", "calculate_score", "finalize_interaction"):
        method = getattr(ConsultationInteraction, name)
        assert inspect.iscoroutinefunction(method), name
        assert "instance_id" in inspect.signature(method).parameters
    interaction = ConsultationInteraction({"name": "consultation"})
    assert interaction.name == "consultation" and interaction.settings == EnvConfig()


def test_a_whole_episode_scores_the_judge_reward_and_finalizes():
    interaction = ConsultationInteraction({"name": "consultation"})
    responses, score = asyncio.run(play(interaction, "trajectory-1"))
    assert [done for done, *_ in responses] == [False] * (len(responses) - 1) + [True]
    session = interaction.session("trajectory-1")
    # Every turn before the last scores the weighted coverage it gained; the turn scores sum to the judge's reward.
    coverage = [0.0] + [turn.coverage for turn in session.turns]
    gains = [0.7 * (after - before) for before, after in zip(coverage[:-1], coverage[1:], strict=True)]
    turn_scores = [turn_score for _, _, turn_score, _ in responses]
    assert turn_scores[:-1] == pytest.approx(gains[:-1], abs=1e-9) and sum(turn_scores[:-1]) > 0
    assert sum(turn_scores) == pytest.approx(score, abs=1e-9)
    final = responses[-1]
    assert score > 0 and final[3]["judgement"]["reward"] == score
    assert session.to_episode().judgement.reward == score
    after = asyncio.run(interaction.generate_response("trajectory-1", [{"role": "assistant", "content": "Hello?"}]))
    assert after[0] is True and after[2] == 0.0
    asyncio.run(interaction.finalize_interaction("trajectory-1"))
    with pytest.raises(KeyError):
        interaction.session("trajectory-1")


def test_instances_are_keyed_by_id_and_run_concurrently_with_the_same_patient_per_seed():
    interaction = ConsultationInteraction({"name": "consultation"})

    async def group() -> list:
        ids = ["a", "b", "c"]
        return await asyncio.gather(*(play(interaction, i) for i in ids), play(interaction, "d", "back-pain-42m"))

    a, b, c, d = asyncio.run(group())
    assert a == b == c and d != a
    generated = asyncio.run(interaction.start_interaction(scenario=SCENARIO, seed=SEED))
    assert isinstance(generated, str) and generated not in {"a", "b", "c", "d"}


def test_pickle_round_trip_keeps_the_configuration():
    config = {"name": "consultation", "scenarios": "starter", "max_turns": 3}
    interaction = ConsultationInteraction(config)
    asyncio.run(interaction.start_interaction("x", scenario=SCENARIO, seed=SEED))
    clone = pickle.loads(pickle.dumps(interaction))
    assert clone.config == config and clone.settings == EnvConfig(scenarios="starter", max_turns=3)
    responses, _ = asyncio.run(play(clone, "x"))
    assert len(responses) == 3 and responses[-1][3]["truncated"]


def test_llm_patient_is_awaited_on_the_callers_loop():
    with FakeOpenAIServer("Since this morning.") as server:
        settings = {"patient": "llm", "guardian": "off", "patient_model": "m", "patient_base_url": server.base_url}
        interaction = ConsultationInteraction({"name": "consultation", **settings})

        async def one_turn() -> tuple:
            await interaction.start_interaction("t", scenario=SCENARIO, seed=0)
            return await interaction.generate_response("t", [{"role": "assistant", "content": "When did it start?"}])

        done, reply, score, _ = asyncio.run(one_turn())
    assert (done, reply) == (False, "Since this morning.") and server.request_count == 1
    assert score > 0  # the onset question's coverage


def test_config_and_dataset_row_helpers():
    config = interaction_config(patient="offline", max_turns=8)
    assert config["interaction"][0] == {
        "name": "consultation",
        "class_name": CLASS_PATH,
        "config": {"patient": "offline", "max_turns": 8},
    }
    scenario = next(s for s in load_library("starter") if s.id == SCENARIO)
    row = dataset_row(scenario.opening, SCENARIO, SEED)
    assert row["prompt"][-1] == {"role": "user", "content": scenario.opening}
    assert row["extra_info"]["interaction_kwargs"] == {"name": "consultation", "scenario": SCENARIO, "seed": SEED}
    assert (row["data_source"], row["agent_name"], row["reward_model"]["ground_truth"]) == (
        "consultgym",
        "tool_agent",
        SCENARIO,
    )
    rows = dataset_rows(load_library("starter")[:2], seeds=[0, 1])
    assert [r["extra_info"]["index"] for r in rows] == [0, 1, 2, 3]


def test_without_partial_credit_turns_score_nothing_until_the_doctor_ends_it():
    interaction = ConsultationInteraction({"name": "consultation", "partial_credit": False})
    responses, score = asyncio.run(play(interaction, "strict"))
    assert [r[2] for r in responses[:-1]] == [0.0] * (len(responses) - 1) and responses[-1][2] == score > 0


def test_compute_score_sums_turn_scores_and_explains_a_missing_field():
    assert compute_score("consultgym", "", SCENARIO, {"turn_scores": []}) == 0.0
    with pytest.raises(ValueError, match="turn_scores"):
        compute_score("consultgym", "", SCENARIO, {"interaction_kwargs": {}})


def test_one_library_load_per_settings_across_interactions(monkeypatch):
    import consultgym.envs.builder as builder

    loads = []
    real = builder.load_library
    monkeypatch.setattr(builder, "load_library", lambda names: loads.append(names) or real(names))
    settings = {"name": "consultation", "max_turns": 7}  # settings no other test uses: a fresh cache entry
    for trajectory in range(5):  # veRL builds an interaction per sample
        interaction = ConsultationInteraction(settings)
        asyncio.run(interaction.start_interaction(f"t{trajectory}", scenario=SCENARIO, seed=trajectory))
    assert len(loads) == 1
