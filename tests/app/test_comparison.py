"""Comparison arithmetic on summary tables, checked against hand-computed numbers."""

from __future__ import annotations

import math

import pytest
from builders import make_episode

from consultgym.app.comparison import disagreements, histogram, overall, per_scenario
from consultgym.app.data import summarize

# Run A: s1 seeds 0, 1 -> 0.2, 0.4 (mean 0.3); s2 seed 0 -> 1.0; one failed episode of s1.
# Run B: s1 seeds 0, 1 -> 0.5, 0.7 (mean 0.6); s2 seed 0 -> 0.5; s3 only in B -> 0.9.
A = [
    make_episode(0, "s1", 0, 0.2),
    make_episode(1, "s1", 1, 0.4),
    make_episode(2, "s2", 0, 1.0),
    make_episode(3, "s1", 2, error="boom"),
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


def test_per_scenario_means_and_differences(runs) -> None:
    table = per_scenario(*runs).set_index("scenario_id")
    assert table.loc["s1", ["n_a", "n_b"]].tolist() == [2, 2]
    assert table.loc["s1", "mean_a"] == pytest.approx(0.3)
    assert table.loc["s1", "mean_b"] == pytest.approx(0.6)
    assert table.loc["s1", "diff"] == pytest.approx(0.3)
    assert table.loc["s2", "diff"] == pytest.approx(-0.5)
    assert table.loc["s3", "n_a"] == 0 and math.isnan(table.loc["s3", "mean_a"]) and math.isnan(table.loc["s3", "diff"])


def test_overall_excludes_failed_episodes_and_counts_them(runs) -> None:
    totals = overall(*runs)
    assert totals["mean_a"] == pytest.approx((0.2 + 0.4 + 1.0) / 3)
    assert totals["mean_b"] == pytest.approx((0.5 + 0.7 + 0.5 + 0.9) / 4)
    assert totals["diff"] == pytest.approx(0.65 - 1.6 / 3)
    assert (totals["unscored_a"], totals["unscored_b"]) == (1, 0)


def test_histogram_counts_scored_episodes_per_bin(runs) -> None:
    counts = histogram(*runs, bins=5)
    assert counts.index.tolist() == ["0.0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1.0"]
    assert counts["A"].tolist() == [0, 1, 1, 0, 1]  # 0.2, 0.4, 1.0 (the top edge is inclusive)
    assert counts["B"].tolist() == [0, 0, 2, 1, 1]


def test_disagreements_pair_by_scenario_and_seed_largest_first(runs) -> None:
    pairs = disagreements(*runs)
    assert pairs[["scenario_id", "seed"]].values.tolist() == [["s2", 0], ["s1", 0], ["s1", 1]]
    assert pairs["diff"].tolist() == pytest.approx([-0.5, 0.3, 0.3])
    assert pairs.loc[0, ["position_a", "position_b"]].tolist() == [2, 2]


def test_other_metrics(runs) -> None:
    table = per_scenario(*runs, metric="diagnosis").set_index("scenario_id")
    assert table.loc["s1", "mean_a"] == 1.0  # every built episode has a correct diagnosis
    with pytest.raises(ValueError, match="unknown metric"):
        overall(*runs, metric="speed")
