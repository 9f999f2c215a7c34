"""A clinician's generic questions reach the fact that answers them, in every shipped library (the oracle that decides
which fact answers which question lives in `consultgym.testing.generic_questions`, independent of `Fact.topics`)."""

from __future__ import annotations

import pytest

from consultgym.scenarios.loader import load_library
from consultgym.scenarios.retrieval import facts_for_question
from consultgym.scenarios.schema import Fact, FactCategory
from consultgym.testing.generic_questions import BAR, LIBRARIES, QUESTIONS, answers, reach, reach_share


@pytest.mark.parametrize("topic", list(QUESTIONS))
@pytest.mark.parametrize("library", LIBRARIES)
def test_generic_question_reaches_the_answer(library, topic):
    share = reach_share(library, topic)
    assert share >= BAR, (
        f"{library}: {QUESTIONS[topic]!r} reaches the answer in {share:.2f}; missed {reach(library, topic)[1]}"
    )


def test_the_oracle_is_not_empty():
    """Every library has cases with answers to most generic questions (AgentClinic records no allergies)."""
    for library in LIBRARIES:
        counted = {topic: reach(library, topic)[0] for topic in QUESTIONS}
        assert sum(count > 0 for count in counted.values()) >= 7, (library, counted)
        assert counted["location"] >= 8 and counted["onset"] >= 12, (library, counted)


def test_the_oracle_judges_words_not_topics():
    site = Fact(id="f", category=FactCategory.hpi, text="Sharp pain in the right lower abdomen.")
    denial = Fact(id="g", category=FactCategory.ros, text="No pain in the chest.", present=False)
    trigger = Fact(id="h", category=FactCategory.hpi, text="The pain is worse when walking.", topics=["location"])
    assert answers("location", site) and not answers("location", denial)
    assert answers("aggravating", trigger) and not answers("location", trigger)


def test_a_question_about_nothing_the_case_says_reaches_nothing():
    """The reverse: topics are not sprinkled on every fact. A case without an allergy fact answers no allergy
    question with another fact."""
    without = [s for s in load_library("agentclinic") if not any(f.category.value == "allergy" for f in s.facts)]
    assert len(without) >= 150  # AgentClinic rarely records allergies
    for scenario in without:
        assert facts_for_question(scenario, QUESTIONS["allergies"]) == [], scenario.id
