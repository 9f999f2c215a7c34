"""Reward and observation wrappers: what each episode's rewards sum to, and the chat-message observation space."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import consultgym
from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.envs.driver import run_sync
from consultgym.envs.wrappers import (
    ChatMessages,
    ScenarioNormalized,
    ShapedCoverage,
    TestCost,
    TurnCost,
    session_of,
)
from consultgym.errors import ConfigError

EASY, HARD = "chest-pain-58m", "child-fever-2y"


def play(env: gym.Env, seed: int, scenario: str | None = None) -> tuple[list[float], dict]:
    """The systematic doctor plays one episode; returns every step's reward and the last info."""
    doctor = SystematicDoctor()
    obs, _ = env.reset(seed=seed, options={"scenario": scenario} if scenario else None)
    heard = session_of(env).scenario.opening
    doctor.reset(heard, seed)
    rewards: list[float] = []
    while True:
        heard = obs if isinstance(obs, str) else obs[-1]["content"]
        obs, reward, terminated, truncated, info = env.step(run_sync(doctor.act(heard)))
        rewards.append(float(reward))
        if terminated or truncated:
            return rewards, info


@pytest.mark.parametrize("env_id", consultgym.ENV_IDS)
@pytest.mark.parametrize("seed", [0, 3, 7])
def test_shaped_coverage_sums_to_the_final_reward(env_id, seed):
    raw, _ = play(gym.make(env_id), seed)
    shaped, info = play(ShapedCoverage(gym.make(env_id)), seed)
    assert len(raw) == len(shaped) and sum(raw) == raw[-1]  # the env itself is sparse
    assert sum(shaped) == pytest.approx(raw[-1], abs=1e-9)
    assert all(r >= 0 for r in shaped[:-1]) and any(r > 0 for r in shaped[:-1])  # coverage only grows, offline
    coverage, reward = info["judgement"]["coverage"], info["judgement"]["reward"]
    weight = 0.7 if env_id.endswith("Consultation-v0") else 1.0
    diagnosis = reward - weight * coverage  # what the last step pays besides the coverage it gained itself
    assert shaped[-1] >= diagnosis - 1e-9


def test_shaped_coverage_over_a_turn_cost_keeps_its_sum():
    cost = 0.02
    raw, _ = play(gym.make("consultgym/Consultation-v0"), 5)
    costly, _ = play(TurnCost(gym.make("consultgym/Consultation-v0"), cost=cost), 5)
    shaped, _ = play(ShapedCoverage(TurnCost(gym.make("consultgym/Consultation-v0"), cost=cost), weight=2.0), 5)
    assert sum(costly) == pytest.approx(raw[-1] - cost * len(raw))
    assert sum(shaped) == pytest.approx(sum(costly))


def test_scenario_normalized_maps_each_scenario_median_to_the_target():
    env = ScenarioNormalized(gym.make("consultgym/Consultation-v0"), target=0.5)
    raw = {s: sum(play(gym.make("consultgym/Consultation-v0"), 0, s)[0]) for s in (EASY, HARD)}
    assert raw[EASY] - raw[HARD] > 0.2  # the systematic doctor does much better on one than the other
    for scenario in (EASY, HARD, EASY, HARD):
        rewards, info = play(env, 0, scenario)
        # The systematic doctor is deterministic, so every episode is that scenario's median: both map to 0.5.
        assert sum(rewards) == pytest.approx(0.5) and info["raw_return"] == pytest.approx(raw[scenario])
    assert env.median(EASY) == pytest.approx(raw[EASY]) and env.median("never-played") is None


def test_scenario_normalized_shift_and_scale_arithmetic():
    env = ScenarioNormalized(gym.make("consultgym/Consultation-v0"), target=0.5, window=3)
    # The median includes the episode itself: 0.1 -> median 0.1; 0.3 -> median 0.2; 0.2 -> median 0.2.
    assert [env.normalize("hard", r) for r in (0.1, 0.3, 0.2)] == pytest.approx([0.5, 0.6, 0.5])
    assert env.normalize("hard", 0.4) == pytest.approx(0.4 - 0.3 + 0.5)  # window 3: median of 0.3, 0.2, 0.4
    assert env.normalize("easy", 0.9) == pytest.approx(0.5)
    assert env.normalize("easy", 1.0) == pytest.approx(1.0 - 0.95 + 0.5)  # same gain above median, same reward

    scaled = ScenarioNormalized(gym.make("consultgym/Consultation-v0"), target=1.0, mode="scale", floor=0.1)
    assert [scaled.normalize("s", r) for r in (0.2, 0.4)] == pytest.approx([1.0, 0.4 / 0.3])
    assert scaled.normalize("zero", 0.0) == 0.0 and scaled.normalize("zero", 0.05) == pytest.approx(0.05 / 0.1)
    with pytest.raises(ConfigError, match="mode"):
        ScenarioNormalized(gym.make("consultgym/Consultation-v0"), mode="zscore")


def test_turn_cost_subtracts_per_turn():
    rewards, _ = play(TurnCost(gym.make("consultgym/Consultation-v0"), cost=0.05), 1)
    assert rewards[0] == pytest.approx(-0.05)


def test_chat_messages_passes_check_env_and_speaks_openai_format():
    env = ChatMessages(gym.make("consultgym/Consultation-v0"), system_prompt="You are a doctor.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # check_env warns that the env is wrapped, which is the point here
        check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0, options={"scenario": EASY})
    assert [m["role"] for m in obs] == ["system", "user"] and env.observation_space.contains(obs)
    obs, *_ = env.step("When did it start? Crushing pain, 9/10 — anything else? °C")
    assert [m["role"] for m in obs] == ["system", "user", "assistant", "user"]
    assert obs[2]["content"].startswith("When did it start?") and env.observation_space.contains(obs)
    assert list(obs[1:]) == session_of(env).messages()


def test_test_cost_charges_every_request():
    env = TestCost(gym.make("consultgym/Consultation-v0"), cost=0.02, exam_cost=0.005, prices={"CT": 0.1})
    env.reset(seed=0, options={"scenario": EASY})
    _, reward, *_, info = env.step("When did it start?")
    assert (reward, info["test_cost"]) == (0.0, 0.0)
    _, reward, *_, info = env.step("TEST: ECG\nTEST: computed tomography of the head\nEXAMINE: chest")
    assert info["test_cost"] == pytest.approx(0.02 + 0.1 + 0.005) and reward == pytest.approx(-info["test_cost"])
    # A shotgun line reveals nothing, and costs every test it names.
    observation, reward, *_, info = env.step("TEST: ECG CXR CBC troponin CT MRI")
    assert info["test_cost"] == pytest.approx(5 * 0.02 + 0.1) and "ST elevation" not in observation


def test_test_cost_over_an_episode_lowers_the_return_of_ordering_everything():
    def episode_return(turns: list[str]) -> float:
        env = TestCost(gym.make("consultgym/Consultation-v0"), cost=0.02)
        env.reset(seed=0, options={"scenario": EASY})
        total = 0.0
        for turn in turns:
            _, reward, terminated, truncated, _ = env.step(turn)
            total += float(reward)
            if terminated or truncated:
                break
        return total

    everything = ["TEST: ECG\nTEST: troponin\nTEST: full blood count"] * 4 + ["DIAGNOSIS: STEMI"]
    focused = ["TEST: ECG\nTEST: troponin"] + ["DIAGNOSIS: STEMI"]
    assert episode_return(everything) < episode_return(focused)


def test_test_cost_rejects_negative_prices():
    with pytest.raises(ConfigError, match="must be >= 0"):
        TestCost(gym.make("consultgym/Consultation-v0"), cost=-1)
