"""Words as bits: a scenario's words, and a question's, as integers, so that set algebra is one operation.

Retrieval and the judge compare a question's words with the words of every fact and rubric item it reaches, on every
step. Each scenario gets a vocabulary: one bit for each word (stem) of its facts and rubric. A fact's or an item's
words are then one integer, built once; a question's words one integer per question, where a word the scenario never
uses takes a bit above the vocabulary's. An intersection is `&`, its size `int.bit_count()`, and a subset test
`a & ~b == 0`. Which bit a word gets changes nothing but speed: only sizes and subsets of these sets are ever read.

Integers also cost the garbage collector nothing, unlike the frozensets they replace in memoised matches (a large
case's memo held hundreds of thousands of them).

Example:
    >>> from consultgym.scenarios.loader import load_library
    >>> from consultgym.scenarios.units import unit_words
    >>> scenario = load_library("starter")[0]
    >>> question = unit_words("When did the pain start?")
    >>> bits = unit_bits(scenario, question)
    >>> bits.words.bit_count() == len(question.words)
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from consultgym.errors import ScenarioError
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.schema import Scenario
from consultgym.scenarios.units import UnitWords
from consultgym.text import TOPICS, stems

TOPIC_BITS = {name: 1 << index for index, name in enumerate(TOPICS)}


class UnitBits(NamedTuple):
    """A question's words over a scenario's vocabulary: all of them, and those of each topic it asks about."""

    words: int
    topic_words: dict[str, int]


@per_scenario
def vocabulary(scenario: Scenario) -> dict[str, int]:
    """One bit per stem of any text a fact or a rubric item is matched by (text, spoken form, keywords, wording).

    Every word a fact's or an item's profile holds is a stem of one of these texts, so the vocabulary holds it.
    """
    texts: list[str] = []
    for fact in scenario.facts:
        texts += [fact.text, fact.say, *fact.keywords, *fact.requested_by]
    for item in scenario.must_ask:
        texts += [item.ask, *item.examples, *item.keywords]
    words = sorted({word for text in texts for word in stems(text)})
    return {word: 1 << index for index, word in enumerate(words)}


def scenario_mask(scenario: Scenario, words: Iterable[str]) -> int:
    """The bits of words from the scenario's own texts (a fact's or an item's words)."""
    bits = vocabulary(scenario)
    mask = 0
    for word in words:
        bit = bits.get(word)
        if bit is None:  # a profile word no text of the scenario holds: a bug in how profiles are built
            raise ScenarioError(f"scenario {scenario.id!r}: the word {word!r} is missing from its vocabulary")
        mask |= bit
    return mask


def unit_bits(scenario: Scenario, words: UnitWords) -> UnitBits:
    """A question's words as bits; a word the scenario never uses gets a bit of its own above the vocabulary's."""
    bits = vocabulary(scenario)
    unknown = 1 << len(bits)
    own: dict[str, int] = {}
    for word in sorted(words.words):
        bit = bits.get(word)
        if bit is None:
            bit, unknown = unknown, unknown << 1
        own[word] = bit
    topic_words = {topic: _union(own[word] for word in found) for topic, found in words.topic_words.items()}
    return UnitBits(_union(own.values()), topic_words)


def topic_mask(topics: Iterable[str]) -> int:
    """The bits of history-taking topics (`consultgym.text.TOPICS`)."""
    return _union(TOPIC_BITS[topic] for topic in topics)


def _union(bits: Iterable[int]) -> int:
    mask = 0
    for bit in bits:
        mask |= bit
    return mask
