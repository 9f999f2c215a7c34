"""The prepared-scenario cache: derived data built once per scenario, in one bounded least-recently-used map."""

from __future__ import annotations

import gymnasium as gym

import consultgym  # noqa: F401 - registers the env ids
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.prepared import PREPARED, PreparedScenarios, per_scenario, per_scenario_memo
from consultgym.text import string_memo


def test_a_build_runs_once_per_scenario_and_key():
    scenarios = load_library("starter")[:2]
    cache = PreparedScenarios(capacity=8)
    calls = []

    def build(scenario):
        calls.append(scenario.id)
        return len(scenario.facts)

    for _ in range(3):
        assert [cache.get(s, "facts", build) for s in scenarios] == [len(s.facts) for s in scenarios]
    assert calls == [s.id for s in scenarios]
    assert cache.get(scenarios[0], "other", lambda s: "x") == "x" and len(cache) == 2  # one entry per scenario


def test_the_cache_is_bounded_and_evicts_the_least_recently_used():
    scenarios = load_library("starter")[:4]
    cache = PreparedScenarios(capacity=2)
    built = []
    for scenario in [scenarios[0], scenarios[1], scenarios[0], scenarios[2], scenarios[0], scenarios[1]]:
        cache.get(scenario, "k", lambda s: built.append(s.id) or s.id)
        assert len(cache) <= 2
    # 1 was evicted by 2 (0 had been used since), then 2 by 1 again: 0 was built once, 1 twice
    assert built == [scenarios[0].id, scenarios[1].id, scenarios[2].id, scenarios[1].id]


def test_equal_scenarios_are_told_apart_by_identity():
    first = load_library("starter")[0]
    copy = first.model_copy()
    cache = PreparedScenarios()
    cache.get(first, "k", lambda s: "first")
    assert cache.get(copy, "k", lambda s: "copy") == "copy"


def test_the_agents_share_the_one_bounded_cache():
    PREPARED.clear()
    env = gym.make("consultgym/Consultation-v0", scenarios="all")
    for seed in range(5):
        env.reset(seed=seed)
        env.step("When did it start? Any allergies?")
    env.close()
    assert 1 <= len(PREPARED) <= 5 and len(PREPARED) <= PREPARED.capacity


def test_per_scenario_keeps_the_function_name():
    @per_scenario
    def fact_ids(scenario):
        return [f.id for f in scenario.facts]

    scenario = load_library("starter")[0]
    assert fact_ids(scenario) is fact_ids(scenario) and fact_ids.__name__ == "fact_ids"


def test_a_memo_per_scenario_answers_again_and_stays_bounded():
    first, second = load_library("starter")[:2]
    calls = []

    @per_scenario_memo(3)
    def shout(text, scenario):
        calls.append((text, scenario.id))
        return f"{scenario.id}:{text.upper()}"

    assert [shout("a", first), shout("a", first), shout("a", second)] == [f"{first.id}:A"] * 2 + [f"{second.id}:A"]
    assert calls == [("a", first.id), ("a", second.id)]  # kept per scenario: the other scenario's answer is its own
    for text in "bcd":  # the fourth text fills a memo of three: it starts again
        shout(text, first)
    shout("a", first)
    assert calls.count(("a", first.id)) == 2


def test_a_text_memo_is_bounded_and_works_out_long_texts_each_time():
    calls = []

    @string_memo(2, longest=5)
    def upper(text):
        calls.append(text)
        return text.upper()

    assert [upper("ab"), upper("ab"), upper("long text"), upper("long text")] == ["AB", "AB", "LONG TEXT", "LONG TEXT"]
    assert calls == ["ab", "long text", "long text"]
    upper("cd"), upper("ef"), upper("ab")  # a third text clears the memo of two
    assert calls.count("ab") == 2
