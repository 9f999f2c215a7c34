"""Cached loaders shared by the pages: runs and comparisons keyed by path and modification time, and the scenario
catalog.

The statistics modules (`comparison`, `figures`, `items`) are imported by the functions that use them: they bring
pandas and numpy, which Replay, the page a cold start opens, does without.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from consultgym.app import charts
from consultgym.app.catalog import USER_SCENARIO_DIR, Catalog
from consultgym.app.data import RunIndex, index_run
from consultgym.app.filters import Filters
from consultgym.scenarios.loader import scenario_files

if TYPE_CHECKING:
    import pandas as pd

    from consultgym.app import comparison, figures


@st.cache_data(max_entries=16, show_spinner="Reading the run…")
def _cached_index(path: str, mtime_ns: int, size: int) -> RunIndex:
    """`index_run`, memoised: a changed mtime or size (a run still being written) makes a new key."""
    return index_run(path)


def run_index(path: str | Path) -> RunIndex:
    """The run at `path`, from the cache when the file has not changed since it was read."""
    try:
        stat = Path(path).stat()
    except OSError:
        return RunIndex(Path(path), error=f"{path}: no such run file")
    return _cached_index(str(path), stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class Comparison:
    """What the Compare page shows for two runs and a score, computed once per (runs, files' versions, score)."""

    headline: comparison.Headline
    per_scenario: pd.DataFrame
    binary: bool
    distribution: pd.DataFrame  # shares per bin, or rates with intervals when `binary`
    disagreements: pd.DataFrame


def compare(path_a: str, path_b: str, metric: str) -> Comparison:
    """The comparison of two runs on `metric`, from the cache while neither file changes."""
    return _cached_comparison(_stamp(path_a), _stamp(path_b), metric)


def item_differences(path_a: str, path_b: str, by: str) -> pd.DataFrame:
    """`consultgym.app.items.item_differences` of two runs, from the cache while neither file changes."""
    return _cached_item_differences(_stamp(path_a), _stamp(path_b), by)


@dataclass(frozen=True)
class RunView:
    """What the Run page computes for the filtered episodes of a run: figures, item hit rates, the coverage curve."""

    figures: figures.RunFigures
    hit_rates: pd.DataFrame
    curve: dict | None


def run_view(path: str, chosen: Filters, by: str) -> RunView:
    """The Run page's statistics for `path` under `chosen` filters, from the cache while the file does not change."""
    return _cached_run_view(_stamp(path), chosen, by)


@st.cache_data(max_entries=32, show_spinner="Summarising the run…")
def _cached_run_view(stamp: tuple[str, int, int], chosen: Filters, by: str) -> RunView:
    from consultgym.app import figures, items

    index = run_index(stamp[0])
    shown = chosen.apply(index.summary, index.texts)
    graded = index.items[index.items["position"].isin(shown["position"])]
    info = items.item_info(scenario_catalog().get_many(shown["scenario_id"].unique()))
    return RunView(
        figures=figures.run_figures(shown),
        hit_rates=items.hit_rates(graded, by, info) if not graded.empty else graded,
        curve=charts.run_coverage([index.curves[p] for p in shown["position"]]),
    )


def _stamp(path: str) -> tuple[str, int, int]:
    stat = Path(path).stat()
    return (str(path), stat.st_mtime_ns, stat.st_size)


@st.cache_data(max_entries=32, show_spinner="Comparing the runs…")
def _cached_comparison(a: tuple[str, int, int], b: tuple[str, int, int], metric: str) -> Comparison:
    from consultgym.app import comparison

    left, right = run_index(a[0]).summary, run_index(b[0]).summary
    binary = comparison.is_binary(left, right, metric)
    shares = comparison.rates(left, right, metric) if binary else comparison.distribution(left, right, metric)
    return Comparison(
        headline=comparison.headline(left, right, metric),
        per_scenario=comparison.per_scenario(left, right, metric),
        binary=binary,
        distribution=shares,
        disagreements=comparison.disagreements(left, right, metric),
    )


@st.cache_data(max_entries=32, show_spinner="Comparing the must-ask items…")
def _cached_item_differences(a: tuple[str, int, int], b: tuple[str, int, int], by: str) -> pd.DataFrame:
    from consultgym.app import items

    left, right = run_index(a[0]), run_index(b[0])
    info = items.item_info(scenario_catalog().get_many([*left.scenario_ids, *right.scenario_ids]))
    return items.item_differences(left.summary, left.items, right.summary, right.items, by, info)


@st.cache_resource(show_spinner=False)
def _library_paths() -> list[Path]:
    return scenario_files("all")  # the shipped library does not change while the app runs


@st.cache_resource(max_entries=4, show_spinner=False)
def _cached_catalog(user_stamps: tuple[tuple[str, int], ...]) -> Catalog:
    # A resource, not data: sessions share the frozen Scenario objects, whose per-scenario caches (keyed by object
    # identity) stay warm across reruns.
    return Catalog(_library_paths(), [Path(path) for path, _ in user_stamps])


def scenario_catalog(root: str | Path = ".") -> Catalog:
    """The shipped scenarios plus ``<root>/scenarios``, loaded lazily; a new catalog when the user's files change."""
    user_dir = Path(root) / USER_SCENARIO_DIR
    stamps: list[tuple[str, int]] = []
    if user_dir.is_dir():
        for path in scenario_files(user_dir):
            try:
                stamps.append((str(path.resolve()), path.stat().st_mtime_ns))
            except OSError:
                continue  # deleted since it was listed
    return _cached_catalog(tuple(stamps))
