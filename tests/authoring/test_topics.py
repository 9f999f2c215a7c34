"""Topics on facts: what a statement answers, decided at authoring time; and the shipped libraries carry them."""

from __future__ import annotations

import pytest

from consultgym.authoring.topics import assign_topics, fact_topics
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Fact, FactCategory
from consultgym.text import TOPICS

ALL = load_library("all")


@pytest.mark.parametrize(
    ("category", "text", "expected", "absent"),
    [
        ("hpi", "Sharp pain in the right lower abdomen that began 2 days ago.", {"location", "onset"}, set()),
        ("symptom", "Erythematous scaly plaques on both elbows.", {"appearance", "location", "skin"}, set()),
        ("hpi", "The pain worsens when climbing stairs and eases with rest.", {"aggravating", "relieving"}, set()),
        ("hpi", "The cough has been gradually getting worse.", {"course", "cough"}, {"aggravating"}),
        ("hpi", "Pain in the left cheek when eating.", {"aggravating", "location"}, set()),
        ("symptom", "Severe abdominal pain.", {"location", "severity", "gastrointestinal"}, set()),
        ("hpi", "He has smoked one pack a day for 17 years.", {"smoking"}, {"onset", "duration"}),
        ("social", "Works as a graphic designer and drinks wine occasionally.", {"occupation", "alcohol"}, {"onset"}),
        ("pmh", "Appendicectomy at age 12.", {"past_history", "surgery"}, set()),
        ("family", "Her mother had breast cancer.", {"family_history"}, {"past_history"}),
        ("exam", "Tenderness in the right iliac fossa.", set(), {"location"}),
    ],
)
def test_a_statement_answers_what_its_words_say(category, text, expected, absent):
    topics = set(fact_topics(category, text))
    assert expected <= topics and not absent & topics, topics


def test_a_denial_answers_its_system_not_where_or_what():
    topics = fact_topics("ros", "Denies swelling of the left knee.", present=False)
    assert "location" not in topics and "appearance" not in topics and "musculoskeletal" in topics


def test_topics_come_in_topic_order_and_are_known():
    topics = fact_topics("hpi", "Throbbing headache behind the left eye since yesterday, worse with light.")
    assert topics == [name for name in TOPICS if name in topics]


def test_assign_topics_gives_category_topics_to_their_own_facts_and_keeps_keywords_plain():
    facts = [
        Fact(id="story", category=FactCategory.hpi, text="She took paracetamol, which helped.", keywords=["relieving"]),
        Fact(id="pill", category=FactCategory.medication, text="Takes the combined pill."),
        Fact(id="cough", category=FactCategory.symptom, text="Reports a dry cough.", keywords=["cough", "dry"]),
        Fact(id="rash", category=FactCategory.symptom, text="Itchy rash on the arms.", keywords=["rash"]),
    ]
    story, pill, cough, rash = assign_topics(facts, "I've had a cough for a week.")
    assert "medications" in pill.topics and "medications" not in story.topics and "relieving" in story.topics
    assert story.keywords == [] and cough.keywords == ["dry"]  # topic names become topics, not keywords
    assert "associated" in rash.topics and "associated" not in cough.topics  # the opening already says the cough


def test_every_shipped_history_fact_has_known_topics_and_exam_facts_have_none():
    for scenario in ALL:
        for fact in scenario.facts:
            assert set(fact.topics) <= TOPICS.keys(), (scenario.id, fact.id)
            if fact.hidden_until_requested:
                assert not fact.topics, (scenario.id, fact.id)
            else:
                assert not set(fact.keywords) & TOPICS.keys(), (scenario.id, fact.id, fact.keywords)


def test_most_history_facts_answer_some_topic():
    """A specific symptom ('Denies loss of the sense of smell') may answer no generic question; most facts do."""
    for library in ("starter", "generated", "agentclinic"):
        shares = []
        for scenario in load_library(library):
            spoken = [f for f in scenario.facts if not f.hidden_until_requested]
            shares.append(sum(bool(f.topics) for f in spoken) / len(spoken))
            assert shares[-1] >= 0.5, scenario.id
        assert sum(shares) / len(shares) >= 0.8, library


def test_every_exam_and_lab_fact_names_what_requests_it():
    for scenario in ALL:
        for fact in scenario.facts:
            if fact.hidden_until_requested:
                assert fact.requested_by, (scenario.id, fact.id)
            else:
                assert not fact.requested_by, (scenario.id, fact.id)


def test_default_finding_per_library():
    assert {s.default_finding for s in load_library("starter")} == {"normal"}
    assert {s.default_finding for s in load_library("generated")} == {"not_available"}
    assert {s.default_finding for s in load_library("agentclinic")} == {"not_available"}
