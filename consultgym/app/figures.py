"""A run's headline figures from its summary table, without Streamlit: what `consultgym report` prints, with CIs.

Computed from `consultgym.app.data.summarize` rows, so the Run page can show them for any filtered subset without
parsing episodes again. The coverage interval is the report's (same bootstrap, same seed); rates of episodes get a
Wilson interval. ``emitted_issue_rate`` counts every emitted reply that still carried a guardian issue, fact-only
fallbacks included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from consultgym.app.stats import mean_ci, wilson_ci
from consultgym.config import DEFAULT_COVERAGE_WEIGHT, DEFAULT_DIAGNOSIS_WEIGHT, PRIORITY_WEIGHTS


@dataclass(frozen=True)
class RunFigures:
    episodes: int
    errors: int
    unscored: int
    reward_mean: float
    reward_ci: tuple[float, float]
    coverage_mean: float
    coverage_ci: tuple[float, float]
    diagnosis_accuracy: float
    diagnosis_ci: tuple[float, float]
    turns_mean: float
    draft_flag_rate: float  # replies whose first draft the guardian rejected, per guarded reply
    emitted_issue_rate: float  # emitted replies that still carried an issue, per guarded reply
    fallback_rate: float
    critical_missed_mean: float


def run_figures(summary: pd.DataFrame) -> RunFigures:
    """The figures of the episodes in `summary` (errored episodes counted, never averaged in)."""
    finished = summary[summary["error"] == ""]
    scored = finished[finished["reward"].notna()]
    guarded = int(finished["guarded"].sum())
    correct = int((scored["diagnosis"] >= 0.5).sum())

    def mean(column: str, frame: pd.DataFrame = scored) -> float:
        return float(frame[column].mean()) if len(frame) else math.nan

    def per_reply(column: str) -> float:
        return float(finished[column].sum()) / guarded if guarded else 0.0

    return RunFigures(
        episodes=len(summary),
        errors=len(summary) - len(finished),
        unscored=len(finished) - len(scored),
        reward_mean=mean("reward"),
        reward_ci=mean_ci(scored["reward"].tolist()),
        coverage_mean=mean("coverage"),
        coverage_ci=mean_ci(scored["coverage"].tolist()),
        diagnosis_accuracy=correct / len(scored) if len(scored) else math.nan,
        diagnosis_ci=wilson_ci(correct, len(scored)),
        turns_mean=mean("turns", finished),
        draft_flag_rate=per_reply("flagged"),
        emitted_issue_rate=per_reply("emitted_issues"),
        fallback_rate=per_reply("fallbacks"),
        critical_missed_mean=mean("critical_missed"),
    )


def reward_formula(coverage_weight: float = DEFAULT_COVERAGE_WEIGHT,
                   diagnosis_weight: float = DEFAULT_DIAGNOSIS_WEIGHT) -> str:  # fmt: skip
    """The reward formula in words (markdown, no record text), with the weights the judge uses by default."""
    weights = ", ".join(f"{name} {weight:g}" for name, weight in PRIORITY_WEIGHTS.items())
    return (
        f"**reward = {coverage_weight:g} × coverage + {diagnosis_weight:g} × (diagnosis correct ? 1 : 0)**\n\n"
        f"- *coverage* is the weighted share of the scenario's must-ask items the doctor covered, each item weighted "
        f"by its priority ({weights}). A question earns credit for at most one item, and only when it is about "
        "that item; at most a few questions per turn count.\n"
        "- *diagnosis correct*: the one diagnosis given after `DIAGNOSIS:` matches the expected name or a synonym; "
        "a hedge naming several conditions does not count.\n"
        "- History taking without a diagnosis (`HistoryTaking-v0`) is scored on coverage alone.\n"
        "- An episode that failed, or that the judge could not grade, has no reward: it is counted, never averaged "
        "in as zero.\n\n"
        "These are the default weights; a run can set others (see its configuration in Replay)."
    )
