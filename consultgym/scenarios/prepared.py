"""Data derived from a scenario, computed once per scenario and kept in one bounded cache.

Roles derive things from a scenario on every turn: the guardian's grounding vocabulary and leak patterns, the judge's
example words, the LLM patient's system prompt, the patient's answers to questions already met. Each is
built the first time it is needed and kept with the scenario it came from, in one least-recently-used cache over
scenarios (`MAX_PREPARED` of them), so memory stays bounded however many scenarios a long run meets.

Scenarios are frozen, so derived data never goes stale; entries are matched by identity, so two equal scenarios
loaded twice are prepared twice (the loader hands out one object per unchanged file).

Example:
    >>> from consultgym.scenarios.loader import load_library
    >>> @per_scenario
    ... def fact_count(scenario):
    ...     return len(scenario.facts)
    >>> scenario = load_library("starter")[0]
    >>> fact_count(scenario) == len(scenario.facts)
    True
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from consultgym.scenarios.schema import Scenario

T = TypeVar("T")
MAX_PREPARED = 1024  # scenarios kept prepared per process (the shipped library has 373)
_MISSING = object()


class PreparedScenarios:
    """A least-recently-used map from scenario to its derived data (a dict keyed by what derived it)."""

    def __init__(self, capacity: int = MAX_PREPARED) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[Scenario, dict[Hashable, Any]]] = OrderedDict()
        self._lock = threading.Lock()  # the shared loop's thread and the caller's thread may both prepare
        # The entry met last: a step asks about one scenario a dozen times, so most lookups stop here.
        self._last: tuple[Scenario, dict[Hashable, Any]] | None = None

    def get(self, scenario: Scenario, key: Hashable, build: Callable[[Scenario], T]) -> T:
        """The value `build(scenario)` under `key`, built on first use."""
        # Hits take no lock: roles look things up hundreds of times per episode. A dict read and move_to_end are each
        # atomic under the GIL; the lock only guards the read-modify-write of a miss.
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] is scenario:
            value = last[1].get(key, _MISSING)
            if value is not _MISSING:
                return value  # type: ignore[no-any-return]
        entry = self._entries.get(id(scenario))
        if entry is not None and entry[0] is scenario:
            value = entry[1].get(key, _MISSING)
            if value is not _MISSING:
                try:
                    self._entries.move_to_end(id(scenario))
                except KeyError:  # evicted by another thread meanwhile: the value is still right
                    pass
                self._last = entry
                return value  # type: ignore[no-any-return]
        with self._lock:
            data = self._data(scenario)
            if key in data:
                return data[key]  # type: ignore[no-any-return]
        value = build(scenario)  # outside the lock: a build may itself prepare other data
        with self._lock:
            return self._data(scenario).setdefault(key, value)  # type: ignore[no-any-return]

    def _data(self, scenario: Scenario) -> dict[Hashable, Any]:
        entry = self._entries.get(id(scenario))
        if entry is not None and entry[0] is scenario:
            self._entries.move_to_end(id(scenario))
            return entry[1]
        self._entries[id(scenario)] = entry = (scenario, {})
        self._entries.move_to_end(id(scenario))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return entry[1]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._last = None


PREPARED = PreparedScenarios()


def prepared(scenario: Scenario, key: Hashable, build: Callable[[Scenario], T]) -> T:
    """`build(scenario)`, computed once per (scenario, key) and kept in the shared cache."""
    return PREPARED.get(scenario, key, build)


def per_scenario(build: Callable[[Scenario], T]) -> Callable[[Scenario], T]:
    """Decorate a function of a scenario so that it runs once per scenario (results kept in the shared cache)."""

    @functools.wraps(build)
    def cached(scenario: Scenario) -> T:
        return PREPARED.get(scenario, build, build)

    return cached


def per_scenario_memo(size: int) -> Callable[[Callable[[str, Scenario], T]], Callable[[str, Scenario], T]]:
    """Decorate a function of (text, scenario) so that each answer is kept with the scenario, `size` texts at most.

    For texts that come back (replies said in the facts' own words, their clauses): a full memo is cleared rather
    than trimmed, since a policy or an LLM patient can produce endless distinct texts.
    """

    def decorate(build: Callable[[str, Scenario], T]) -> Callable[[str, Scenario], T]:
        def new_memo(scenario: Scenario) -> dict[str, T]:
            return {}

        @functools.wraps(build)
        def cached(text: str, scenario: Scenario) -> T:
            memo = PREPARED.get(scenario, new_memo, new_memo)
            value = memo.get(text, _MISSING)
            if value is _MISSING:
                if len(memo) >= size:
                    memo.clear()
                value = memo[text] = build(text, scenario)
            return value  # type: ignore[return-value]

        return cached

    return decorate
