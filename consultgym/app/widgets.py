"""Streamlit pieces shared by the pages: widgets whose choice survives page changes, run pickers and the filters.

Every text that comes from a record or a scenario goes through `show` (escaped markdown) or a dataframe cell; no
call here passes ``unsafe_allow_html``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from consultgym.app import state
from consultgym.app.charts import CHART_HEIGHT
from consultgym.app.data import store_upload
from consultgym.app.filters import FULL_RANGE, STATUSES, Filters
from consultgym.app.safe import escape


def show(text: object) -> None:
    """Record or scenario text, rendered as exactly its characters."""
    st.markdown(escape(text))


def remembered(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[Any],
    key: str,
    then: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Any:
    """A selectbox-like widget whose choice lives under `key`, survives page switches, and is always an option.

    The widget's own state (under ``_<key>``) is *set* to the choice on every run, never deleted: when the choice
    stops being an option (a filter removed it), the first option becomes the choice, so the browser shows the
    episode the page shows. (Deleting the widget state left the browser showing the old label.)
    `then` runs after the user changes the value.
    """
    if not options:
        raise ValueError(f"{label}: no options to choose from")
    widget_key = f"_{key}"
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    st.session_state[widget_key] = st.session_state[key]
    widget(label, options, key=widget_key, on_change=_copy_state, args=(widget_key, key, then), **kwargs)
    return st.session_state[key]


def bound(widget: Callable[..., Any], label: str, key: str, default: Any, **kwargs: Any) -> Any:
    """A widget whose value lives under the plain session key `key` (see `consultgym.app.state`)."""
    widget_key = f"_{key}"
    st.session_state[widget_key] = st.session_state.setdefault(key, default)
    widget(label, key=widget_key, on_change=_copy_state, args=(widget_key, key, None), **kwargs)
    return st.session_state[key]


def _copy_state(source: str, target: str, then: Callable[[], None] | None) -> None:
    st.session_state[target] = st.session_state[source]
    if then is not None:
        then()


def chart(spec: dict[str, Any], container: Any = st) -> None:
    """A Vega-Lite chart (`consultgym.app.charts`) across the container's width."""
    container.vega_lite_chart(spec, width="stretch", height=CHART_HEIGHT)


# Runs -----------------------------------------------------------------------------------------------------------


def run_uploader() -> None:
    """A sidebar uploader; uploaded runs join the run pickers for the rest of the session."""
    files = st.sidebar.file_uploader("Upload run files (.jsonl)", type=["jsonl", "json"], accept_multiple_files=True)
    uploaded = st.session_state.setdefault(state.UPLOADS, [])
    for file in files or []:
        path = str(store_upload(file.name, file.getvalue()))
        if path not in uploaded:
            uploaded.append(path)


def known_runs() -> list[str]:
    return state.known_runs()


def run_label(path: str) -> str:
    """A run's path relative to the working directory when it is under it (plain text for pickers)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def pick_run(
    label: str, key: str, runs: Sequence[str], index: int = 0, then: Callable[[], None] | None = None
) -> str | None:
    """A run picker in the sidebar; its choice survives page switches. None when there is no run to pick."""
    if not runs:
        return None
    if st.session_state.get(key) not in runs:
        st.session_state[key] = runs[min(index, len(runs) - 1)]
    with st.sidebar:
        return remembered(st.selectbox, label, list(runs), key, then=then, format_func=run_label)


def pick_pair(runs: Sequence[str]) -> tuple[str, str]:
    """Run A and run B for the two-run pages; A starts as the run open on the one-run pages."""
    if state.PAIR_A not in st.session_state and st.session_state.get(state.RUN) in runs:
        st.session_state[state.PAIR_A] = st.session_state[state.RUN]
    path_a = pick_run("Run A", state.PAIR_A, runs, index=0)
    others = [run for run in runs if run != path_a] or list(runs)
    path_b = pick_run("Run B", state.PAIR_B, runs, index=runs.index(others[0]))
    assert path_a is not None and path_b is not None
    return path_a, path_b


def no_runs_hint() -> None:
    st.info(
        "No run file yet. Start the app with run files (`consultgym app RUN.jsonl`), upload one in the sidebar, "
        "or put runs under `./runs`."
    )


# Filters ---------------------------------------------------------------------------------------------------------


def filter_panel(scenario_ids: Sequence[str]) -> Filters:
    """The episode filters in the sidebar, shared by the Run and Replay pages, over a run's scenarios; returns them."""
    keys = state.FILTER_KEYS
    chosen = [s for s in st.session_state.get(keys["scenarios"], []) if s in scenario_ids]
    st.session_state[keys["scenarios"]] = chosen  # a scenario of another run is not an option here
    with st.sidebar:
        st.subheader("Filter episodes")
        bound(st.text_input, "Search the dialogue", keys["search"], "", placeholder="words, all must appear")
        bound(st.multiselect, "Scenario", keys["scenarios"], [], options=scenario_ids)
        bound(st.slider, "Reward", keys["reward"], FULL_RANGE, min_value=0.0, max_value=1.0, step=0.05)
        bound(st.slider, "Coverage", keys["coverage"], FULL_RANGE, min_value=0.0, max_value=1.0, step=0.05)
        bound(st.checkbox, "Only episodes with flagged turns", keys["flagged"], False)
        bound(st.checkbox, "Only episodes that emitted a reply with issues", keys["issues"], False)
        bound(st.radio, "Status", keys["status"], "all", options=STATUSES, horizontal=True)
        current = state.filters()
        if current.active:
            st.button("Clear filters", on_click=state.clear_filters, key="filters_clear")
    return current
