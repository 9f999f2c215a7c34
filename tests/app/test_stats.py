"""Intervals and tests, against numbers computed by hand or by brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from consultgym.app.stats import holm, mean_ci, paired_rate_diff_ci, permutation_test, sign_test, wilson_ci


def test_mean_ci_is_seeded_and_brackets_the_mean() -> None:
    values = [0.1, 0.4, 0.5, 0.9, 0.3]
    low, high = mean_ci(values)
    assert low < np.mean(values) < high and mean_ci(values) == (low, high)
    assert math.isnan(mean_ci([])[0]) and mean_ci([0.7]) == (0.7, 0.7)


def test_wilson_matches_the_formula() -> None:
    low, high = wilson_ci(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson_ci(10, 10)[1] == 1.0 and math.isnan(wilson_ci(0, 0)[0])


def test_sign_test_exact() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)
    assert sign_test(3, 3) == 1.0
    assert sign_test(1, 9) == pytest.approx(22 / 1024)


def test_permutation_test_exact_by_enumeration() -> None:
    diffs = [0.3, 0.2, 0.25, -0.05, 0.0, 0.4]
    nonzero = [d for d in diffs if d]
    observed = abs(np.mean(nonzero))
    patterns = list(itertools.product([-1, 1], repeat=len(nonzero)))
    expected = sum(abs(np.mean(np.multiply(p, nonzero))) >= observed - 1e-12 for p in patterns) / len(patterns)
    assert permutation_test(diffs) == pytest.approx(expected)
    assert permutation_test([0.0, 0.0]) == 1.0


def test_sampled_permutation_test_for_many_pairs() -> None:
    rng = np.random.default_rng(1)
    shifted = rng.normal(0.3, 1.0, size=200)
    assert permutation_test(shifted) < 0.01 and permutation_test(shifted) == permutation_test(shifted)
    assert permutation_test(rng.normal(0.0, 1.0, size=200)) > 0.05


def test_paired_rate_difference_interval_matches_resampling_pairs() -> None:
    gains, losses, n = 2, 7, 20
    low, high = paired_rate_diff_ci(gains, losses, n)
    pairs = np.array([1] * gains + [-1] * losses + [0] * (n - gains - losses))
    rng = np.random.default_rng(5)
    resampled = pairs[rng.integers(0, n, size=(20_000, n))].mean(axis=1)
    ref_low, ref_high = np.percentile(resampled, [2.5, 97.5])
    assert low == pytest.approx(ref_low, abs=0.051) and high == pytest.approx(ref_high, abs=0.051)
    assert low < (gains - losses) / n < high


def test_holm() -> None:
    assert holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]
    assert holm([]) == []
