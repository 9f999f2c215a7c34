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
    name_words = [content_words(name) for name in names]
    if not any(_core(n) and _core(n) <= words for n in name_words):
        return False
    if len(words - QUALIFIERS) > max(len(n - QUALIFIERS) for n in name_words) + LENGTH_MARGIN:
        return False
    name_stems = [frozenset(stems(name)) for name in names]
    cores = [frozenset(_core(n)) for n in name_words if _core(n)]
    return not other_diseases(text, name_stems, cores)


def _core(name_words: set[str]) -> set[str]:
    return name_words - QUALIFIERS or name_words
