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

from collections.abc import Iterable, Iterator
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
    topic_words = {topic: union(own[word] for word in found) for topic, found in words.topic_words.items()}
    return UnitBits(union(own.values()), topic_words)


def topic_mask(topics: Iterable[str]) -> int:
    """The bits of history-taking topics (`consultgym.text.TOPICS`)."""
    return union(TOPIC_BITS[topic] for topic in topics)


def union(bits: Iterable[int]) -> int:
    """The union of sets given as bits."""
    mask = 0
    for bit in bits:
        mask |= bit
    return mask


def positions(bits: int) -> Iterator[int]:
    """The positions of the set bits, lowest first."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


class Tally:
    """A count for each of many members (the rubric items of a case, as bits of their positions), kept as bit planes
    so that adding one to every member of a set is a few integer operations, however many members the set holds.

    Plane ``j`` holds bit ``j`` of every member's count: a member's count is read down one bit position of the planes,
    and the members at or above a count are one integer (`at_least`). This is a bit-sliced adder: what lets a
    question's words, one at a time, score every item they reach without a loop over those items.

    Example:
        >>> tally = Tally()
        >>> for members in (0b0111, 0b0110, 0b0100):
        ...     tally.add(members)
        >>> bin(tally.at_least(1)), bin(tally.at_least(2)), bin(tally.at_least(3)), tally.at_least(4)
        ('0b111', '0b110', '0b100', 0)
        >>> tally.most(0b1011)
        (2, 2)
    """

    def __init__(self) -> None:
        self.planes: list[int] = []

    def add(self, members: int) -> None:
        """Add one to the count of every member in `members`."""
        carry, planes = members, self.planes
        for j, plane in enumerate(planes):
            if not carry:
                return
            planes[j], carry = plane ^ carry, plane & carry
        if carry:
            planes.append(carry)

    def at_least(self, count: int) -> int:
        """The members whose count is at least `count` (a positive number), compared from the top plane down."""
        if count >> len(self.planes):
            return 0
        above, level = 0, -1  # members already above `count`, members equal to it so far
        for j in range(len(self.planes) - 1, -1, -1):
            if count >> j & 1:
                level &= self.planes[j]
            else:
                above |= level & self.planes[j]
                level &= ~self.planes[j]
        return above | level

    def most(self, among: int) -> tuple[int, int]:
        """The highest count of any member of `among`, and the members of `among` that hold it (read from the top
        plane down: keep the members with the bit set whenever any has it)."""
        count = 0
        for j in range(len(self.planes) - 1, -1, -1):
            if higher := among & self.planes[j]:
                among, count = higher, count | 1 << j
        return count, among
