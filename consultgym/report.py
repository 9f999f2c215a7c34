"""Summary statistics of a run file: what `consultgym report` prints.

Coverage is the mean weighted coverage of scored episodes with a 95% percentile-bootstrap interval (seeded, so the
same file always gives the same interval). Errored episodes and unscored judgements are counted, never averaged in:
a run with no scored episode has no coverage and no diagnosis accuracy (null, printed "n/a"), never 0.

What went wrong with the LLMs is shown, not averaged away: per role the calls, the failed attempts and their kinds
(timeout, reply cut at max_tokens, invalid structured reply, ...), and the guardian's fallback rate: the share of the
verdicts its model was asked for that fell back to the offline check because the call failed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from consultgym.config import DEFAULT_BOOTSTRAP_SAMPLES
from consultgym.records import Episode, Turn, Usage


def bootstrap_ci(
    values: Sequence[float], samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean; (x, x) for a single value, (nan, nan) for none."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(samples, data.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (round(float(low), 4), round(float(high), 4))


def _rate(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def _usage_by_role(episodes: Sequence[Episode]) -> dict[str, dict[str, Any]]:
    totals: dict[str, Usage] = {}
    for episode in episodes:
        for role, usage in episode.usage.items():
            totals[role] = totals.get(role, Usage()).add(usage)
    return {
        role: {
            "calls": usage.calls,
            "tokens": usage.prompt_tokens + usage.completion_tokens,
            "errors": usage.errors,
            "failures": usage.failures,
        }
        for role, usage in sorted(totals.items())
    }


def _guardian_fallbacks(turns: Sequence[Turn]) -> tuple[int, int]:
    """(verdicts whose guardian model call failed, verdicts a guardian model was asked for)."""
    asked = [v for t in turns for v in t.verdicts if "llm" in v.source]
    return sum("llm-failed" in v.source for v in asked), len(asked)


def summarize(episodes: Sequence[Episode]) -> dict[str, Any]:
    """The report as one JSON-ready dict (keys documented in README.md)."""
    finished = [e for e in episodes if e.ok]
    scored = [e for e in finished if e.judgement is not None and e.judgement.scored]
    coverages = [e.judgement.coverage for e in scored if e.judgement]
    patient_turns = [t for e in finished for t in e.turns if t.verdicts]
    usage = _usage_by_role(episodes)  # errored episodes too: their failures are what went wrong
    turns_total = sum(len(e.turns) for e in finished)
    fallbacks, asked = _guardian_fallbacks([t for e in episodes for t in e.turns])
    correct = sum(e.judgement.diagnosis_correct for e in scored if e.judgement)
    return {
        "episodes": len(episodes),
        "errors": len(episodes) - len(finished),
        "unscored": len(finished) - len(scored),
        "coverage_mean": round(float(np.mean(coverages)), 4) if coverages else float("nan"),
        "coverage_ci95": list(bootstrap_ci(coverages)),
        "diagnosis_accuracy": _rate(correct, len(scored)) if scored else None,
        "turns_mean": round(turns_total / len(finished), 4) if finished else 0.0,
        "guardian_flag_rate": _rate(sum(t.flagged for t in patient_turns), len(patient_turns)),
        "draft_flag_rate": _rate(sum(t.flagged for t in patient_turns), len(patient_turns)),
        "emitted_flag_rate": _rate(sum(t.emitted_with_issues for t in patient_turns), len(patient_turns)),
        "fallback_rate": _rate(sum(t.fallback for t in patient_turns), len(patient_turns)),
        "llm_calls_per_turn": {role: _rate(u["calls"], turns_total) for role, u in usage.items() if role != "judge"},
        "judge_calls_per_episode": _rate(usage.get("judge", {}).get("calls", 0), len(finished)),
        "tokens_per_episode": _rate(sum(u["tokens"] for u in usage.values()), len(finished)),
        "guardian_llm_verdicts": asked,
        "guardian_fallbacks": fallbacks,
        "guardian_fallback_rate": _rate(fallbacks, asked) if asked else None,
        "llm_by_role": usage,
        "episode_errors": _error_counts(e.error for e in episodes if e.error),
        "unscored_reasons": _error_counts(
            e.judgement.error for e in finished if e.judgement and not e.judgement.scored
        ),
    }


def _error_counts(errors: Iterable[str]) -> dict[str, int]:
    """How often each error occurred, by its first words (the role and the kind of failure), most frequent first."""
    counts = Counter(_error_class(error) for error in errors)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _error_class(error: str) -> str:
    # 'judge LLM backend (model 'm' at http://...): failed after 2 attempts: timed out after 60 s; ...' -> the role
    # and the failure, without the model, the URL and the numbers that differ from one error to the next.
    text = _BACKEND.sub(r"\1: ", error)
    text = re.sub(r"\d+(?:\.\d+)?", "N", text)
    return text.split(";")[0][:120].strip()


_BACKEND = re.compile(r"^(\w+) LLM backend \(model .*? at \S+\): ")


def format_report(summary: dict[str, Any], title: str = "") -> str:
    """The report as aligned text lines."""
    low, high = summary["coverage_ci95"]
    accuracy = summary["diagnosis_accuracy"]
    lines = [title] if title else []
    lines += [
        f"episodes            {summary['episodes']}  (errors {summary['errors']}, unscored {summary['unscored']})",
        f"coverage            {summary['coverage_mean']:.3f}  95% CI [{low:.3f}, {high:.3f}]"
        if summary["coverage_mean"] == summary["coverage_mean"]  # not nan
        else "coverage            n/a (no scored episode)",
        f"diagnosis accuracy  {accuracy:.3f}"
        if accuracy is not None
        else "diagnosis accuracy  n/a (no scored episode)",
        f"turns (mean)        {summary['turns_mean']:.2f}",
        f"guardian flag rate  {summary['guardian_flag_rate']:.3f}"
        f"  (emitted with issues {summary['emitted_flag_rate']:.3f}, fact-only replies {summary['fallback_rate']:.3f})",
    ]
    if summary.get("guardian_llm_verdicts"):
        lines.append(
            f"guardian fallbacks  {summary['guardian_fallback_rate']:.3f}  ({summary['guardian_fallbacks']} of "
            f"{summary['guardian_llm_verdicts']} model verdicts failed; the offline check decided)"
        )
    if summary["llm_calls_per_turn"] or summary["judge_calls_per_episode"]:
        calls = ", ".join(f"{role} {rate:.2f}" for role, rate in summary["llm_calls_per_turn"].items())
        lines.append(
            f"LLM calls per turn  {calls or '-'}; judge calls per episode {summary['judge_calls_per_episode']:.2f}"
        )
        lines.append(f"tokens per episode  {summary['tokens_per_episode']:.0f}")
    lines += _failure_lines(summary)
    return "\n".join(lines)


def _failure_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    for role, usage in summary.get("llm_by_role", {}).items():
        if usage["errors"]:
            kinds = ", ".join(f"{kind} {count}" for kind, count in usage["failures"].items()) or "unclassified"
            lines.append(f"LLM errors          {role}: {usage['errors']} of {usage['calls']} calls failed ({kinds})")
    for label, key in (("episode errors", "episode_errors"), ("unscored because", "unscored_reasons")):
        for error, count in summary.get(key, {}).items():
            lines.append(f"{label:<20}{count} x {error}")
    return lines
