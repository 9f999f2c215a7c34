"""Rubric arithmetic, the coverage curve, the per-turn question limit and diagnosis matching."""

from __future__ import annotations

import pytest

from consultgym.agents.judge.offline import diagnosis_matches, score

# Fixture weights: onset 2, character 2, radiation 3, associated 2, meds 1, smoking 2, family 1, ecg 3 -> total 16.
TOTAL = 16.0


def test_weighted_coverage_and_curve(chest_scenario):
    turns = ["When did the pain start?", "Hello there.", "Does the pain spread anywhere?", "TEST: ECG"]
    judgement = score(chest_scenario, turns, None)
    covered = {item.id: item.turn for item in judgement.items if item.covered}
    assert covered == {"ask_onset": 0, "ask_radiation": 2, "do_ecg": 3}
    assert judgement.coverage == pytest.approx((2 + 3 + 3) / TOTAL)
    assert judgement.curve == pytest.approx([2 / TOTAL, 2 / TOTAL, 5 / TOTAL, 8 / TOTAL])
    assert judgement.reward == pytest.approx(0.7 * 8 / TOTAL)
    assert not judgement.diagnosis_correct


def test_item_counts_once_at_first_turn(chest_scenario):
    judgement = score(chest_scenario, ["When did it start?", "When did it start?", "When did it start?"], None)
    onset = next(i for i in judgement.items if i.id == "ask_onset")
    assert (onset.covered, onset.turn, onset.evidence) == (True, 0, "When did it start?")
    assert judgement.curve == pytest.approx([2 / TOTAL] * 3)


def test_per_turn_limit_credits_only_the_first_questions(chest_scenario):
    five = "When did it start? Can you describe the pain? Does it spread? Do you smoke? Do you take any medications?"
    judgement = score(chest_scenario, [five], None)
    assert {i.id for i in judgement.items if i.covered} == {"ask_onset", "ask_character", "ask_radiation"}
    one_per_turn = score(chest_scenario, five.split("? "), None)
    assert one_per_turn.coverage > judgement.coverage


def test_one_long_sentence_is_capped(chest_scenario):
    sentence = (
        "Tell me when it started, what it feels like, if it spreads, whether you smoke, your medications, your family"
    )
    judgement = score(chest_scenario, [sentence], None)
    assert sum(i.covered for i in judgement.items) <= 3


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("Inferior ST-elevation myocardial infarction", True),
        ("inferior STEMI", True),
        ("likely acute myocardial infarction", True),
        ("Heart attack", True),
        ("MI", True),
        ("  most likely STEMI.", True),
        ("unstable angina", False),
        ("not a STEMI", False),
        ("aortic dissection or STEMI", False),  # only the first candidate counts
        ("", False),
        (None, False),
    ],
)
def test_diagnosis_matching(chest_scenario, given, correct):
    assert diagnosis_matches(chest_scenario, given) is correct


def test_full_reward_for_gold_transcript(chest_scenario):
    turns = [item.examples[0] for item in chest_scenario.must_ask]
    judgement = score(chest_scenario, turns, "STEMI")
    assert judgement.coverage == 1.0 and judgement.diagnosis_correct
    assert judgement.reward == pytest.approx(1.0)


def test_history_taking_weights(chest_scenario):
    judgement = score(chest_scenario, ["When did it start?"], "STEMI", coverage_weight=1.0, diagnosis_weight=0.0)
    assert judgement.reward == pytest.approx(2 / TOTAL)


def test_judgement_as_json_is_its_json_dump(chest_scenario):
    turns = ["When did the pain start?", "Hello there.", "TEST: ECG"]
    for judgement in (score(chest_scenario, turns, "unstable angina"), score(chest_scenario, [], None)):
        assert judgement.as_json() == judgement.model_dump(mode="json")
        assert list(judgement.as_json()) == list(judgement.model_dump(mode="json"))
        assert [list(item) for item in judgement.as_json()["items"]] == [
            list(item) for item in judgement.model_dump(mode="json")["items"]
        ]
    # Each call hands out its own dicts: changing one must not change the judge's shared item records.
    judgement.as_json()["items"][0]["covered"] = True
    assert judgement.as_json()["items"][0]["covered"] is False
