"""Replay: pick a run and an episode, and read the consultation with everything the guardian and judge saw."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from consultgym.app import widgets
from consultgym.app.cache import run_index, scenario_catalog
from consultgym.app.data import STATUSES, RunIndex, episode_label, filter_summary
from consultgym.app.safe import escape

RUN_KEY, EPISODE_KEY, TURN_KEY = "replay_run", "replay_episode", "replay_turn"


def open_episode(path: str, position: int) -> None:
    """Make replay show this episode of this run next time it runs (the compare page's links call it)."""
    st.session_state[RUN_KEY] = path
    st.session_state[EPISODE_KEY] = position
    st.session_state.pop(TURN_KEY, None)


def render() -> None:
    st.title("Replay")
    widgets.run_uploader()
    path = widgets.pick_run("Run", RUN_KEY, widgets.known_runs())
    if path is None:
        widgets.no_runs_hint()
        return
    index = run_index(path)
    if not _usable(index):
        return
    position = _pick_episode(index)
    if position is None:
        st.info("No episode matches the filters.")
        return
    _show_episode(index, position)


def _usable(index: RunIndex) -> bool:
    """Show why a run cannot be replayed, or the lines it skipped; False when there is nothing to show."""
    if index.unusable:
        st.error(escape(index.problem()))
        return False
    if index.warnings:
        with st.expander(f"{len(index.warnings)} line(s) of this run were skipped", icon=":material/warning:"):
            for warning in index.warnings:
                st.markdown("- " + escape(warning))
    return True


def _pick_episode(index: RunIndex) -> int | None:
    """The sidebar filters and the episode picker; the chosen episode's position in the run, or None."""
    summary = index.summary
    with st.sidebar:
        st.subheader("Filter episodes")
        scenarios = st.multiselect("Scenario", sorted(summary["scenario_id"].unique()), key="replay_scenarios")
        score_range = st.slider("Reward", 0.0, 1.0, (0.0, 1.0), step=0.05, key="replay_score")
        flagged_only = st.checkbox("Only episodes with flagged turns", key="replay_flagged")
        status = st.radio("Status", STATUSES, horizontal=True, key="replay_status")
    shown = filter_summary(summary, scenarios, score_range, flagged_only, status)
    st.sidebar.caption(f"{len(shown)} of {len(summary)} episodes")
    if shown.empty:
        return None
    labels = {int(row.position): episode_label(row._asdict()) for row in shown.itertuples()}
    with st.sidebar:
        position = widgets.remembered(
            st.selectbox, "Episode", list(labels), EPISODE_KEY, format_func=labels.__getitem__
        )
    if st.session_state.get("_replay_shown") != (index.path, position):
        st.session_state["_replay_shown"] = (index.path, position)
        st.session_state.pop(TURN_KEY, None)  # a turn selected in another episode means nothing here
    return position


def _show_episode(index: RunIndex, position: int) -> None:
    episode = index.episode(position)
    scenario = scenario_catalog().scenarios.get(episode.scenario_id)
    st.subheader(f"Episode {episode.index} · {escape(episode.scenario_id)} · seed {episode.seed}")
    if scenario is None:
        st.caption(f"Scenario {escape(episode.scenario_id)} is not in the library: showing ids only.")
    if episode.error:
        st.error("This episode failed: " + escape(episode.error))
    widgets.episode_metrics(episode)
    show_facts = st.toggle("Show the hidden facts each turn revealed", key="replay_facts")
    left, right = st.columns([3, 2], gap="large")
    with left:
        widgets.dialogue(
            episode.opening or (scenario.opening if scenario else ""),
            episode.turns,
            scenario=scenario,
            show_facts=show_facts,
            selected=st.session_state.get(TURN_KEY),
        )
    with right:
        widgets.judgement_panel(episode, scenario, TURN_KEY)
        _config(episode.config)


def _config(config: dict) -> None:
    """The role settings the run recorded (never keys), as a table of text cells."""
    if not config:
        return
    with st.expander("Run configuration"):
        rows = [{"role": role, "settings": str(settings)} for role, settings in config.items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True)


if __name__ == "__main__":
    render()
