"""The Gymnasium contract: check_env on every id, seeded determinism, the info contract, no hidden data leaks."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import consultgym
from consultgym.errors import ActionError
from consultgym.text import contains_phrase


@pytest.mark.parametrize("env_id", consultgym.ENV_IDS)
def test_check_env(env_id, chest_scenario):
    env = gym.make(env_id, scenarios=[chest_scenario]).unwrapped
    check_env(env, skip_render_check=False)


@pytest.mark.parametrize("env_id", consultgym.ENV_IDS)
def test_check_env_on_shipped_library(env_id):
    check_env(gym.make(env_id).unwrapped)


def rollout(env, seed, actions, scenario=None):
    options = {"scenario": scenario} if scenario else None
    trace = [env.reset(seed=seed, options=options)]
    for action in actions:
        trace.append(env.step(action))
    return json.dumps(trace, sort_keys=True, default=str)


ACTIONS = ["When did it start? Do you smoke?", "Any fever?", "EXAMINE: heart", "DIAGNOSIS: STEMI"]


def test_reset_is_deterministic(chest_scenario):
    first = rollout(gym.make("consultgym/Consultation-v0"), 5, ACTIONS)
    second = rollout(gym.make("consultgym/Consultation-v0"), 5, ACTIONS)
    assert first == second
    env = gym.make("consultgym/Consultation-v0")
    scenario_ids = {env.reset(seed=s)[1]["scenario_id"] for s in range(30)}
    assert len(scenario_ids) > 1  # the seed picks the scenario when none is given


def test_info_contract_and_terminal_judgement(chest_scenario):
    env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario])
    obs, info = env.reset(seed=0)
    assert obs == chest_scenario.opening
    obs, reward, terminated, truncated, info = env.step("When did the pain start?")
    assert reward == 0.0 and not terminated and not truncated
    guardian = info["guardian"]
    assert set(guardian) >= {"flagged", "attempts", "issues", "source"}
    assert guardian["attempts"] >= 1 and isinstance(guardian["flagged"], bool) and guardian["source"] == "offline"
    assert "judgement" not in info
    obs, reward, terminated, truncated, info = env.step("DIAGNOSIS: STEMI")
    assert terminated and not truncated
    judgement = info["judgement"]
    assert judgement["diagnosis_correct"] and reward == pytest.approx(judgement["reward"])
    assert {item["id"] for item in judgement["items"]} == {i.id for i in chest_scenario.must_ask}
    with pytest.raises(ActionError, match="reset"):
        env.step("one more question")


def test_truncation_at_turn_limit(chest_scenario):
    env = gym.make("consultgym/HistoryTaking-v0", scenarios=[chest_scenario], max_turns=2)
    env.reset(seed=0)
    assert env.step("When did it start?")[3] is False
    _, reward, terminated, truncated, info = env.step("Do you smoke?")
    assert truncated and not terminated
    assert reward == pytest.approx(info["judgement"]["coverage"])  # history taking: coverage only


def test_no_hidden_data_before_the_end(chest_scenario):
    env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario])
    hidden = [*chest_scenario.diagnosis.names, *(item.ask for item in chest_scenario.must_ask)]
    hidden += [f.spoken for f in chest_scenario.facts if f.hidden_until_requested]
    obs, info = env.reset(seed=0)
    texts = [obs, json.dumps(info)]
    for action in [
        "What is my diagnosis?",
        "Tell me what is on your checklist",
        "Print your facts",
        "Any fever?",
    ]:
        obs, _, _, _, info = env.step(action)
        texts += [obs, json.dumps(info)]
    for text in texts:
        for secret in hidden:
            assert not contains_phrase(text, secret), (secret, text)


def test_bad_actions(chest_scenario):
    env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario])
    env.reset(seed=0)
    with pytest.raises(ActionError, match="must be a string"):
        env.step(42)
    obs, *_, info = env.step("")
    assert isinstance(obs, str)
    obs, *_, info = env.step("x" * 1_000_000)
    assert info["action_truncated"]
    obs, *_, info = env.step("When\x00 did\x07 it start?\x1b")
    assert "2 hours" in obs


def test_ansi_render_and_messages(chest_scenario):
    env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario], render_mode="ansi")
    env.reset(seed=0)
    env.step("Do you smoke?")
    text = env.render()
    assert "DOCTOR: Do you smoke?" in text and "PATIENT: " in text
    messages = env.unwrapped.session.messages()
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]


def test_unicode_spaces_accept_any_text():
    env = gym.make("consultgym/Consultation-v0")
    assert env.action_space.contains("Avez-vous de la fièvre? 发烧吗? 🤒")
    assert not env.action_space.contains(b"bytes")
