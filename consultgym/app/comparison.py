"""Comparing two runs from their summary tables (`consultgym.app.data.summarize`), without Streamlit.

Scores are per episode: ``reward``, ``coverage`` or ``diagnosis`` (1 when correct). Episodes without a score (failed
or unscored) are left out and counted apart. Two runs are compared on *paired* episodes only: the same scenario and
seed (repeats of a pair match in file order), so that a difference cannot come from one run meeting easier cases.
Differences are always B minus A.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from consultgym.app.stats import mean_ci, permutation_test, sign_test, wilson_ci

METRICS = ("reward", "coverage", "diagnosis")
PAIR_KEYS = ["scenario_id", "seed", "repeat"]


def pair_episodes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Every episode of A with its partner in B (same scenario and seed, repeats matched in file order), scored or
    not: ``scenario_id, seed, repeat`` and each side's ``position``, ``index``, ``reward``, ``error``."""
    columns = [*PAIR_KEYS, "position", "index", "reward", "error"]
    pairs = _with_repeat(a)[columns].merge(_with_repeat(b)[columns], on=PAIR_KEYS, suffixes=("_a", "_b"))
    return pairs.sort_values("position_a", kind="stable").reset_index(drop=True)


def pair_scores(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward") -> pd.DataFrame:
    """Scored episodes of A and B that share scenario and seed: ``scenario_id, seed, repeat, position_a,
    position_b, score_a, score_b, diff`` in A's file order."""
    left, right = _with_repeat(_scored(a, metric)), _with_repeat(_scored(b, metric))
    columns = [*PAIR_KEYS, "position", metric]
    pairs = left[columns].merge(right[columns], on=PAIR_KEYS, suffixes=("_a", "_b"))
    pairs = pairs.rename(columns={f"{metric}_a": "score_a", f"{metric}_b": "score_b"})
    pairs["diff"] = pairs["score_b"] - pairs["score_a"]
    return pairs.sort_values("position_a", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Headline:
    """The paired comparison of one metric, and what was left out of it."""

    pairs: int
    mean_a: float
    mean_b: float
    diff: float
    ci: tuple[float, float]
    wins: int  # pairs where B scored higher
    losses: int  # pairs where A scored higher
    ties: int
    sign_p: float
    permutation_p: float
    scored_a: int  # scored episodes in each run, paired or not
    scored_b: int
    unscored_a: int
    unscored_b: int

    @property
    def unpaired_a(self) -> int:
        return self.scored_a - self.pairs

    @property
    def unpaired_b(self) -> int:
        return self.scored_b - self.pairs


def headline(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward") -> Headline:
    """Means over paired episodes, B - A with a 95% paired-bootstrap interval, a sign test and a permutation test.

    With no pair, the means and the difference are NaN and the tests say nothing (p = 1).
    """
    pairs = pair_scores(a, b, metric)
    diffs = pairs["diff"].to_numpy()
    nan = math.nan
    return Headline(
        pairs=len(pairs),
        mean_a=float(pairs["score_a"].mean()) if len(pairs) else nan,
        mean_b=float(pairs["score_b"].mean()) if len(pairs) else nan,
        diff=float(diffs.mean()) if len(pairs) else nan,
        ci=mean_ci(diffs),
        wins=int((diffs > 0).sum()),
        losses=int((diffs < 0).sum()),
        ties=int((diffs == 0).sum()),
        sign_p=sign_test(int((diffs > 0).sum()), int((diffs < 0).sum())),
        permutation_p=permutation_test(diffs),
        scored_a=len(_scored(a, metric)),
        scored_b=len(_scored(b, metric)),
        unscored_a=int(a[metric].isna().sum()),
        unscored_b=int(b[metric].isna().sum()),
    )


def per_scenario(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward") -> pd.DataFrame:
    """Per scenario: paired episodes, their means in each run and B - A; then episodes seen in one run only.

    Returns:
        One row per scenario seen in either run (sorted by id): ``scenario_id, pairs, mean_a, mean_b, diff,
        only_a, only_b``; the means and diff are over pairs and NaN where a scenario has none.
    """
    pairs = pair_scores(a, b, metric)
    paired = pairs.groupby("scenario_id").agg(pairs=("diff", "size"), mean_a=("score_a", "mean"),
                                              mean_b=("score_b", "mean"), diff=("diff", "mean"))  # fmt: skip
    count_a = _scored(a, metric).groupby("scenario_id").size()
    count_b = _scored(b, metric).groupby("scenario_id").size()
    table = paired.join(pd.DataFrame({"n_a": count_a, "n_b": count_b}), how="outer").sort_index()
    table[["pairs", "n_a", "n_b"]] = table[["pairs", "n_a", "n_b"]].fillna(0).astype(int)
    table["only_a"] = table["n_a"] - table["pairs"]
    table["only_b"] = table["n_b"] - table["pairs"]
    return table.rename_axis("scenario_id").reset_index()[
        ["scenario_id", "pairs", "mean_a", "mean_b", "diff", "only_a", "only_b"]
    ]


def is_binary(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> bool:
    """True when every score of both runs is 0 or 1 (then a histogram would only show two bars of ten)."""
    values = pd.concat([_scored(a, metric)[metric], _scored(b, metric)[metric]])
    return metric == "diagnosis" or (len(values) > 0 and bool(values.isin([0.0, 1.0]).all()))


def distribution(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward", bins: int = 10) -> pd.DataFrame:
    """Each run's share of its scored episodes per score bin over 0..1 (each run's shares sum to 1).

    Shares, not counts, so a 12-episode run stays visible next to a 1,000-episode one.

    Returns:
        Long format: ``run`` ("A" or "B"), ``bin`` (label), ``low``, ``high``, ``episodes``, ``share``.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for run, frame in (("A", a), ("B", b)):
        values = _scored(frame, metric)[metric].clip(0.0, 1.0).to_numpy()
        counts = np.histogram(values, bins=edges)[0]
        for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True):
            share = count / len(values) if len(values) else 0.0
            rows.append((run, f"{low:.1f}–{high:.1f}", float(low), float(high), int(count), float(share)))
    return pd.DataFrame(rows, columns=["run", "bin", "low", "high", "episodes", "share"])


def rates(a: pd.DataFrame, b: pd.DataFrame, metric: str = "diagnosis") -> pd.DataFrame:
    """For a 0/1 score: each run's share of 1s among its scored episodes with a Wilson 95% interval.

    Returns:
        ``run, hits, episodes, rate, ci_low, ci_high``, one row per run.
    """
    rows = []
    for run, frame in (("A", a), ("B", b)):
        values = _scored(frame, metric)[metric]
        hits, n = int((values >= 0.5).sum()), len(values)
        low, high = wilson_ci(hits, n)
        rows.append((run, hits, n, hits / n if n else math.nan, low, high))
    return pd.DataFrame(rows, columns=["run", "hits", "episodes", "rate", "ci_low", "ci_high"])


def disagreements(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward", limit: int = 10) -> pd.DataFrame:
    """The paired cases whose scores differ most, one row per case and outcome.

    Seeds of one scenario with the same two scores are one row (their seeds listed), so a deterministic doctor
    replayed under ten seeds does not fill the list with one case.

    Returns:
        Up to `limit` rows sorted by ``|diff|`` descending: ``scenario_id, seeds, score_a, score_b, diff,
        position_a, position_b`` (the positions of the first pair, to open it).
    """
    pairs = pair_scores(a, b, metric)
    pairs = pairs[pairs["diff"] != 0]
    if pairs.empty:
        return pd.DataFrame(columns=["scenario_id", "seeds", "score_a", "score_b", "diff", "position_a", "position_b"])
    grouped = pairs.groupby(["scenario_id", "score_a", "score_b"], sort=False).agg(
        seeds=("seed", lambda seeds: ", ".join(str(s) for s in sorted(set(seeds)))),
        diff=("diff", "first"),
        position_a=("position_a", "first"),
        position_b=("position_b", "first"),
    )
    grouped = grouped.reset_index()
    order = grouped["diff"].abs().sort_values(ascending=False, kind="stable").index
    columns = ["scenario_id", "seeds", "score_a", "score_b", "diff", "position_a", "position_b"]
    return grouped.loc[order, columns].head(limit).reset_index(drop=True)


def _scored(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    return frame[frame[metric].notna()]


def _with_repeat(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(repeat=frame.groupby(["scenario_id", "seed"]).cumcount())
