"""`topics_of` tries a topic's pattern only on text with a word that starts like one of its alternatives; the
answers must be those of trying every pattern, on every text the libraries hold and on questions built from them."""

from __future__ import annotations

import random

import pytest

from consultgym import text as text_module
from consultgym.scenarios.loader import load_library
from consultgym.text import START_LETTERS, TOPICS, literal_starts, normalize, topics_of


def every_pattern(text: str) -> set[str]:
    """What `topics_of` finds when it searches with every topic's pattern (its rules after the search included)."""
    norm = normalize(text)
    topics = {name for name, pattern in text_module._TOPIC_PATTERNS.items() if pattern.search(norm)}
    if "family_history" in topics and not text_module._EXPLICIT_PAST_HISTORY.search(norm):
        topics.discard("past_history")
    if "course" in topics and not text_module._ASKS_WHAT_CHANGES_IT.search(norm):
        topics -= {"aggravating", "relieving"}
    return topics


def library_texts() -> list[str]:
    texts = []
    for name in ("starter", "generated", "agentclinic"):
        for scenario in load_library(name):
            texts += [fact.text for fact in scenario.facts] + [fact.say for fact in scenario.facts]
            texts += [example for item in scenario.must_ask for example in item.examples]
            texts += [item.ask for item in scenario.must_ask] + [scenario.opening]
    return [t for t in texts if t]


def test_the_prefilter_finds_what_every_pattern_finds():
    texts = library_texts()
    rng = random.Random(0)
    words = " ".join(texts).split()
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(5000)]
    differ = [t for t in texts if topics_of(t) != every_pattern(t)]
    assert len(texts) > 10_000
    assert differ == []


@pytest.mark.parametrize(
    ("alternatives", "starts"),
    [
        (r"when did|start\w*|c[ao]me on", {"when", "star", "c"}),
        (r"(?<!getting )(?<!got )worse|eas(e|es)", {"wors", "eas"}),
        (r"how long|out of (10|ten)", {"how", "out"}),
        (r"colou?r\w*|ears?|x?ray", None),
        (r"(this|like this) before", None),
    ],
)
def test_literal_starts(alternatives, starts):
    assert literal_starts(alternatives) == (frozenset(starts) if starts is not None else None)


def test_every_topic_keeps_its_literal_starts_or_none():
    # A start longer than `START_LETTERS` or with a space would rule out texts the pattern matches.
    for alternatives in TOPICS.values():
        starts = literal_starts(alternatives)
        assert starts is None or all(1 <= len(s) <= START_LETTERS and " " not in s for s in starts)
