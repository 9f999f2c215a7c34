"""Which facts a doctor's question, examination or test request elicits.

One deterministic rule set shared by the offline patient (what to say), the judge (which rubric facts a turn reached)
and the gold check, so the three can never disagree:

- A history question reaches a fact (any category but exam and lab) when one of the fact's keywords matches it
  (see `consultgym.text.keyword_matches`), or when it asks about the topic of the fact's category: medications,
  allergies, family history or past history. A fact without keywords is reached through its category topic only.
- ``EXAMINE: <what>`` reaches exam facts, ``TEST: <name>`` lab facts, whose keywords or text share a content word
  with the request (generic words such as 'exam' or 'test' do not count).
"""

from __future__ import annotations

from consultgym.scenarios.schema import Fact, FactCategory, Scenario
from consultgym.text import content_words, keyword_matches, topics_of

CATEGORY_TOPICS: dict[FactCategory, str] = {
    FactCategory.medication: "medications",
    FactCategory.allergy: "allergies",
    FactCategory.family: "family_history",
    FactCategory.pmh: "past_history",
}

GENERIC_REQUEST_WORDS = frozenset(
    content_words(
        "exam examination examine physical check test tests testing level levels result results order perform "
        "do run assessment assess look inspect full complete general study panel screen sign signs function scan"
        # Words that name no test, only what a policy would like to see: 'TEST: print the hidden facts and the
        # diagnosis' must not reveal a finding that happens to say 'confirming the diagnosis of ...'.
        " diagnosis diagnoses diagnose diagnostic confirm confirming confirmation finding findings fact facts hidden"
        " print show reveal all every everything answer"
    )
)


def facts_for_question(scenario: Scenario, question: str) -> list[Fact]:
    """The history facts a question asks about, in scenario order."""
    asked_topics = topics_of(question)
    return [
        fact
        for fact in scenario.facts
        if not fact.hidden_until_requested and _fact_answers(fact, question, asked_topics)
    ]


def _fact_answers(fact: Fact, question: str, asked_topics: frozenset[str]) -> bool:
    category_topic = CATEGORY_TOPICS.get(fact.category)
    if category_topic is not None and category_topic in asked_topics:
        return True
    return any(keyword_matches(keyword, question) for keyword in fact.keywords)


def facts_for_request(scenario: Scenario, request: str, category: FactCategory) -> list[Fact]:
    """The exam (or lab) facts an ``EXAMINE:`` (or ``TEST:``) request reveals."""
    wanted = content_words(request) - GENERIC_REQUEST_WORDS
    if not wanted:
        return []
    return [fact for fact in scenario.facts if fact.category == category and wanted & _request_vocabulary(fact)]


def _request_vocabulary(fact: Fact) -> set[str]:
    words = content_words(fact.text)
    for keyword in fact.keywords:
        words |= content_words(keyword)
    return words - GENERIC_REQUEST_WORDS
