"""The statistics the app shows, without Streamlit: intervals for means and rates, and paired tests.

Every interval is 95%. Resampling is seeded, so the same runs always show the same numbers. Paired differences are
B minus A over episodes that share a scenario and a seed (`consultgym.app.comparison.pair_scores`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from consultgym.config import DEFAULT_BOOTSTRAP_SAMPLES

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval
EXACT_PERMUTATION_MAX = 16  # up to 2**16 sign patterns are enumerated; beyond, they are sampled
PERMUTATIONS = 10_000


def mean_ci(values: Sequence[float], samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean: (x, x) for one value, (nan, nan) for none.

    >>> mean_ci([0.5, 0.5])
    (0.5, 0.5)
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(samples, data.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (float(low), float(high))


def wilson_ci(hits: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval of a rate (it stays inside 0..1 and is sensible for 0 or n hits).

    >>> [round(x, 3) for x in wilson_ci(0, 10)]
    [0.0, 0.278]
    """
    if n <= 0:
        return (math.nan, math.nan)
    rate = hits / n
    centre = (rate + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(rate * (1 - rate) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    # At 0 or n hits the bound is exactly 0 or 1 (the formula gives it up to rounding).
    return (0.0 if hits == 0 else max(0.0, centre - half), 1.0 if hits == n else min(1.0, centre + half))


def paired_rate_diff_ci(
    gains: int, losses: int, n: int, samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% bootstrap interval of a paired difference of rates, B - A, from counts.

    Args:
        gains: pairs where B hit and A missed.
        losses: pairs where A hit and B missed.
        n: all pairs (ties included).

    Resampling n pairs with replacement only changes how many gains and losses are drawn, so the bootstrap is a
    multinomial draw over the three counts: exact, and cheap enough for every item of a 1,000-episode run.
    """
    if n <= 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    probabilities = [gains / n, losses / n, max(0.0, 1 - (gains + losses) / n)]
    draws = rng.multinomial(n, probabilities, size=samples)
    diffs = (draws[:, 0] - draws[:, 1]) / n
    low, high = np.percentile(diffs, [2.5, 97.5])
    return (float(low), float(high))


def sign_test(wins: int, losses: int) -> float:
    """Exact two-sided sign test (McNemar's exact test for binary pairs): ties are left out.

    >>> round(sign_test(9, 1), 4)
    0.0215
    """
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1))
    return min(1.0, 2 * tail / 2**n)


def permutation_test(diffs: Sequence[float], seed: int = 0, permutations: int = PERMUTATIONS) -> float:
    """Two-sided paired permutation test of a mean difference: each pair's sign is flipped at random.

    Exact (every sign pattern) for up to 16 non-zero differences; sampled (seeded, with the +1 correction) beyond.
    """
    data = np.asarray([d for d in diffs if d != 0], dtype=float)
    if data.size == 0:
        return 1.0
    observed = abs(data.mean()) - 1e-12  # a tolerance, so float noise cannot hide an equally extreme pattern
    if data.size <= EXACT_PERMUTATION_MAX:
        patterns = ((np.arange(2**data.size)[:, None] >> np.arange(data.size)) & 1) * 2 - 1
        return float(np.mean(np.abs((patterns * data).mean(axis=1)) >= observed))
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(permutations, data.size))
    extreme = int(np.sum(np.abs((signs * data).mean(axis=1)) >= observed))
    return (extreme + 1) / (permutations + 1)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment, so a table of many items does not find differences by chance.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted = [1.0] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = round(running, 12)
    return adjusted
