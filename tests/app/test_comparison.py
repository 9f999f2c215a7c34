"""Comparison arithmetic on summary tables, checked against hand-computed numbers."""

from __future__ import annotations

import math

import pytest
from builders import make_episode

from consultgym.app.comparison import (
    disagreements,
    distribution,
    headline,
    is_binary,
    pair_episodes,
    per_scenario,
    rates,
)
from consultgym.app.data import summarize

# Run A: s1 seeds 0, 1 -> 0.2, 0.4; s2 seed 0 -> 1.0; a failed s1 seed 2; s4 seed 0 only in A.
# Run B: s1 seeds 0, 1 -> 0.5, 0.7; s2 seed 0 -> 0.5; s3 only in B -> 0.9.
A = [
    make_episode(0, "s1", 0, 0.2),
    make_episode(1, "s1", 1, 0.4),
    make_episode(2, "s2", 0, 1.0),
    make_episode(3, "s1", 2, error="boom"),
    make_episode(4, "s4", 0, 0.1),
]
B = [
    make_episode(0, "s1", 0, 0.5),
    make_episode(1, "s1", 1, 0.7),
    make_episode(2, "s2", 0, 0.5),
    make_episode(3, "s3", 0, 0.9),
]


@pytest.fixture
def runs():
    return summarize(A), summarize(B)


def test_headline_is_over_paired_episodes_only(runs) -> None:
    outcome = headline(*runs)
    assert outcome.pairs == 3 and (outcome.unpaired_a, outcome.unpaired_b) == (1, 1)
    assert outcome.mean_a == pytest.approx((0.2 + 0.4 + 1.0) / 3)  # s4 (only in A) is not averaged in
    assert outcome.mean_b == pytest.approx((0.5 + 0.7 + 0.5) / 3)  # s3 (only in B) neither
    assert outcome.diff == pytest.approx((0.3 + 0.3 - 0.5) / 3)
    low, high = outcome.ci
    assert low <= outcome.diff <= high
    assert (outcome.wins, outcome.losses, outcome.ties) == (2, 1, 0)
    assert outcome.sign_p == pytest.approx(1.0)  # 2 of 3: nothing
    assert outcome.permutation_p == 1.0  # every one of the 8 sign patterns has |mean| >= 0.1 / 3
    assert (outcome.unscored_a, outcome.unscored_b) == (1, 0)


def test_runs_without_a_shared_pair_give_no_difference() -> None:
    outcome = headline(summarize([make_episode(0, "x", 0, 0.2)]), summarize([make_episode(0, "y", 0, 0.9)]))
    assert outcome.pairs == 0 and math.isnan(outcome.diff) and math.isnan(outcome.ci[0])
    assert outcome.sign_p == 1.0 and outcome.permutation_p == 1.0


def test_per_scenario_counts_pairs_and_leftovers(runs) -> None:
    table = per_scenario(*runs).set_index("scenario_id")
    assert table.loc["s1", ["pairs", "only_a", "only_b"]].tolist() == [2, 0, 0]
    assert table.loc["s1", "diff"] == pytest.approx(0.3)
    assert table.loc["s2", "diff"] == pytest.approx(-0.5)
    assert table.loc["s3", ["pairs", "only_b"]].tolist() == [0, 1] and math.isnan(table.loc["s3", "diff"])
    assert table.loc["s4", ["pairs", "only_a"]].tolist() == [0, 1]


def test_distribution_is_each_runs_share(runs) -> None:
    shares = distribution(*runs, bins=5).set_index(["run", "bin"])
    assert shares.loc["A", "share"].round(4).tolist() == [0.25, 0.25, 0.25, 0.0, 0.25]  # 0.1, 0.2, 0.4, 1.0
    assert shares.loc["B", "episodes"].tolist() == [0, 0, 2, 1, 1]
    assert shares.groupby("run")["share"].sum().round(9).tolist() == [1.0, 1.0]


def test_binary_scores_get_rates_with_intervals(runs) -> None:
    assert is_binary(*runs, "diagnosis") and not is_binary(*runs, "reward")
    table = rates(*runs, "diagnosis").set_index("run")
    assert table.loc["A", ["hits", "episodes", "rate"]].tolist() == [4, 4, 1.0]
    assert table.loc["A", "ci_high"] == 1.0 and table.loc["A", "ci_low"] < 1.0


def test_disagreements_collapse_seeds_with_the_same_scores() -> None:
    a = [make_episode(i, "s1", i, 0.2) for i in range(3)] + [make_episode(3, "s2", 0, 0.9)]
    b = [make_episode(i, "s1", i, 0.6) for i in range(3)] + [make_episode(3, "s2", 0, 0.4)]
    rows = disagreements(summarize(a), summarize(b))
    assert rows[["scenario_id", "seeds"]].values.tolist() == [["s2", "0"], ["s1", "0, 1, 2"]]
    assert rows["diff"].tolist() == pytest.approx([-0.5, 0.4])
    assert rows.loc[1, ["position_a", "position_b"]].tolist() == [0, 0]


def test_pair_episodes_keeps_failed_ones(runs) -> None:
    pairs = pair_episodes(*runs)
    assert pairs[["scenario_id", "seed"]].values.tolist() == [["s1", 0], ["s1", 1], ["s2", 0]]


def test_unknown_metric(runs) -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        headline(*runs, metric="speed")
