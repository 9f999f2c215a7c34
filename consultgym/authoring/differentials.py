"""Differentials for cases whose source gives none: the diagnoses of the most similar cases of the same library.

A generated case takes its differentials from the knowledge graph, and an imported case whose diagnosis is a DDXPlus
condition does too. AgentClinic-MedQA cases carry no answer options, so the others take the diagnoses of their
library neighbours: the cases whose facts (history, examination and tests) share the most distinctive words with
theirs, by TF-IDF cosine similarity, lowered when the patients' sexes differ. A neighbour's diagnosis is skipped when
it is the case's own diagnosis under another name (one contains the other, or the judge would accept it), so a
differential is never an accepted answer.

Deterministic: ties break on scenario id, and nothing depends on set or dict iteration order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from consultgym.agents.judge.diagnosis import is_correct
from consultgym.scenarios.schema import Diagnosis, Scenario
from consultgym.text import contains_phrase, content_words

DIFFERENTIALS = 5
SEX_MISMATCH = 0.7  # similarity kept for a neighbour whose patient is of the other sex


def with_library_differentials(scenarios: Sequence[Scenario], count: int = DIFFERENTIALS) -> list[Scenario]:
    """The scenarios, each one without differentials given the diagnoses of its `count` nearest neighbours."""
    vectors = _tfidf([_words(s) for s in scenarios])
    result = []
    for index, scenario in enumerate(scenarios):
        if scenario.diagnosis.differentials:
            result.append(scenario)
            continue
        ranked = sorted(
            (i for i in range(len(scenarios)) if i != index),
            key=lambda i: (-_similarity(scenarios, vectors, index, i), scenarios[i].id),
        )
        names = _distinct_names(scenario.diagnosis, [scenarios[i].diagnosis.name for i in ranked], count)
        diagnosis = {**scenario.diagnosis.model_dump(), "differentials": names}
        result.append(Scenario.model_validate({**scenario.model_dump(), "diagnosis": diagnosis}))
    return result


def _similarity(scenarios: Sequence[Scenario], vectors: list[dict[str, float]], one: int, other: int) -> float:
    """Cosine similarity of two cases' facts, lowered for a patient of the other sex (testicular torsion is not an
    alternative to an ovarian cyst)."""
    same_sex = scenarios[one].patient.sex == scenarios[other].patient.sex
    return _cosine(vectors[one], vectors[other]) * (1.0 if same_sex else SEX_MISMATCH)


def _distinct_names(own: Diagnosis, candidates: list[str], count: int) -> list[str]:
    chosen: list[str] = []
    for name in candidates:
        if len(chosen) == count:
            break
        if _same(name, own.names) or _same(name, chosen) or is_correct(own, name):
            continue
        chosen.append(name)
    return chosen


def _same(name: str, names: Sequence[str]) -> bool:
    plain = _plain(name)
    return any(contains_phrase(plain, _plain(other)) or contains_phrase(_plain(other), plain) for other in names)


def _plain(name: str) -> str:
    """'Hirschsprung’s disease' and 'Hirschsprung disease' are one name."""
    return re.sub(r"['’]s\b", "", name)


def _words(scenario: Scenario) -> list[str]:
    """The words that tell a case apart: its complaint and what was found, not vital signs or denials."""
    facts = [f.text for f in scenario.facts if f.present and not f.text.lower().startswith("vital signs")]
    return sorted(content_words(" ".join([scenario.title, scenario.opening, *facts])))


def _tfidf(documents: list[list[str]]) -> list[dict[str, float]]:
    frequency = Counter(word for words in documents for word in set(words))
    total = len(documents)
    vectors = []
    for words in documents:
        weights = {w: math.log(total / frequency[w]) for w in words if frequency[w] < total}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        vectors.append({w: v / norm for w, v in weights.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(value * large.get(word, 0.0) for word, value in small.items())
