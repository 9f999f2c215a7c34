"""An episode cut short is judged as if the doctor had said END INQUIRY: its coverage earns reward, no diagnosis."""

from __future__ import annotations

import gymnasium as gym
import pytest

import consultgym
from consultgym.envs.builder import session_factory
from consultgym.envs.driver import run_sync
from consultgym.errors import ActionError

SCENARIO = "chest-pain-58m"
QUESTIONS = ["When did the pain start?", "Does the pain spread anywhere?", "Do you smoke?"]


def play(env: gym.Env, turns: list[str]) -> list[tuple]:
    env.reset(seed=0, options={"scenario": SCENARIO})
    return [env.step(turn) for turn in turns]


def test_time_limit_of_gym_make_judges_the_last_step_like_end_inquiry():
    limited = play(gym.make("consultgym/Consultation-v0", max_episode_steps=2), QUESTIONS[:2])
    ended = play(gym.make("consultgym/Consultation-v0"), [*QUESTIONS[:2], "END INQUIRY"])
    _, reward, terminated, truncated, info = limited[-1]
    assert truncated and not terminated and limited[0][1] == 0.0
    judgement = info["judgement"]
    assert judgement["diagnosis_given"] is None and judgement["coverage"] > 0
    assert reward == judgement["reward"] == ended[-1][1] == pytest.approx(0.7 * judgement["coverage"], abs=1e-6)


def test_partial_credit_false_earns_nothing_when_cut_short_but_keeps_the_judgement():
    env = gym.make("consultgym/Consultation-v0", max_turns=2, partial_credit=False)
    steps = play(env, QUESTIONS[:2])
    _, reward, _, truncated, info = steps[-1]
    assert truncated and reward == 0.0 and info["judgement"]["coverage"] > 0
    finished = play(env, [QUESTIONS[0], "DIAGNOSIS: inferior STEMI"])  # a finished episode still earns its reward
    assert finished[-1][2] and finished[-1][1] == finished[-1][4]["judgement"]["reward"] > 0


def test_cut_short_ends_a_running_episode_with_its_coverage_reward():
    env = gym.make("consultgym/HistoryTaking-v0")
    play(env, QUESTIONS)
    reward, info = env.unwrapped.cut_short()
    session = env.unwrapped.session
    assert session.truncated and session.done and reward == info["judgement"]["reward"] == session.judgement.reward
    assert reward > 0 and reward == pytest.approx(session.turns[-1].coverage, abs=1e-6)  # HistoryTaking-v0: coverage
    with pytest.raises(ActionError, match="over"):
        env.unwrapped.cut_short()
    with pytest.raises(ActionError):
        env.step("Any fever?")


def test_session_cut_short_before_any_question_earns_zero():
    session = session_factory(scenarios="starter")()
    run_sync(session.areset(SCENARIO, 0))
    result = run_sync(session.acut_short())
    assert (result.reward, result.truncated, result.terminated) == (0.0, True, False)
    assert result.info["judgement"]["coverage"] == 0.0


def test_plain_async_make_vec_with_shared_memory_refuses_text_instead_of_returning_garbage():
    with pytest.raises(TypeError, match="shared_memory"):
        gym.make_vec("consultgym/Consultation-v0", num_envs=2, vectorization_mode="async")
    envs = consultgym.make_vec("consultgym/Consultation-v0", num_envs=2, mode="async")
    try:
        observations, _ = envs.reset(seed=0, options={"scenario": SCENARIO})
        expected = next(s.opening for s in consultgym.load_library("starter") if s.id == SCENARIO)
        assert list(observations) == [expected, expected]
        observations, *_ = envs.step(["Any fever? Temperature 38.5°C?", "Do you smoke?"])
        assert all(isinstance(o, str) and 0 < len(o) < 2000 for o in observations)
    finally:
        envs.close()
