"""What the pages share in the Streamlit session, and the URL that mirrors it.

Choices live under plain session keys (below), not under widget keys: Streamlit forgets a widget's state when a page
that does not draw it runs, so the run, the episode and the filters would not survive a page change. Each page writes
its view into the query string (`publish`), so the address bar is always a link to what is on screen; a link
opened in a browser is applied once, at the start of its session (`follow_link`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import streamlit as st

from consultgym.app import links
from consultgym.app.data import discover_runs, run_files_from
from consultgym.app.filters import Filters
from consultgym.app.launch import APP_MAIN

# The run of the one-run pages (Run, Replay), the two runs of the two-run pages (Compare, Side by side).
RUN, PAIR_A, PAIR_B = "run", "pair_a", "pair_b"
EPISODE, EPISODE_REQUEST, SIDE_CASE = "episode", "episode_request", "side_case"
METRIC, ITEMS_BY, UPLOADS = "metric", "items_by", "uploaded_runs"
FILTER_KEYS = {
    "scenarios": "filter_scenarios",
    "reward": "filter_reward",
    "coverage": "filter_coverage",
    "flagged": "filter_flagged",
    "issues": "filter_issues",
    "status": "filter_status",
    "search": "filter_search",
}
_PUBLISHED, _LINK_PROBLEMS = "_published_query", "_link_problems"


def known_runs() -> list[str]:
    """Run files given on the command line, then uploaded ones, then those under ./runs (newest first)."""
    paths = [str(p) for p in run_files_from(sys.argv, APP_MAIN, os.environ)]
    paths += st.session_state.get(UPLOADS, [])
    paths += [str(p.resolve()) for p in discover_runs(Path.cwd())]
    return list(dict.fromkeys(paths))


def current_query() -> dict[str, tuple[str, ...]]:
    return {name: tuple(st.query_params.get_all(name)) for name in st.query_params}


def follow_link() -> str | None:
    """Apply the URL's query string to the session when it is not the one the app last wrote; the page it names.

    Returns the ``page`` parameter (for ``/?page=replay&...``), so the caller can switch to that page.
    """
    query = current_query()
    if not query or query == st.session_state.get(_PUBLISHED):
        return None
    link = links.parse(query, known_runs(), Path.cwd())
    st.session_state[_PUBLISHED] = query  # applied once: later reruns keep what the user does next
    st.session_state[_LINK_PROBLEMS] = list(link.problems)
    if link.run:
        st.session_state[RUN] = st.session_state[PAIR_A] = link.run
        st.session_state.pop(EPISODE, None)
    if link.run_b:
        st.session_state[PAIR_B] = link.run_b
    if link.episode is not None:
        st.session_state[EPISODE_REQUEST] = link.episode
    if link.metric:
        st.session_state[METRIC] = link.metric
    if link.by:
        st.session_state[ITEMS_BY] = link.by
    set_filters(link.filters)
    return link.page


def link_problems() -> None:
    """Say once what a followed link asked for that the app could not do."""
    for problem in st.session_state.pop(_LINK_PROBLEMS, []):
        st.warning("Link: " + problem, icon=":material/link_off:")


def publish(params: Mapping[str, str | Sequence[str]]) -> None:
    """Make the address bar a link to this view (and remember it, so it is not applied again as a new link)."""
    normalized = {k: tuple([v] if isinstance(v, str) else v) for k, v in params.items()}
    if normalized != current_query():
        st.query_params.from_dict({k: list(v) if len(v) > 1 else v[0] for k, v in normalized.items()})
    st.session_state[_PUBLISHED] = normalized


def filters() -> Filters:
    """The filters as the session holds them."""
    values = {name: st.session_state[key] for name, key in FILTER_KEYS.items() if key in st.session_state}
    if "scenarios" in values:
        values["scenarios"] = tuple(values["scenarios"])
    for name in ("reward", "coverage"):
        if name in values:
            values[name] = tuple(values[name])
    return Filters(**values)


def set_filters(value: Filters) -> None:
    for name, key in FILTER_KEYS.items():
        setting = getattr(value, name)
        st.session_state[key] = list(setting) if name == "scenarios" else setting


def clear_filters() -> None:
    set_filters(Filters())
