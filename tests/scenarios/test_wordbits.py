"""Words as bits: every profile word has its own bit, a question's words keep theirs, and the bit arithmetic of
retrieval gives the words a plain set computation gives, over every scenario of the three libraries."""

from __future__ import annotations

import random

import pytest

from consultgym.agents.judge.items import item_profiles
from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.retrieval import anchored_facts, keyword_phrases, scenario_index
from consultgym.scenarios.units import unit_words
from consultgym.scenarios.wordbits import scenario_mask, unit_bits, vocabulary
from consultgym.text import content_words, stemmed

LIBRARY = load_library("all")


def test_every_profile_word_has_its_own_bit():
    for scenario in LIBRARY:  # building the profiles raises on a word the vocabulary misses
        for profile in scenario_index(scenario).profiles:
            fact = profile.fact
            words = content_words(" ".join([fact.text, fact.say, *keyword_phrases(fact)]))
            assert profile.vocabulary.bit_count() == len(words), (scenario.id, fact.id)
        for item in item_profiles(scenario):
            assert item.wording_bits.bit_count() == len(item.wording), (scenario.id, item.item.id)
            assert item.wording_bits & ~item.vocabulary == 0  # an item's own words are among its words


def test_a_word_outside_the_vocabulary_is_refused_by_name(chest_scenario):
    with pytest.raises(ScenarioError, match="'zzyzx' is missing from its vocabulary"):
        scenario_mask(chest_scenario, ["zzyzx"])


def test_a_question_keeps_a_bit_per_word_and_its_unknown_words_sit_above_the_vocabulary(chest_scenario):
    words = unit_words("When did the zzyzx pain start, 4711 days ago?")
    bits = unit_bits(chest_scenario, words)
    assert bits.words.bit_count() == len(words.words)
    above = bits.words >> len(vocabulary(chest_scenario))
    assert above.bit_count() == len([w for w in words.words if w not in vocabulary(chest_scenario)]) >= 2
    for topic, found in words.topic_words.items():
        assert bits.topic_words[topic].bit_count() == len(found)
        assert bits.topic_words[topic] & ~bits.words == 0


def explained_as_sets(scenario, question, words) -> dict[str, tuple[int, int, int]]:
    """For each anchored fact, worked out with plain sets (the oracle): how many of the question's words it explains,
    how many of those its keyword phrases explain, and its position."""
    index = scenario_index(scenario)
    padded = stemmed(question)
    found: dict[int, set[str]] = {}
    by_phrases: dict[int, set[str]] = {}
    for topic in words.topics:
        for position in index.by_topic.get(topic, ()):
            found.setdefault(position, set()).update(words.topic_words[topic])
    for entries in index.by_first_stem.values():
        for position, phrase, _ in entries:
            if phrase in padded:
                held = set(phrase.split()) & words.words  # the phrase as stored: its stems, space-padded
                found.setdefault(position, set()).update(held)
                by_phrases.setdefault(position, set()).update(held)
    explained = {}
    for position, words_found in found.items():
        fact = index.profiles[position].fact
        vocabulary = content_words(" ".join([fact.text, fact.say, *keyword_phrases(fact)]))
        total = words_found | (words.words & vocabulary)
        if total:
            explained[fact.id] = (len(total), len(by_phrases.get(position, ())), position)
    return explained


def questions_of(scenario, rng) -> list[str]:
    texts = [t for item in scenario.must_ask for t in (item.ask, *item.examples)]
    texts += [f"{fact.text}?" for fact in scenario.facts]
    asked = rng.sample(texts, min(12, len(texts)))
    # One topic and a word of the case beside it: the common question, answered by the one-topic path.
    words = [w for text in texts for w in content_words(text)]
    templates = ["When did this start?", "How severe is it?", "Any medications?", "Does anything run in your family?"]
    return asked + [f"{rng.choice(templates)} {rng.choice(words)}" for _ in range(6)]


def test_the_bits_explain_what_sets_explain():
    rng = random.Random(7)
    checked = 0
    for scenario in rng.sample(LIBRARY, 40):
        for question in questions_of(scenario, rng):
            words = unit_words(question)
            matches = anchored_facts(scenario, question, words, unit_bits(scenario, words))
            found = {fact_id: explained.bit_count() for fact_id, explained, *_ in matches}
            oracle = explained_as_sets(scenario, question, words)
            assert found == {fact_id: count for fact_id, (count, _, _) in oracle.items()}
            checked += len(matches)
    assert checked > 500


def strongest_first(count: int, by_phrases: int, position: int) -> tuple[int, int, int]:
    return -count, -by_phrases, position


def test_anchored_facts_rank_as_a_sort_of_the_sets(merged_cases):
    """Most words explained first, then most explained by keyword phrases, then scenario order: in the libraries and
    in merged cases, where a question's topic reaches several facts of the same kind that tie."""
    rng = random.Random(3)
    ranked = one_topic = 0
    for scenario in [*rng.sample(LIBRARY, 40), *merged_cases]:
        for question in questions_of(scenario, rng):
            words = unit_words(question)
            rows = anchored_facts(scenario, question, words, unit_bits(scenario, words))
            explained = explained_as_sets(scenario, question, words)
            oracle = sorted(explained, key=lambda fact_id: strongest_first(*explained[fact_id]))
            assert [row[0] for row in rows] == oracle, (scenario.id, question)
            ranked += len(rows) >= 2
            one_topic += len(words.topics) == 1 and len(rows) >= 3
    assert ranked > 300 and one_topic > 50
