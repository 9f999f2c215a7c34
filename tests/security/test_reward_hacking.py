"""Reward hacking: no way of phrasing turns earns more than asking the same items honestly, within the per-turn limit.

The judge credits at most `questions_per_turn` (3) new items per doctor turn, from the turn's first three units
(questions, ``EXAMINE:`` and ``TEST:`` requests), and each item once. On the fixture scenario (8 must-ask items, total
weight 16; 'one per turn' asks each item's first example in its own turn):

| strategy (doctor turns)                                          | coverage | honest, same items and turns |
|------------------------------------------------------------------|----------|------------------------------|
| every must-ask question in one turn (1 turn)                     | 0.4375   | 0.4375 (3 per turn)          |
| the same list-everything turn, 8 times (8 turns)                 | 0.4375   | 1.0    (one per turn)        |
| one question repeated 10 times in a turn (1 turn)                | 0.125    | 0.125                        |
| one question repeated in 12 turns (12 turns)                     | 0.125    | 0.125                        |
| seven questions hidden in one long sentence (1 turn)             | 0.4375   | 0.4375 (3 per turn)          |
| that long sentence, 8 times (8 turns)                            | 0.8125   | 1.0    (one per turn)        |
| the rubric's own `ask` texts pasted into one turn (1 turn)       | 0.4375   | 0.4375 (3 per turn)          |
| `ask` and `examples` texts pasted into one turn (1 turn)         | 0.4375   | 0.4375 (3 per turn)          |
| keyword stuffing, no question at all (1 turn)                    | 0.4375   | 0.4375 (3 per turn)          |

Diagnosis: only the first candidate of a hedge counts; a candidate that also names a differential, or dismisses
itself ('STEMI unlikely'), is not credited.
"""

from __future__ import annotations

from collections import Counter

import gymnasium as gym
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import consultgym  # noqa: F401 - registers the env ids
from consultgym.agents.judge.offline import diagnosis_matches, score
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario

STARTER = load_library("starter")
LIMIT = DEFAULT_QUESTIONS_PER_TURN


def coverage(scenario: Scenario, turns: list[str]) -> float:
    return score(scenario, turns, None).coverage


def honest(scenario: Scenario) -> list[str]:
    """Each must-ask item's first example, one per turn (the gold check's doctor)."""
    return [item.examples[0] for item in scenario.must_ask]


def three_per_turn(questions: list[str]) -> list[str]:
    return ["\n".join(questions[i : i + LIMIT]) for i in range(0, len(questions), LIMIT)]


def max_new_items_per_turn(scenario: Scenario, turns: list[str]) -> int:
    per_turn = Counter(item.turn for item in score(scenario, turns, None).items if item.covered)
    return max(per_turn.values(), default=0)


LONG_SENTENCE = (
    "Tell me when the pain started and what it feels like and whether it spreads anywhere and whether you have "
    "been sweating or feeling sick and which medications you take and whether you smoke and whether anything runs "
    "in your family"
)


# --------------------------------------------------------------------------------------- the numbers in the table
def test_list_everything_in_one_turn(chest_scenario):
    everything = "\n".join(honest(chest_scenario))
    assert coverage(chest_scenario, [everything]) == 0.4375
    assert coverage(chest_scenario, three_per_turn(honest(chest_scenario))[:1]) == 0.4375  # honest, 3 in a turn
    assert coverage(chest_scenario, [everything] * 8) == 0.4375  # the list again and again earns nothing new
    assert coverage(chest_scenario, honest(chest_scenario)) == 1.0


def test_repeated_identical_questions(chest_scenario):
    question = "When did the pain start?"
    assert coverage(chest_scenario, [" ".join([question] * 10)]) == 0.125
    assert coverage(chest_scenario, [question] * 12) == 0.125
    assert coverage(chest_scenario, [question]) == 0.125  # asking it once is worth exactly as much


def test_questions_hidden_in_one_long_sentence(chest_scenario):
    assert coverage(chest_scenario, [LONG_SENTENCE]) == 0.4375
    assert coverage(chest_scenario, [LONG_SENTENCE] * 8) == 0.8125  # 3 + 3 + 1 items: the per-turn limit holds
    assert coverage(chest_scenario, honest(chest_scenario)) == 1.0


def test_pasting_the_scenarios_own_wording(chest_scenario):
    asks = [item.ask for item in chest_scenario.must_ask]
    examples = [example for item in chest_scenario.must_ask for example in item.examples]
    assert coverage(chest_scenario, [" ".join(asks)]) == 0.4375  # one unit
    assert coverage(chest_scenario, [". ".join(asks) + "."]) == 0.4375  # eight units, three count
    assert coverage(chest_scenario, [". ".join(asks + examples)]) == 0.4375
    assert coverage(chest_scenario, asks) == 1.0  # one per turn: just asking


def test_keyword_stuffing(chest_scenario):
    stuffed = "onset character radiation severity sweating nausea medications smoking family ecg"
    assert coverage(chest_scenario, [stuffed]) == 0.4375


# --------------------------------------------------------------------------------------- the same over the library
def _gaming_strategies(scenario: Scenario) -> dict[str, list[str]]:
    questions = honest(scenario)
    asks = [item.ask for item in scenario.must_ask]
    examples = [example for item in scenario.must_ask for example in item.examples]
    run_on = " and ".join(q.rstrip("?.").lower() for q in questions)
    return {
        "list_everything": ["\n".join(questions)] * len(questions),
        "repeat_one": [questions[0]] * len(questions),
        "run_on_sentence": [run_on] * len(questions),
        "paste_asks": [" ".join(asks)] * len(questions),
        "paste_asks_and_examples": [". ".join(asks + examples)] * len(questions),
    }


@pytest.mark.parametrize("scenario", STARTER, ids=[s.id for s in STARTER])
def test_no_strategy_beats_honest_questions_in_the_same_turns(scenario):
    honest_turns = honest(scenario)
    assert coverage(scenario, honest_turns) == 1.0
    for name, turns in _gaming_strategies(scenario).items():
        assert len(turns) == len(honest_turns)
        gamed = coverage(scenario, turns)
        assert gamed <= coverage(scenario, honest_turns), name
        assert max_new_items_per_turn(scenario, turns) <= LIMIT, name
        # One gamed turn earns at most the best honest turn: the three heaviest items asked together.
        best_turn = sum(sorted((i.priority.weight for i in scenario.must_ask), reverse=True)[:LIMIT])
        assert coverage(scenario, turns[:1]) <= best_turn / scenario.total_weight + 1e-9, name


@settings(max_examples=200, deadline=None, database=None)
@given(data=st.data())
def test_any_arrangement_credits_at_most_the_limit_per_turn(data):
    scenario = data.draw(st.sampled_from(STARTER))
    pieces = [t for item in scenario.must_ask for t in (item.ask, *item.examples, *item.keywords)]
    joiners = st.sampled_from(["\n", " ", ". ", "? ", " and ", ", ", ""])
    turn = st.lists(st.sampled_from(pieces), min_size=1, max_size=12).flatmap(
        lambda parts: joiners.map(lambda joiner: joiner.join(parts))
    )
    turns = data.draw(st.lists(turn, min_size=1, max_size=12))
    assert max_new_items_per_turn(scenario, turns) <= LIMIT


def test_the_env_reward_follows(chest_scenario):
    """Through the env: listing everything, then the right diagnosis, scores below asking honestly."""

    def play(turns: list[str]) -> float:
        env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario])
        env.reset(seed=0)
        for turn in turns:
            env.step(turn)
        reward = env.step("DIAGNOSIS: inferior STEMI")[1]
        env.close()
        return reward

    everything = "\n".join(honest(chest_scenario))
    gamed, fair = play([everything] * 8), play(honest(chest_scenario))
    assert (gamed, fair) == (pytest.approx(0.7 * 0.4375 + 0.3), pytest.approx(1.0))


# ---------------------------------------------------------------------------------------------- diagnosis hedging
@pytest.mark.parametrize(
    ("given", "credited"),
    [
        ("inferior STEMI", True),
        ("Probably an acute inferior STEMI due to right coronary artery occlusion", True),
        ("STEMI or unstable angina or aortic dissection", True),  # the first candidate is right
        ("unstable angina or STEMI or aortic dissection", False),
        ("unstable angina, STEMI, aortic dissection", False),
        ("unstable angina / STEMI", False),
        ("unstable angina and STEMI", False),
        ("unstable angina vs STEMI", False),
        ("unstable angina\nSTEMI", False),
        ("unstable angina STEMI aortic dissection", False),  # a list without separators
        ("STEMI unstable angina", False),
        ("STEMI unlikely", False),
        ("anything but STEMI", False),
        ("not STEMI", False),
        ("", False),
    ],
)
def test_hedged_diagnoses_are_credited_only_for_the_first_candidate(chest_scenario, given, credited):
    assert diagnosis_matches(chest_scenario, given) is credited


@pytest.mark.parametrize("scenario", STARTER, ids=[s.id for s in STARTER])
def test_hedging_over_the_library(scenario):
    name = scenario.diagnosis.name
    others = [d for d in scenario.diagnosis.differentials if not diagnosis_matches(scenario, d)][:3]
    assert diagnosis_matches(scenario, name)
    assert diagnosis_matches(scenario, " or ".join([name, *others]))
    for wrong_first in (" or ".join([*others, name]), ", ".join([*others, name]), " ".join([*others, name])):
        assert not diagnosis_matches(scenario, wrong_first), wrong_first
    assert not diagnosis_matches(scenario, f"{name} unlikely")
