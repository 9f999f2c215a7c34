"""Summary statistics of a run file: what `consultgym report` prints.

Coverage is the mean weighted coverage of scored episodes with a 95% percentile-bootstrap interval (seeded, so the
same file always gives the same interval). Errored episodes and unscored judgements are counted, never averaged in.
Every emitted patient reply counts in the emitted-issue rate, fact-only fallbacks included; a fallback that failed its
own check (so the neutral line was said instead) is counted and listed; with no scored episode, coverage and diagnosis
accuracy are null ("n/a"), never a misleading 0, and the most common errors are listed.

What went wrong with the LLMs is shown, not averaged away: per role the calls, the failed attempts and their kinds
(timeout, reply cut at max_tokens, invalid structured reply, ...), the guardian's fallback rate (the share of the
verdicts its model was asked for that fell back to the offline check because the call failed), and why episodes are
unscored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from consultgym.config import DEFAULT_BOOTSTRAP_SAMPLES
from consultgym.records import Episode, Turn, Usage
from consultgym.scenarios.loader import shipped_library_of


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


MAX_LISTED = 10


def fallback_issues(episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    """The turns whose fact-only fallback failed the guardian's check: where, what the fallback would have said, why."""
    listed = []
    for episode in episodes:
        for turn in episode.turns:
            if turn.fallback_issue:
                verdict = turn.verdicts[-1] if turn.verdicts else None
                issue = verdict.issues[0] if verdict and verdict.issues else None
                listed.append(
                    {
                        "scenario": episode.scenario_id,
                        "turn": turn.index,
                        "fallback": turn.drafts[-1] if turn.drafts else "",
                        "issue": f"{issue.kind.value}: {issue.detail}" if issue else "",
                    }
                )
    return listed


def summarize(episodes: Sequence[Episode]) -> dict[str, Any]:
    """The report as one JSON-ready dict (keys documented in README.md)."""
    finished = [e for e in episodes if e.ok]
    scored = [e for e in finished if e.judgement is not None and e.judgement.scored]
    coverages = [e.judgement.coverage for e in scored if e.judgement]
    patient_turns = [t for e in finished for t in e.turns if t.verdicts]
    usage = _usage_by_role(finished)
    failed = _usage_by_role(episodes)  # errored episodes too: their failures are what went wrong
    turns_total = sum(len(e.turns) for e in finished)
    fallbacks, asked = _guardian_fallbacks([t for e in episodes for t in e.turns])
    return {
        "doctor": _doctors(episodes),
        "episodes": len(episodes),
        "errors": len(episodes) - len(finished),
        "unscored": len(finished) - len(scored),
        "coverage_mean": round(float(np.mean(coverages)), 4) if coverages else None,
        "coverage_ci95": list(bootstrap_ci(coverages)) if coverages else [None, None],
        "diagnosis_accuracy": (
            _rate(sum(e.judgement.diagnosis_correct for e in scored if e.judgement), len(scored)) if scored else None
        ),
        "turns_mean": round(turns_total / len(finished), 4) if finished else 0.0,
        "guardian_flag_rate": _rate(sum(t.flagged for t in patient_turns), len(patient_turns)),
        "draft_flag_rate": _rate(sum(t.flagged for t in patient_turns), len(patient_turns)),
        "emitted_flag_rate": _rate(sum(t.emitted_with_issues for t in patient_turns), len(patient_turns)),
        "fallback_rate": _rate(sum(t.fallback for t in patient_turns), len(patient_turns)),
        "fallback_issue_count": sum(t.fallback_issue for t in patient_turns),
        "fallback_issues": fallback_issues(finished)[:MAX_LISTED],
        "llm_calls_per_turn": {role: _rate(u["calls"], turns_total) for role, u in usage.items() if role != "judge"},
        "judge_calls_per_episode": _rate(usage.get("judge", {}).get("calls", 0), len(finished)),
        "tokens_per_episode": _rate(sum(u["tokens"] for u in usage.values()), len(finished)),
        "by_library": by_library(scored),
        "common_errors": common_errors(episodes),
        "guardian_llm_verdicts": asked,
        "guardian_fallbacks": fallbacks,
        "guardian_fallback_rate": _rate(fallbacks, asked) if asked else None,
        "llm_by_role": failed,
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


BASELINES = {
    "systematic": "the baseline: a generic history, no knowledge of any case",
    "knowledge": "reads the DDXPlus knowledge base the generated library is built from: compare on other libraries",
}


def _doctors(episodes: Sequence[Episode]) -> str:
    """The doctor kind(s) that produced the run ('systematic', 'knowledge', 'llm'), comma-separated."""
    return ", ".join(sorted({str(e.config.get("doctor", "")) for e in episodes if e.config.get("doctor")}))


def by_library(scored: Sequence[Episode]) -> dict[str, dict[str, float]]:
    """Coverage and diagnosis accuracy per shipped library ('other' for scenarios from elsewhere)."""
    groups: dict[str, list[Episode]] = {}
    for episode in scored:
        groups.setdefault(shipped_library_of(episode.scenario_id) or "other", []).append(episode)
    return {
        name: {
            "episodes": len(group),
            "coverage_mean": round(float(np.mean([e.judgement.coverage for e in group if e.judgement])), 4),
            "diagnosis_accuracy": _rate(sum(e.judgement.diagnosis_correct for e in group if e.judgement), len(group)),
        }
        for name, group in sorted(groups.items())
    }


def _library_lines(rows: dict[str, dict[str, float]]) -> list[str]:
    if len(rows) < 2:
        return []
    return [
        f"  {name:17s} {row['episodes']:4d} episodes, coverage {row['coverage_mean']:.3f}, "
        f"diagnosis accuracy {row['diagnosis_accuracy']:.3f}"
        for name, row in rows.items()
    ]


def common_errors(episodes: Sequence[Episode], limit: int = 3) -> list[list[Any]]:
    """The most common error messages of errored episodes, with their counts: [[message, count], ...]."""
    counts = Counter(e.error or "no judgement" for e in episodes if not e.ok)
    return [[message, count] for message, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:limit]]


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def format_report(summary: dict[str, Any], title: str = "") -> str:
    """The report as aligned text lines."""
    low, high = summary["coverage_ci95"]
    lines = [title] if title else []
    doctor = summary.get("doctor", "")
    if doctor:
        lines.append(f"doctor              {doctor}" + (f"  ({BASELINES[doctor]})" if doctor in BASELINES else ""))
    lines += [
        f"episodes            {summary['episodes']}  (errors {summary['errors']}, unscored {summary['unscored']})",
        f"coverage            {_number(summary['coverage_mean'])}  95% CI [{_number(low)}, {_number(high)}]",
        f"diagnosis accuracy  {_number(summary['diagnosis_accuracy'])}",
        *_library_lines(summary.get("by_library", {})),
        f"turns (mean)        {summary['turns_mean']:.2f}",
        f"guardian flag rate  {summary['guardian_flag_rate']:.3f}"
        f"  (emitted with issues {summary['emitted_flag_rate']:.3f})",
        f"fallback rate       {summary['fallback_rate']:.3f}"
        f"  (fallbacks that failed their check, neutral line said: {summary['fallback_issue_count']})",
    ]
    for row in summary["fallback_issues"]:
        lines.append(f"  {row['scenario']} turn {row['turn'] + 1}: {row['issue']}: {row['fallback']!r:.100}")
    if summary["llm_calls_per_turn"] or summary["judge_calls_per_episode"]:
        calls = ", ".join(f"{role} {rate:.2f}" for role, rate in summary["llm_calls_per_turn"].items())
        lines.append(
            f"LLM calls per turn  {calls or '-'}; judge calls per episode {summary['judge_calls_per_episode']:.2f}"
        )
        lines.append(f"tokens per episode  {summary['tokens_per_episode']:.0f}")
    for message, count in summary.get("common_errors", []):
        lines.append(f"{f'error (x{count})':<20}{message}")
    return "\n".join(lines + _llm_failure_lines(summary))


def _llm_failure_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    if summary.get("guardian_llm_verdicts"):
        lines.append(
            f"guardian fallbacks  {summary['guardian_fallback_rate']:.3f}  ({summary['guardian_fallbacks']} of "
            f"{summary['guardian_llm_verdicts']} model verdicts failed; the offline check decided)"
        )
    for role, usage in summary.get("llm_by_role", {}).items():
        if usage["errors"]:
            kinds = ", ".join(f"{kind} {count}" for kind, count in usage["failures"].items()) or "unclassified"
            lines.append(f"LLM errors          {role}: {usage['errors']} of {usage['calls']} calls failed ({kinds})")
    for reason, count in summary.get("unscored_reasons", {}).items():
        lines.append(f"{f'unscored (x{count})':<20}{reason}")
    return lines
