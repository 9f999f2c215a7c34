"""Episode filters: what they keep, and how they travel in a link."""

from __future__ import annotations

from builders import make_episode

from consultgym.app.data import search_texts, summarize
from consultgym.app.filters import Filters

EPISODES = [
    make_episode(0, "a", reward=0.1),
    make_episode(1, "b", reward=0.9, doctor_text="Any cough or fever?"),
    make_episode(2, "a", error="boom"),
    make_episode(3, "c", reward=0.6, fallback=True),
]


def positions(filters: Filters) -> list[int]:
    summary = summarize(EPISODES)
    return filters.apply(summary, search_texts(EPISODES))["position"].tolist()


def test_each_filter() -> None:
    assert positions(Filters()) == [0, 1, 2, 3]
    assert positions(Filters(scenarios=("a",))) == [0, 2]
    assert positions(Filters(reward=(0.5, 1.0))) == [1, 3]  # unscored episodes leave a narrowed range
    assert positions(Filters(status="errors")) == [2]
    assert positions(Filters(status="completed")) == [0, 1, 3]
    assert positions(Filters(flagged=True)) == [0, 1, 2, 3]  # every built episode has a flagged turn
    assert positions(Filters(issues=True)) == [3]  # the fallback that still leaks
    assert positions(Filters(search="COUGH fever")) == [1]
    assert positions(Filters(coverage=(0.5, 1.0))) == []


def test_round_trip_through_query_parameters() -> None:
    chosen = Filters(scenarios=("a", "b"), reward=(0.25, 1.0), flagged=True, status="errors", search="chest pain")
    params = chosen.to_params()
    assert params == {"scenario": ["a", "b"], "reward": "0.25-1", "flagged": "1", "status": "errors",
                      "q": "chest pain"}  # fmt: skip
    assert Filters.from_params(params) == chosen
    assert Filters().to_params() == {} and not Filters().active


def test_bad_parameters_are_named_not_fatal() -> None:
    read = Filters.from_params({"reward": "high", "status": "maybe", "scenario": "x,y"})
    assert read.scenarios == ("x", "y") and read.reward == (0.0, 1.0) and read.status == "all"
    assert read.problems == (
        "reward='high' is not a range like 0.5-1",
        "status='maybe' is not one of all, completed, errors",
    )
