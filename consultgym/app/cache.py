"""Cached loaders shared by the pages: runs keyed by path and modification time, and the scenario catalog."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from consultgym.app.catalog import USER_SCENARIO_DIR, Catalog
from consultgym.app.data import RunIndex, index_run
from consultgym.scenarios.loader import scenario_files


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
