"""Agreement statistics against hand computations, and the offline-vs-offline sanity check."""

from __future__ import annotations

import pytest

from consultgym.agreement import cohen_kappa, compare, macro_f1
from consultgym.records import ItemResult, Judgement


def test_kappa_hand_computed():
    a = [True, True, False, False, True, False]
    b = [True, False, False, False, True, True]
    # observed 4/6; pa = pb = 1/2 -> expected 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert cohen_kappa(a, b) == pytest.approx(1 / 3)
    assert cohen_kappa([True] * 4, [True] * 4) == 1.0
    assert cohen_kappa(a, a) == pytest.approx(1.0)


def test_macro_f1_hand_computed():
    reference = [True, True, False, False]
    predicted = [True, False, False, True]
    # covered: tp 1 fp 1 fn 1 -> 0.5; not covered: tp 1 fp 1 fn 1 -> 0.5
    assert macro_f1(reference, predicted) == pytest.approx(0.5)
    assert macro_f1(reference, reference) == 1.0


def judgement(covered, scored=True, diagnosis=False):
    items = [ItemResult(id=f"i{n}", covered=c) for n, c in enumerate(covered)]
    return Judgement(items=items, coverage=sum(covered) / len(covered), scored=scored, diagnosis_correct=diagnosis)


def test_compare_skips_unscored():
    first = [judgement([True, False]), judgement([True, True])]
    second = [judgement([True, True]), judgement([False, False], scored=False)]
    result = compare(first, second)
    assert result["items"] == 2 and result["items_skipped"] == 2
    assert result["agreement"] == 0.5
    assert result["coverage_mean"] == [0.75, 1.0]
