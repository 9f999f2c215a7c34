"""Replay: pick a run and an episode, and read the consultation with everything the guardian and judge saw.

The default page, so the one a cold start waits for: it works on the run's summary rows and draws no DataFrame, and
never loads pandas (see `consultgym.app.data`).
"""

from __future__ import annotations

import json

import streamlit as st

from consultgym.app import export, judgement, links, state, widgets
from consultgym.app.cache import run_index, scenario_catalog
from consultgym.app.data import EpisodeRow, RunIndex, episode_label
from consultgym.app.dialogue import dialogue
from consultgym.app.filters import Filters
from consultgym.app.safe import escape

TURN_KEY, SHOWN_KEY = "replay_turn", "_replay_shown"
PAGE = "replay"


def open_episode(path: str, position: int) -> None:
    """Make replay show this episode of this run next time it runs (other pages' links call it)."""
    st.session_state[state.RUN] = path
    st.session_state[state.EPISODE] = position
    st.session_state.pop(state.EPISODE_REQUEST, None)
    st.session_state.pop(TURN_KEY, None)
    if position not in state_filtered_positions(path):
        state.clear_filters()  # the filters would hide the episode asked for


def state_filtered_positions(path: str) -> set[int]:
    index = run_index(path)
    return {row.position for row in state.filters().select(index.rows, index.texts)} if not index.unusable else set()


def render() -> None:
    st.title("Replay")
    state.link_problems()
    widgets.run_uploader()
    path = widgets.pick_run("Run", state.RUN, widgets.known_runs(), then=_run_changed)
    if path is None:
        widgets.no_runs_hint()
        state.publish({})
        return
    index = run_index(path)
    if not _usable(index):
        return
    filters = widgets.filter_panel(index.scenario_ids)
    position = _pick_episode(index, filters)
    shown_index = None if position is None else index.rows[position].index
    state.publish(links.query(path, episode=shown_index, filters=filters))
    if position is None:
        st.info("No episode matches the filters.")
        return
    _show_episode(index, position)


def _run_changed() -> None:
    st.session_state.pop(state.EPISODE, None)
    st.session_state.pop(TURN_KEY, None)


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


def _pick_episode(index: RunIndex, filters: Filters) -> int | None:
    """The episode picker over the filtered episodes; the chosen episode's position in the run, or None."""
    shown = filters.select(index.rows, index.texts)
    st.sidebar.caption(f"{len(shown)} of {len(index.rows)} episodes")
    _take_link_request(index, shown)
    if not shown:
        return None
    labels = {row.position: episode_label(row._asdict()) for row in shown}
    with st.sidebar:
        position = widgets.remembered(st.selectbox, "Episode", list(labels), state.EPISODE, format_func=labels.get)
    if st.session_state.get(SHOWN_KEY) != (str(index.path), position):
        st.session_state[SHOWN_KEY] = (str(index.path), position)
        st.session_state.pop(TURN_KEY, None)  # a turn selected in another episode means nothing here
    return position


def _take_link_request(index: RunIndex, shown: list[EpisodeRow]) -> None:
    """A link's ``episode=N`` names the record's index: choose it, or say why it cannot be shown."""
    requested = st.session_state.pop(state.EPISODE_REQUEST, None)
    if requested is None:
        return
    position = index.position_of(requested)
    if position is None:
        st.warning(f"Link: this run has no episode {requested}; showing the first episode instead.")
    elif position not in {row.position for row in shown}:
        st.warning(f"Link: episode {requested} is hidden by the filters; clear them to see it.")
    else:
        st.session_state[state.EPISODE] = position


def _show_episode(index: RunIndex, position: int) -> None:
    episode = index.episode(position)
    scenario = scenario_catalog().get(episode.scenario_id)
    st.subheader(f"Episode {episode.index} · {escape(episode.scenario_id)} · seed {episode.seed}")
    if scenario is None:
        st.caption(f"Scenario {escape(episode.scenario_id)} is not in the library: showing ids only.")
    if episode.error:
        st.error("This episode failed: " + escape(episode.error))
    judgement.episode_metrics(episode)
    show_facts = st.toggle("Show the hidden facts each turn revealed", key="replay_facts")
    left, right = st.columns([3, 2], gap="large")
    with left:
        dialogue(
            episode.opening or (scenario.opening if scenario else ""),
            episode.turns,
            scenario=scenario,
            show_facts=show_facts,
            selected=st.session_state.get(TURN_KEY),
            covered=judgement.covered_by_turn(episode.judgement, scenario),
        )
    with right:
        judgement.judgement_panel(episode, scenario, TURN_KEY)
        _config(episode.config)
        st.download_button(
            "Download this episode (HTML)",
            export.episode_html(episode, judgement.asks_of(scenario)),
            file_name=f"{episode.scenario_id}-episode-{episode.index}.html",
            mime="text/html",
            key="replay_export_html",
            icon=":material/download:",
            on_click="ignore",
        )


def _config(config: dict) -> None:
    """The role settings the run recorded (never keys), a line of escaped JSON per role: a JSON viewer or a dataframe
    would make the browser fetch and run one more script before the first paint (and a dataframe load pandas)."""
    if not config:
        return
    with st.expander("Run configuration"):
        st.markdown(
            "  \n".join(f"**{escape(role)}**: {escape(json.dumps(settings))}" for role, settings in config.items())
        )


if __name__ == "__main__":
    render()
