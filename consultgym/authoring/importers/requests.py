"""The names that request an imported examination or test finding (`Fact.requested_by`).

AgentClinic files findings under section keys ('Neurological_Examination' > 'Cranial_Nerves', 'Imaging' >
'Chest_CT' > 'Findings'). A finding is requested by the names of its sections, without generic words ('findings',
'results') and examination techniques ('palpation'), plus the words doctors use for the top section ('neuro',
'nerves' for a neurological examination; 'cbc', 'fbc' for a complete blood count). Never by words of the result.

Example:
    >>> request_names(["neurological examination", "cranial nerves"], EXAM_WORDS)
    ['neurological examination', 'neurological', 'neuro', 'nerves', 'reflexes', 'cranial nerves']
    >>> request_names(["imaging", "chest ct", "findings"], TEST_WORDS)
    ['imaging', 'scan', 'chest ct']
"""

from __future__ import annotations

import re

from consultgym.authoring.importers.agentclinic_tables import EXAM_WORDS, TEST_WORDS

__all__ = ["EXAM_WORDS", "TEST_WORDS", "request_names", "section_words"]

Vocabulary = tuple[tuple[str, tuple[str, ...]], ...]
GENERIC = frozenset({"findings", "finding", "results", "result", "other", "notes", "details", "general findings"})
TECHNIQUES = frozenset({"inspection", "palpation", "auscultation", "percussion", "observation"})
_GENERIC_WORDS = re.compile(r"\b(examination|exam|findings|results?|tests?)\b")


def request_names(names: list[str], vocabulary: Vocabulary) -> list[str]:
    """The names that request a finding filed under the section path `names` (humanised, top section first)."""
    wanted: list[str] = []
    for depth, name in enumerate(names):
        if name in GENERIC or (name in TECHNIQUES and depth > 0):
            continue
        wanted.append(name)
        bare = _GENERIC_WORDS.sub("", name).strip()
        if bare and bare != name:
            wanted.append(bare)
        if depth == 0:
            wanted += _synonyms(name, vocabulary)
    return [w for w in dict.fromkeys(" ".join(w.split()) for w in wanted) if w]


def section_words(names: list[str], vocabulary: Vocabulary) -> list[str]:
    """Keywords of a finding: every section name without generic words, and the doctors' words for each."""
    words: list[str] = []
    for name in names:
        words.append(_GENERIC_WORDS.sub("", name).strip())
        words += _synonyms(name, vocabulary)
    return [w for w in dict.fromkeys(words) if w]


def _synonyms(name: str, vocabulary: Vocabulary) -> list[str]:
    return [
        synonym
        for needle, synonyms in vocabulary
        if needle in name.split() or (len(needle) > 3 and needle in name)
        for synonym in synonyms
    ]
