"""How far two judges agree on the same transcripts: per-item agreement, Cohen's kappa and macro F1.

`consultgym agreement RUN.jsonl --judges offline,llm` re-judges every finished episode of a run with both judges and
compares their per-item verdicts (covered or not), as HealthBench compares model graders against physicians. The
first judge is the reference for F1. Items either judge could not score are left out and counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from consultgym.agents.base import JudgeAgent
from consultgym.records import Episode, Judgement
from consultgym.scenarios.schema import Scenario


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """Cohen's kappa of two binary raters; 1.0 when both are constant and equal, 0.0 when chance explains all."""
    n = len(a)
    if n == 0:
        return float("nan")
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def macro_f1(reference: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean of the F1 scores of the 'covered' and 'not covered' classes, `reference` taken as truth."""
    scores = []
    for positive in (True, False):
        tp = sum(r == positive and p == positive for r, p in zip(reference, predicted, strict=True))
        fp = sum(r != positive and p == positive for r, p in zip(reference, predicted, strict=True))
        fn = sum(r == positive and p != positive for r, p in zip(reference, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return sum(scores) / len(scores)


async def rejudge(episodes: Sequence[Episode], scenarios: dict[str, Scenario], judge: JudgeAgent) -> list[Judgement]:
    """Judge each episode's doctor turns again with `judge`."""
    return list(
        await asyncio.gather(
            *(judge.judge(scenarios[e.scenario_id], [t.doctor for t in e.turns], _diagnosis(e)) for e in episodes)
        )
    )


def _diagnosis(episode: Episode) -> str | None:
    return episode.judgement.diagnosis_given if episode.judgement else None


def compare(first: Sequence[Judgement], second: Sequence[Judgement]) -> dict[str, Any]:
    """Agreement statistics between two judges' judgements of the same episodes."""
    a: list[bool] = []
    b: list[bool] = []
    skipped = 0
    for one, two in zip(first, second, strict=True):
        verdicts = {item.id: item for item in two.items}
        for item in one.items:
            other = verdicts.get(item.id)
            if not (one.scored and two.scored and item.scored and other and other.scored):
                skipped += 1
                continue
            a.append(item.covered)
            b.append(other.covered)
    scored_pairs = [(x, y) for x, y in zip(first, second, strict=True) if x.scored and y.scored]
    diagnosis_agree = sum(x.diagnosis_correct == y.diagnosis_correct for x, y in scored_pairs)
    return {
        "episodes": len(first),
        "items": len(a),
        "items_skipped": skipped,
        "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(a), 4) if a else float("nan"),
        "cohen_kappa": round(cohen_kappa(a, b), 4),
        "macro_f1": round(macro_f1(a, b), 4) if a else float("nan"),
        "diagnosis_agreement": round(diagnosis_agree / len(scored_pairs), 4) if scored_pairs else float("nan"),
        "coverage_mean": [
            round(sum(j.coverage for j in js if j.scored) / max(1, sum(j.scored for j in js)), 4)
            for js in (first, second)
        ],
    }
