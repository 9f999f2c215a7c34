"""Per-item hit rates of a run, and the items one doctor misses more than another."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import make_episode

from consultgym.app.data import item_table, summarize
from consultgym.app.items import hit_rates, item_differences
from consultgym.records import ItemResult


def episode(index: int, scenario: str, seed: int, covered: dict[str, bool]):
    built = make_episode(index, scenario, seed)
    items = [ItemResult(id=k, covered=v, turn=0 if v else None, weight=3 if k == "bleeding" else 2)
             for k, v in covered.items()]  # fmt: skip
    return built.model_copy(update={"judgement": built.judgement.model_copy(update={"items": items})})


# Ten paired cases. A covers "onset" every time; B misses it in 6 of them. Both always cover "bleeding".
A = [episode(i, f"s{i % 5}", i, {"onset": True, "bleeding": True}) for i in range(10)]
B = [episode(i, f"s{i % 5}", i, {"onset": i >= 6, "bleeding": True}) for i in range(10)]
INFO = pd.DataFrame([(f"s{i}", "onset", "When it started", "important") for i in range(5)],
                    columns=["scenario_id", "item", "ask", "priority"])  # fmt: skip


def test_hit_rates_most_missed_first() -> None:
    table = hit_rates(item_table(B), "item", INFO)
    assert table["item"].tolist() == ["onset", "bleeding"]
    onset = table.iloc[0]
    assert (onset["episodes"], onset["hits"], onset["rate"]) == (10, 4, 0.4)
    assert onset["ci_low"] < 0.4 < onset["ci_high"] and onset["ask"] == "When it started"
    assert table.iloc[1]["priority"] == "critical" and table.iloc[1]["ask"] == ""


def test_hit_rates_by_scenario() -> None:
    table = hit_rates(item_table(B), "scenario")
    assert len(table) == 10 and set(table.columns[:2]) == {"scenario_id", "item"}


def test_what_b_misses_more_than_a_with_an_interval_and_a_test() -> None:
    table = item_differences(summarize(A), item_table(A), summarize(B), item_table(B), "item", INFO)
    onset = table.iloc[0]
    assert onset["item"] == "onset" and onset["pairs"] == 10
    assert (onset["rate_a"], onset["rate_b"], onset["diff"]) == pytest.approx((1.0, 0.4, -0.6))
    assert (onset["missed_by_b"], onset["missed_by_a"]) == (6, 0)
    assert onset["ci_high"] < 0  # the whole interval says B misses it more
    assert onset["p"] == pytest.approx(2 / 2**6)  # McNemar exact: 6 discordant pairs, all one way
    bleeding = table.iloc[1]
    assert bleeding["diff"] == 0 and bleeding["p"] == 1.0 and bleeding["priority"] == "critical"
    assert table["p_holm"].tolist() == pytest.approx([2 * 2 / 2**6, 1.0])


def test_no_shared_pair_gives_an_empty_table() -> None:
    other = [episode(0, "elsewhere", 0, {"onset": True})]
    assert item_differences(summarize(A), item_table(A), summarize(other), item_table(other)).empty
