"""Async and batched stepping: the env inside a running event loop, vector envs, and `rollout_batch`."""

from __future__ import annotations

import asyncio
import runpy
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import consultgym  # noqa: F401 - registers the ids
from consultgym.agents.doctor.llm import LLMDoctor
from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.config import LLMSettings
from consultgym.envs.batch import VECTOR_KWARGS, make_vec, rollout_batch
from consultgym.envs.builder import session_factory
from consultgym.envs.driver import play_episode, run_sync
from consultgym.errors import ConfigError
from consultgym.testing import FakeOpenAIServer

STARTER = ["chest-pain-58m", "abdominal-pain-19m", "back-pain-42m", "breathlessness-34f", "child-fever-2y"]


def llm_patient_kwargs(server: FakeOpenAIServer) -> dict:
    return {"patient": "llm", "guardian": "off", "patient_model": "fake-model", "patient_base_url": server.base_url}


# ------------------------------------------------------------------------------------------- inside an event loop
def test_env_steps_inside_a_running_event_loop_offline():
    env = gym.make("consultgym/Consultation-v0")

    async def main() -> tuple:
        env.reset(seed=0, options={"scenario": "chest-pain-58m"})
        return env.step("When did the pain start?")

    obs, reward, terminated, truncated, info = asyncio.run(main())
    assert obs and not terminated and info["turn"] == 1


def test_env_steps_inside_a_running_event_loop_with_an_llm_patient():
    with FakeOpenAIServer("It started this morning.") as server:
        env = gym.make("consultgym/Consultation-v0", **llm_patient_kwargs(server))

        async def main() -> list[str]:
            env.reset(seed=0, options={"scenario": "chest-pain-58m"})
            first = env.step("When did the pain start?")[0]
            await asyncio.sleep(0)  # the caller's loop keeps running between steps
            return [first, env.step("Does it spread anywhere?")[0]]

        replies = asyncio.run(main())
        sync_reply = env.step("Any sweating?")[0]  # and the same env still works from sync code
        env.close()
    assert replies == ["It started this morning."] * 2 and sync_reply == "It started this morning."
    assert server.request_count == 3


# --------------------------------------------------------------------------------------------------- vector envs
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_same_step_autoreset_wastes_no_action(mode):
    envs = gym.make_vec(
        "consultgym/Consultation-v0", num_envs=2, vectorization_mode=mode, vector_kwargs=VECTOR_KWARGS[mode]
    )
    try:
        observations, _ = envs.reset(seed=0)
        assert all(isinstance(o, str) and o for o in observations)
        observations, rewards, terminated, truncated, info = envs.step(["When did it start?", "DIAGNOSIS: migraine"])
        assert list(terminated) == [False, True]
        # SAME_STEP: the finished sub-env was reset within this step; its last observation is in final_obs.
        assert info["_final_obs"][1] and info["final_obs"][1] == "The consultation has ended."
        # Vector infos are dicts of arrays, with a `_key` mask saying which sub-envs set the key.
        judgement = info["final_info"]["judgement"]
        assert list(info["final_info"]["_judgement"]) == [False, True]
        assert rewards[1] == pytest.approx(judgement["reward"][1]) and judgement["diagnosis_given"][1] == "migraine"
        # The next action of the reset sub-env is played (its turn 1), not swallowed by a reset step.
        _, _, _, _, info = envs.step(["Any fever? Temperature 38.5°C?", "Do you smoke?"])
        assert list(info["turn"]) == [2, 1]
    finally:
        envs.close()


def test_make_vec_helper_accepts_env_kwargs_and_rejects_unknown_modes():
    envs = make_vec("consultgym/HistoryTaking-v0", num_envs=2, mode="sync", max_turns=1)
    envs.reset(seed=1)
    _, _, terminated, truncated, _ = envs.step(["When did it start?", "Any fever?"])
    assert list(truncated) == [True, True] and not any(terminated)
    envs.close()
    with pytest.raises(ConfigError, match="sync"):
        make_vec(mode="threads")


# ------------------------------------------------------------------------------------------------- rollout_batch
def test_rollout_batch_matches_one_by_one_episodes():
    build = session_factory(scenarios="starter")
    seeds = list(range(len(STARTER)))
    results = asyncio.run(rollout_batch(build, SystematicDoctor, STARTER, seeds, concurrency=3))
    assert [r.scenario_id for r in results] == STARTER and [r.seed for r in results] == seeds
    for result in results:
        alone = run_sync(play_episode(build(), SystematicDoctor(), result.scenario_id, result.seed))
        assert result.error == "" and result.judgement is not None
        assert result.reward == alone.reward == result.judgement.reward
        assert result.messages == alone.messages
        assert result.messages[0]["role"] == "user" and result.messages[1]["role"] == "assistant"
        assert result.episode.key == (result.index, result.scenario_id, result.seed)


def test_rollout_batch_reuses_a_pool_of_sessions_and_records_failures():
    build = session_factory(scenarios="starter")
    sessions, doctors = [build(), build()], [SystematicDoctor(), SystematicDoctor()]
    scenarios = ["chest-pain-58m", "no-such-scenario", "chest-pain-58m", "back-pain-42m"]
    results = asyncio.run(rollout_batch(sessions, doctors, scenarios, [0, 1, 0, 3]))
    assert [bool(r.error) for r in results] == [False, True, False, False]
    assert "no-such-scenario" in results[1].error and results[1].judgement is None
    assert results[0].messages == results[2].messages  # same scenario and seed: same patient, same dialogue
    with pytest.raises(ConfigError, match="seed"):
        asyncio.run(rollout_batch(build, SystematicDoctor, scenarios, [0]))


def test_rollout_batch_runs_llm_doctors_and_patients_concurrently():
    def doctor(body: dict) -> str:  # two questions, then a diagnosis: system + opening + 2 exchanges = 6 messages
        return "DIAGNOSIS: migraine" if len(body["messages"]) >= 6 else "When did it start?"

    with FakeOpenAIServer(by_model={"patient": "Since yesterday.", "doctor": doctor}, latency=0.05) as server:
        build = session_factory(scenarios="starter", **{**llm_patient_kwargs(server), "patient_model": "patient"})
        settings = LLMSettings(model="doctor", base_url=server.base_url)
        doctors = [LLMDoctor(settings) for _ in range(4)]
        results = asyncio.run(rollout_batch(build, doctors, STARTER[:4], [0, 1, 2, 3]))
    assert all(not r.error for r in results), [r.error for r in results]
    assert [len(r.transcript) for r in results] == [3] * 4
    assert all(r.judgement is not None and r.judgement.diagnosis_given == "migraine" for r in results)
    assert len(server.requests_for("patient")) == 8 and len(server.requests_for("doctor")) == 12


def test_evaluate_openai_compatible_example_against_the_loopback_server(tmp_path, monkeypatch, capsys):
    examples = Path(__file__).resolve().parents[2] / "examples"
    out = tmp_path / "eval.jsonl"
    argv = ["evaluate_openai_compatible.py", "--demo-server", "--episodes", "4", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(examples / "evaluate_openai_compatible.py"), run_name="__main__")
    assert "4 completed, 0 errored" in capsys.readouterr().out
