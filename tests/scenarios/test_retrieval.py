"""The unit rule: what one question, examination or test request reveals (shared by the patient and the judge)."""

from __future__ import annotations

import pytest

from consultgym.actions import parse_action
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.retrieval import (
    MAX_FACTS_PER_QUESTION,
    Focus,
    facts_for_question,
    match_request,
    match_turn,
    match_unit,
    turn_units,
)
from consultgym.scenarios.schema import FactCategory
from consultgym.scenarios.units import MAX_TOPICS, UNIT_WORD_BOUND, unit_words

STARTER = {s.id: s for s in load_library("starter")}


def ids(facts) -> list[str]:
    return [fact.id for fact in facts]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the pain start?", ["onset"]),
        ("Can you describe the pain?", ["character"]),
        ("Does it spread anywhere?", ["radiation"]),
        ("Do you smoke?", ["smoking"]),
        ("Any nausea?", ["nausea"]),
        ("Do you take any medications?", ["meds"]),
    ],
)
def test_a_focused_question_reaches_its_fact(chest_scenario, question, expected):
    match = match_unit(chest_scenario, "ask", question)
    assert match.focus is Focus.focused and ids(match.facts) == expected


def test_a_two_part_question_reaches_both_facts_and_no_more(chest_scenario):
    assert ids(facts_for_question(chest_scenario, "Do you smoke or drink alcohol?")) == ["smoking", "alcohol"]
    other_symptoms = facts_for_question(chest_scenario, "Any other symptoms?")
    assert ids(other_symptoms) == ["sweating", "nausea"] and len(other_symptoms) <= MAX_FACTS_PER_QUESTION


def test_a_question_about_a_dimension_of_the_complaint_gets_that_dimension():
    scenario = STARTER["abdominal-pain-19m"]
    # 'pain' and 'tummy' say what is asked about; the onset fact answers, not every fact about the tummy.
    assert ids(facts_for_question(scenario, "When did the tummy pain start?")) == ["onset"]


def test_keyword_stuffing_in_one_unit_is_a_shotgun(chest_scenario):
    stuffed = "pain fever cough sweating nausea smoking alcohol radiation jaw arm"
    match = match_unit(chest_scenario, "ask", stuffed)
    assert match.focus is Focus.shotgun and match.facts == ()


def test_a_unit_over_the_word_bound_is_a_shotgun(chest_scenario):
    words = " ".join(f"word{i}" for i in range(UNIT_WORD_BOUND)) + " smoking"
    assert unit_words(words).too_long
    assert match_unit(chest_scenario, "ask", words).focus is Focus.shotgun
    assert match_unit(chest_scenario, "ask", "Do you smoke?").focus is Focus.focused


def test_a_checklist_in_one_unit_is_a_shotgun(chest_scenario):
    checklist = "When did it start, where is it, what is it like, how bad is it, and does it spread"
    assert len(unit_words(checklist).topics) > MAX_TOPICS
    assert match_unit(chest_scenario, "ask", checklist).shotgun


def test_more_subjects_than_two_facts_answer_is_a_shotgun(chest_scenario):
    assert match_unit(chest_scenario, "ask", "Any sweating, nausea or fever?").shotgun
    assert not match_unit(chest_scenario, "ask", "Any sweating or nausea?").shotgun


def test_one_shotgun_unit_makes_the_whole_turn_a_shotgun(chest_scenario):
    action = parse_action("Do you smoke?\npain fever cough sweating nausea smoking alcohol radiation jaw")
    matches, shotgun = match_turn(chest_scenario, action, 3)
    assert shotgun and len(matches) == 2


def test_a_question_about_nothing_in_the_case_is_unmatched(chest_scenario):
    match = match_unit(chest_scenario, "ask", "Have you noticed a rash?")
    assert match.focus is Focus.unmatched and match.facts == ()


def test_turn_units_keep_questions_first_then_exams_then_tests():
    action = parse_action("TEST: ECG\nWhen did it start? Any fever?\nEXAMINE: chest")
    assert turn_units(action) == [
        ("ask", "When did it start?"),
        ("ask", "Any fever?"),
        ("examine", "chest"),
        ("test", "ECG"),
    ]


# ------------------------------------------------------------------------------------------- tests and exams by name
@pytest.mark.parametrize("name", ["ECG", "EKG", "electrocardiogram", "12-lead ECG please"])
def test_a_test_is_ordered_by_its_name_or_a_synonym(chest_scenario, name):
    assert ids(match_request(chest_scenario, name, FactCategory.lab).facts) == ["ecg"]


def test_words_of_the_result_reveal_nothing(chest_scenario):
    # The ECG finding says 'ST elevation in II, III and aVF'; the troponin 'raised at 2.3 ng/mL'.
    for request in ("ST elevation", "elevation raised", "consistent suggestive indicative positive evidence"):
        assert match_request(chest_scenario, request, FactCategory.lab).facts == ()


def test_an_exam_is_requested_by_the_system(chest_scenario):
    for system in ("cardiovascular", "heart", "CVS"):
        assert ids(match_request(chest_scenario, system, FactCategory.exam).facts) == ["exam_cvs"]


def test_a_request_naming_many_tests_is_a_shotgun(chest_scenario):
    match = match_request(chest_scenario, "ECG CXR CBC troponin CT MRI", FactCategory.lab)
    assert match.focus is Focus.shotgun and match.facts == ()
    assert match_request(chest_scenario, "ECG and troponin", FactCategory.lab).focus is Focus.focused


def test_an_unlisted_test_is_unmatched(chest_scenario):
    assert match_request(chest_scenario, "chest x-ray", FactCategory.lab).focus is Focus.unmatched


def test_requested_by_names_win_over_keywords(chest_scenario):
    fact = chest_scenario.fact("troponin").model_copy(update={"requested_by": ["cardiac markers"], "keywords": []})
    facts = [fact if f.id == "troponin" else f for f in chest_scenario.facts]
    scenario = chest_scenario.model_copy(update={"facts": facts})
    assert ids(match_request(scenario, "cardiac markers", FactCategory.lab).facts) == ["troponin"]
    assert match_request(scenario, "troponin", FactCategory.lab).facts == ()
