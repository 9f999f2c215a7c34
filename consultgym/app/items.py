"""Must-ask items across a run, without Streamlit: hit rates, and which items one doctor misses more than another.

Works on `RunIndex.items` (one row per graded item of a completed episode). Items group either by id across
scenarios (``by="item"``: "onset" asked in every case) or by scenario and id (``by="scenario"``). Items the judge
could not grade are left out. Intervals are 95%: Wilson for one run's rate, a paired bootstrap for a difference,
with McNemar's exact test (a sign test on the pairs where exactly one doctor covered the item) and Holm's
adjustment over the table, since a table of many items finds some difference by chance.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from consultgym.app.comparison import pair_scores
from consultgym.app.stats import holm, paired_rate_diff_ci, sign_test, wilson_ci
from consultgym.config import PRIORITY_WEIGHTS
from consultgym.scenarios.schema import Scenario

GROUPINGS = {"item": ["item"], "scenario": ["scenario_id", "item"]}
_PRIORITY_OF_WEIGHT = {weight: name for name, weight in PRIORITY_WEIGHTS.items()}


def item_info(scenarios: Mapping[str, Scenario]) -> pd.DataFrame:
    """What each item asks, and its priority, from the scenarios that could be loaded: ``scenario_id, item, ask,
    priority``."""
    rows = [
        (scenario.id, item.id, item.ask, item.priority.value)
        for scenario in scenarios.values()
        for item in scenario.must_ask
    ]
    return pd.DataFrame(rows, columns=["scenario_id", "item", "ask", "priority"])


def hit_rates(items: pd.DataFrame, by: str = "item", info: pd.DataFrame | None = None) -> pd.DataFrame:
    """How often each item was covered: ``[scenario_id,] item, ask, priority, episodes, hits, rate, ci_low,
    ci_high``, the most missed first."""
    keys = GROUPINGS[by]
    graded = items[items["scored"]]
    table = graded.groupby(keys).agg(episodes=("covered", "size"), hits=("covered", "sum")).reset_index()
    table["hits"] = table["hits"].astype(int)
    table["rate"] = table["hits"] / table["episodes"]
    bounds = [wilson_ci(h, n) for h, n in zip(table["hits"], table["episodes"], strict=True)]
    table["ci_low"] = [low for low, _ in bounds]
    table["ci_high"] = [high for _, high in bounds]
    table = _describe(table, graded, keys, info)
    table = table.sort_values(["rate", *keys], kind="stable").reset_index(drop=True)
    return table[[*keys, "ask", "priority", "episodes", "hits", "rate", "ci_low", "ci_high"]]


def item_differences(
    summary_a: pd.DataFrame,
    items_a: pd.DataFrame,
    summary_b: pd.DataFrame,
    items_b: pd.DataFrame,
    by: str = "item",
    info: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each item's hit rate in A and in B over paired episodes (same scenario and seed), B - A with its interval.

    Returns:
        ``[scenario_id,] item, ask, priority, pairs, rate_a, rate_b, diff, ci_low, ci_high, missed_by_b``
        (pairs where A covered it and B did not), ``missed_by_a``, ``p`` (McNemar exact) and ``p_holm``; sorted with
        the items B misses most relative to A first. Empty when the runs share no pair.
    """
    keys = GROUPINGS[by]
    pairs = pair_scores(summary_a, summary_b, "coverage").reset_index(names="pair")
    left = items_a[items_a["scored"]].merge(pairs[["pair", "position_a"]], left_on="position", right_on="position_a")
    right = items_b[items_b["scored"]].merge(pairs[["pair", "position_b"]], left_on="position", right_on="position_b")
    both = left[["pair", "scenario_id", "item", "covered", "weight"]].merge(
        right[["pair", "item", "covered"]], on=["pair", "item"], suffixes=("_a", "_b")
    )
    columns = [*keys, "ask", "priority", "pairs", "rate_a", "rate_b", "diff", "ci_low", "ci_high",
               "missed_by_b", "missed_by_a", "p", "p_holm"]  # fmt: skip
    if both.empty:
        return pd.DataFrame(columns=columns)
    both["missed_by_b"] = both["covered_a"] & ~both["covered_b"]
    both["missed_by_a"] = both["covered_b"] & ~both["covered_a"]
    table = both.groupby(keys).agg(
        pairs=("pair", "size"), rate_a=("covered_a", "mean"), rate_b=("covered_b", "mean"),
        missed_by_b=("missed_by_b", "sum"), missed_by_a=("missed_by_a", "sum"),
    ).reset_index()  # fmt: skip
    table[["missed_by_b", "missed_by_a"]] = table[["missed_by_b", "missed_by_a"]].astype(int)
    table["diff"] = table["rate_b"] - table["rate_a"]
    bounds = [
        paired_rate_diff_ci(gains, losses, n)
        for gains, losses, n in zip(table["missed_by_a"], table["missed_by_b"], table["pairs"], strict=True)
    ]
    table["ci_low"] = [low for low, _ in bounds]
    table["ci_high"] = [high for _, high in bounds]
    table["p"] = [sign_test(g, lo) for g, lo in zip(table["missed_by_a"], table["missed_by_b"], strict=True)]
    table["p_holm"] = holm(table["p"].tolist())
    table = _describe(table, both, keys, info)
    table = table.sort_values(["diff", "p", *keys], kind="stable").reset_index(drop=True)
    return table[columns]


def _describe(table: pd.DataFrame, rows: pd.DataFrame, keys: list[str], info: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``ask`` and ``priority``: from the scenarios when known, else the priority the record's weight implies."""
    weights = rows.groupby(keys)["weight"].max().map(lambda w: _PRIORITY_OF_WEIGHT.get(float(w), f"weight {w:g}"))
    table = table.merge(weights.rename("priority").reset_index(), on=keys, how="left")
    if info is None or info.empty:
        return table.assign(ask="")
    if keys == ["item"]:
        # One id may ask slightly different things in different scenarios: show the most common wording.
        info = info.groupby("item").agg(ask=("ask", lambda asks: asks.mode().iloc[0])).reset_index()
    else:
        info = info[["scenario_id", "item", "ask"]]
    table = table.merge(info, on=keys, how="left")
    table["ask"] = table["ask"].fillna("")
    return table
