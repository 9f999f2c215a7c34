"""Diagnosis matching: one candidate, named, not hedged.

The doctor's answer is correct when, after hedging words at its start are set aside ('probably', 'most likely'):

1. it holds every core word of the expected name or of a synonym (core: without qualifiers such as 'acute'), or it
   is a name exactly (names that hold separators, 'Acute COPD exacerbation / infection', match when given whole);
2. it is not negated or dismissed anywhere ('not STEMI', 'STEMI unlikely', 'anything but STEMI');
3. its content words (qualifiers aside) exceed the longest accepted name's by at most `LENGTH_MARGIN`, so a bag of
   diagnosis words is not an answer;
4. it names no other disease-like term (`consultgym.agents.judge.diseases`: the knowledge base, the library's
   diagnosis vocabulary, a disease lexicon, and words with disease suffixes): 'A or B', 'A, B', 'A/B', 'A B' and
   'A with B' are hedges whether or not the scenario lists B as a differential.

Example:
    >>> from consultgym.scenarios.schema import Diagnosis
    >>> names = Diagnosis(name="Acute appendicitis", synonyms=["appendicitis"])
    >>> is_correct(names, "Probably acute appendicitis"), is_correct(names, "appendicitis or mesenteric adenitis")
    (True, False)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from consultgym.agents.judge.diseases import other_diseases
from consultgym.scenarios.schema import Diagnosis
from consultgym.text import content_words, is_negated, normalize, stems

LENGTH_MARGIN = 3
QUALIFIERS = frozenset(
    content_words(
        "acute chronic severe mild moderate primary secondary uncomplicated simple typical atypical episode likely "
        "probable possible suspected presumed diagnosis"
    )
)
HEDGES = re.compile(
    r"^(most likely|likely|probable|probably|possible|possibly|suspected|suspect|presumed|query|i think( it s)?|"
    r"this is|it is|it s|consistent with|working diagnosis( is)?|the diagnosis is|diagnosis)\s+"
)
# Words that dismiss the candidate they sit next to: 'STEMI unlikely' names STEMI but does not diagnose it.
DISMISSALS = re.compile(
    r"\b(unlikely|improbable|excluded|ruled out|rule out|anything but|other than|except|rather than|instead of)\b"
)


def is_correct(diagnosis: Diagnosis, given: str | None) -> bool:
    """Whether `given` names the expected diagnosis, once, and nothing else (see the module docstring)."""
    if not given or not normalize(given):
        return False
    text = HEDGES.sub("", normalize(given))
    names = diagnosis.names
    if any(text == normalize(name) for name in names):
        return True
    if is_negated(text) or DISMISSALS.search(text):
        return False
    words = content_words(text)
    accepted = _accepted(tuple(names))
    if not any(core and core <= words for core in accepted.cores):
        return False
    if len(words - QUALIFIERS) > accepted.longest + LENGTH_MARGIN:
        return False
    return not other_diseases(text, accepted.stems, [core for core in accepted.cores if core])


class _Accepted(NamedTuple):
    """What an answer is compared with, per accepted name: its core words and its stems."""

    cores: tuple[frozenset[str], ...]
    stems: tuple[frozenset[str], ...]
    longest: int  # the most content words of a name, qualifiers aside


@lru_cache(maxsize=4096)  # every episode's diagnosis is matched against the same few names
def _accepted(names: tuple[str, ...]) -> _Accepted:
    name_words = [content_words(name) for name in names]
    return _Accepted(
        tuple(frozenset(_core(n)) for n in name_words),
        tuple(frozenset(stems(name)) for name in names),
        max(len(n - QUALIFIERS) for n in name_words),
    )


def _core(name_words: set[str]) -> set[str]:
    return name_words - QUALIFIERS or name_words
