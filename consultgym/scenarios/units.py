"""Question units: what one unit of a doctor's turn is about, before any scenario is consulted.

A doctor turn is cut into units: its questions and sentences (`consultgym.text.split_questions`), then its
``EXAMINE:`` and ``TEST:`` requests. This module describes one question unit by its *words*: the content words that
carry meaning (stems, without stopwords and conversational fillers such as 'noticed' or 'recently') together with the
words of every history-taking topic it asks about ('when did', 'start', 'worse'). Whether the unit is focused enough
to be answered and credited is then decided against a scenario (`consultgym.scenarios.retrieval`), with the bounds
defined here:

- `UNIT_WORD_BOUND`: a unit with more content words than this is a list, not a question (normal clinical questions
  have 1 to 10; the longest must-ask example in the shipped library has 22).
- `MAX_TOPICS`: a unit that asks about more history topics than this ('onset, duration, location and character') is
  a checklist. (Topic patterns are broad: 'a known severe food allergy' touches allergies, diet and severity.)
- `PRECISION`: a unit is about a rubric item only when at least this share of its words belong to the item.

Example:
    >>> words = unit_words("When did the pain start?")
    >>> sorted(words.words), sorted(words.topics)
    (['did', 'pain', 'start', 'when'], ['onset'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from consultgym.text import TOPICS, content_words, normalize, stem, topics_of

UNIT_WORD_BOUND = 24
MAX_TOPICS = 3
PRECISION = 0.5

# Words that make a question polite or conversational but say nothing about what is asked: they neither help nor
# hurt a unit's precision. (Topic words are kept even when listed here: 'feel like' asks about character.)
FILLERS = frozenset(
    stem(word)
    for word in (
        "noticed notice noticing feel feeling felt get getting got gotten make makes made making like more much many "
        "lot lots bit little recently lately currently today now still also yet really quite very okay ok right well "
        "sorry understand thank thanks doctor want need mind question questions ask asking check regarding something "
        "someone anyone everything else experienced experiencing experience having say said tell telling describe "
        "ones one usual usually kind sort type go going come coming happen happened happening okay"
    ).split()
)


@dataclass(frozen=True)
class UnitWords:
    """The words of one question unit.

    Attributes:
        content: content-word stems, fillers removed (what the length bound counts).
        topics: the history topics the unit asks about (`consultgym.text.topics_of`).
        topic_words: for each of those topics, the stems of the words that asked it ('when did' -> when, did).
        words: everything precision is measured over: `content` and every topic word.
    """

    content: frozenset[str]
    topics: frozenset[str]
    topic_words: dict[str, frozenset[str]]
    words: frozenset[str]

    @property
    def too_long(self) -> bool:
        return len(self.content) > UNIT_WORD_BOUND

    @property
    def too_many_topics(self) -> bool:
        return len(self.topics) > MAX_TOPICS


@lru_cache(maxsize=4096)
def unit_words(text: str) -> UnitWords:
    """Describe a question unit by its words (cached: patient, judge and session all ask about the same units)."""
    topics = topics_of(text)
    norm = normalize(text) if topics else ""
    topic_words = {topic: _matched_stems(topic, norm) for topic in sorted(topics)}
    content = frozenset(content_words(text) - FILLERS)
    words = content.union(*topic_words.values()) if topic_words else content
    return UnitWords(content, topics, topic_words, words)


def _matched_stems(topic: str, norm: str) -> frozenset[str]:
    return frozenset(stem(word) for match in _pattern(topic).finditer(norm) for word in match.group(0).split())


@lru_cache(maxsize=256)
def _pattern(topic: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + TOPICS[topic] + r")\b")


def precision(explained: frozenset[str] | set[str], words: frozenset[str]) -> float:
    """The share of a unit's words that something explains (0 for a unit without words)."""
    return len(explained & words) / len(words) if words else 0.0


def is_precise(explained: frozenset[str] | set[str], words: frozenset[str]) -> bool:
    """At least `PRECISION` of the unit's words are explained."""
    return precision(explained, words) >= PRECISION
