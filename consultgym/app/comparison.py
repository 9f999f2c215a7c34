"""Comparing two runs from their summary tables (`consultgym.app.data.summarize`), without Streamlit.

Scores are per episode: ``reward``, ``coverage`` or ``diagnosis`` (1 when correct). Episodes without a score (failed
or unscored) are left out of means and histograms and counted apart. Differences are always B minus A.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = ("reward", "coverage", "diagnosis")


def per_scenario(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward") -> pd.DataFrame:
    """Mean score of each scenario in each run, and B - A.

    Returns:
        One row per scenario seen in either run (sorted by id): ``scenario_id, n_a, mean_a, n_b, mean_b, diff``,
        where ``n_*`` counts scored episodes and a mean is NaN when a run has none for that scenario.
    """
    left = _scored(a, metric).groupby("scenario_id")[metric].agg(n_a="count", mean_a="mean")
    right = _scored(b, metric).groupby("scenario_id")[metric].agg(n_b="count", mean_b="mean")
    table = left.join(right, how="outer").sort_index()
    table[["n_a", "n_b"]] = table[["n_a", "n_b"]].fillna(0).astype(int)
    table["diff"] = table["mean_b"] - table["mean_a"]
    return table.reset_index()[["scenario_id", "n_a", "mean_a", "n_b", "mean_b", "diff"]]


def overall(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward") -> dict[str, float | int]:
    """Means over all scored episodes of each run, B - A, and how many episodes had no score."""
    mean_a, mean_b = _scored(a, metric)[metric].mean(), _scored(b, metric)[metric].mean()
    return {
        "mean_a": float(mean_a),
        "mean_b": float(mean_b),
        "diff": float(mean_b - mean_a),
        "unscored_a": int(a[metric].isna().sum()),
        "unscored_b": int(b[metric].isna().sum()),
    }


def histogram(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward", bins: int = 10) -> pd.DataFrame:
    """Counts of scored episodes per score bin over 0..1, one column per run ("A", "B"), indexed by bin label."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    labels = [f"{low:.1f}–{high:.1f}" for low, high in zip(edges[:-1], edges[1:], strict=True)]

    def counts(frame: pd.DataFrame) -> np.ndarray:
        values = _scored(frame, metric)[metric].clip(0.0, 1.0).to_numpy()
        return np.histogram(values, bins=edges)[0]

    return pd.DataFrame({"A": counts(a), "B": counts(b)}, index=pd.Index(labels, name="score"))


def disagreements(a: pd.DataFrame, b: pd.DataFrame, metric: str = "reward", limit: int = 10) -> pd.DataFrame:
    """The paired episodes whose scores differ most.

    Episodes pair up by scenario and seed (what a run's seeded order gives both runs); repeats of the same pair
    match in file order.

    Returns:
        Up to `limit` rows sorted by ``|diff|`` descending: ``scenario_id, seed, position_a, position_b, score_a,
        score_b, diff``. Pairs where either side has no score are left out.
    """
    keys = ["scenario_id", "seed", "repeat"]
    left, right = _with_repeat(_scored(a, metric)), _with_repeat(_scored(b, metric))
    pairs = left[[*keys, "position", metric]].merge(right[[*keys, "position", metric]], on=keys, suffixes=("_a", "_b"))
    pairs = pairs.rename(columns={f"{metric}_a": "score_a", f"{metric}_b": "score_b"})
    pairs["diff"] = pairs["score_b"] - pairs["score_a"]
    pairs = pairs.loc[pairs["diff"].abs().sort_values(ascending=False, kind="stable").index]
    columns = ["scenario_id", "seed", "position_a", "position_b", "score_a", "score_b", "diff"]
    return pairs[pairs["diff"] != 0][columns].head(limit).reset_index(drop=True)


def _scored(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    return frame[frame[metric].notna()]


def _with_repeat(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(repeat=frame.groupby(["scenario_id", "seed"]).cumcount())
