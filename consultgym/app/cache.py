"""Cached loaders shared by the pages: runs keyed by path and modification time, and the scenario catalog."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from consultgym.app.catalog import Catalog, build_catalog, scenario_paths, signature
from consultgym.app.data import RunIndex, index_run


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


@st.cache_resource(max_entries=4, show_spinner=False)
def _cached_catalog(stamps: tuple[tuple[str, int], ...]) -> Catalog:
    # A resource, not data: the sessions share the frozen Scenario objects, and the agents' per-scenario caches
    # (keyed by object identity) stay warm across reruns.
    return build_catalog([Path(path) for path, _ in stamps])


def scenario_catalog(root: str | Path = ".") -> Catalog:
    """The shipped scenarios plus ``<root>/scenarios``, reloaded when any file changes."""
    return _cached_catalog(signature(scenario_paths(root)))
