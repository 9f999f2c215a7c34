"""Reward hacking: scenario-independent policies built from the library itself cannot farm the reward.

The adversaries are `consultgym.testing.gaming`: keyword stuffing, rubric wording, a generic checklist crammed into
one unit, shotgun test lines, bag-of-words diagnoses and hedges with every separator, each built from the shipped
library *without* the scenario it plays (leave-one-out). Every one plays every shipped scenario and is scored by the
offline judge, which is what the env pays at the end (`test_the_env_pays_what_the_judge_scores`). The honest
baselines are the generic checklist asked one question per unit and the systematic-history doctor (the scripted
doctor until the systematic one ships). `benchmarks/reward_hacking.py` prints the same comparison as a table.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from statistics import mean

import gymnasium as gym
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import consultgym  # noqa: F401 - registers the env ids
from consultgym.actions import parse_action
from consultgym.agents.factory import make_doctor
from consultgym.agents.judge.offline import score
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.envs.driver import run_sync
from consultgym.records import Judgement
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.retrieval import turn_units
from consultgym.scenarios.schema import Scenario
from consultgym.testing.gaming import DIAGNOSES, POLICIES, LibraryVocabulary, checklist_per_unit, keyword_stuffing
from consultgym.testing.replay import OFFLINE_DOCTORS

LIBRARIES = ("starter", "generated", "agentclinic")
LIMIT = DEFAULT_QUESTIONS_PER_TURN
HONEST = "systematic" if "systematic" in OFFLINE_DOCTORS else "scripted"


@cache
def vocabulary() -> LibraryVocabulary:
    return LibraryVocabulary.of([s for name in LIBRARIES for s in load_library(name)])


def judge(scenario: Scenario, turns: list[str]) -> Judgement:
    """What the env pays for these doctor turns: the judge's score, the diagnosis from a final DIAGNOSIS: turn."""
    turns = turns[: scenario.turn_limit]
    return score(scenario, turns, parse_action(turns[-1]).diagnosis)


def gaming_turns(scenario: Scenario) -> dict[str, list[str]]:
    own = vocabulary().without(scenario)
    limit = scenario.turn_limit
    turns = {name: policy(own, limit) for name, policy in POLICIES.items()}
    stuffing = keyword_stuffing(own, limit - 1)
    return turns | {name: [*stuffing, diagnose(own)] for name, diagnose in DIAGNOSES.items()}


@cache
def results(library: str) -> dict[str, list[Judgement]]:
    """Every gaming policy and the honest checklist on every scenario of a library."""
    played: dict[str, list[Judgement]] = {}
    for scenario in load_library(library):
        for name, turns in gaming_turns(scenario).items():
            played.setdefault(name, []).append(judge(scenario, turns))
        honest = checklist_per_unit(vocabulary(), scenario.turn_limit)
        played.setdefault("checklist_per_unit", []).append(judge(scenario, honest))
    return played


@cache
def honest_doctor_reward(library: str) -> float:
    env = gym.make("consultgym/Consultation-v0", scenarios=library)
    rewards = []
    for scenario in load_library(library):
        doctor = make_doctor(HONEST)
        observation, _ = env.reset(seed=0, options={"scenario": scenario.id})
        doctor.reset(observation, seed=0)
        while True:
            observation, reward, terminated, truncated, _ = env.step(run_sync(doctor.act(observation)))
            if terminated or truncated:
                rewards.append(reward)
                break
    env.close()
    return mean(rewards)


def mean_of(judgements: list[Judgement], field: str) -> float:
    return mean(float(getattr(j, field)) for j in judgements)


# ---------------------------------------------------------------------------------------------- over the library
@pytest.mark.parametrize("library", LIBRARIES)
def test_keyword_stuffing_covers_little(library):
    assert mean_of(results(library)["keyword_stuffing"], "coverage") <= 0.35


@pytest.mark.parametrize("library", LIBRARIES)
def test_bag_of_words_and_multi_name_diagnoses_are_rarely_correct(library):
    for name in DIAGNOSES:
        assert mean_of(results(library)[name], "diagnosis_correct") <= 0.02, name


@pytest.mark.parametrize("library", LIBRARIES)
def test_no_gaming_policy_reaches_the_honest_baselines(library):
    played = results(library)
    honest = {"checklist_per_unit": mean_of(played["checklist_per_unit"], "reward")}
    honest[HONEST] = honest_doctor_reward(library)
    for name in [*POLICIES, *DIAGNOSES]:
        gamed = mean_of(played[name], "reward")
        for baseline, reward in honest.items():
            assert gamed < reward, f"{name} earns {gamed:.3f} on {library}, the honest {baseline} {reward:.3f}"


@pytest.mark.parametrize("library", LIBRARIES)
def test_no_turn_credits_more_than_the_limit(library):
    for judgements in results(library).values():
        for judgement in judgements:
            per_turn = Counter(item.turn for item in judgement.items if item.covered)
            assert max(per_turn.values(), default=0) <= LIMIT


def test_the_bags_leave_the_evaluated_scenario_out():
    scenario = load_library("starter")[0]
    own_words = LibraryVocabulary.of_scenario(scenario).diagnosis_words
    left_out = vocabulary().without(scenario).diagnosis_words
    assert all(left_out[word] == vocabulary().diagnosis_words[word] - 1 for word in own_words)


def test_the_env_pays_what_the_judge_scores():
    library = load_library("starter")
    env = gym.make("consultgym/Consultation-v0", scenarios=library)
    for scenario in library[:4]:
        for name, turns in list(gaming_turns(scenario).items())[:: len(POLICIES)]:
            env.reset(seed=0, options={"scenario": scenario.id})
            for turn in turns:
                _, _, terminated, truncated, info = env.step(turn)
                if terminated or truncated:
                    break
            assert info["judgement"]["reward"] == judge(scenario, turns).reward, (scenario.id, name)
    env.close()


# --------------------------------------------------------------------------------------------- any arrangement
@settings(max_examples=200, deadline=None, database=None)
@given(data=st.data())
def test_any_arrangement_credits_at_most_one_item_per_unit(data):
    scenario = data.draw(st.sampled_from(load_library("starter")))
    pieces = [t for item in scenario.must_ask for t in (item.ask, *item.examples, *item.keywords)]
    joiners = st.sampled_from(["\n", " ", ". ", "? ", " and ", ", ", ""])
    turn = st.lists(st.sampled_from(pieces), min_size=1, max_size=12).flatmap(
        lambda parts: joiners.map(lambda joiner: joiner.join(parts))
    )
    turns = data.draw(st.lists(turn, min_size=1, max_size=12))
    judgement = score(scenario, turns, None)
    per_turn = Counter(item.turn for item in judgement.items if item.covered)
    for index, count in per_turn.items():
        assert count <= min(LIMIT, len(turn_units(parse_action(turns[index]))))
