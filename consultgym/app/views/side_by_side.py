"""Side by side: two doctors on the same scenario and seed, turn by turn, with the items each covered and the judge's
evidence."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from consultgym.app import comparison, judgement, links, state, widgets
from consultgym.app.cache import run_index, scenario_catalog
from consultgym.app.data import CRITICAL_WEIGHT, RunIndex
from consultgym.app.dialogue import AVATARS, PATIENT, turn_view
from consultgym.app.safe import escape
from consultgym.records import Episode
from consultgym.scenarios.schema import Scenario


def render() -> None:
    st.title("Side by side")
    state.link_problems()
    widgets.run_uploader()
    runs = widgets.known_runs()
    if not runs:
        widgets.no_runs_hint()
        return
    path_a, path_b = widgets.pick_pair(runs)
    a, b = run_index(path_a), run_index(path_b)
    for run, name in ((a, "A"), (b, "B")):
        if run.unusable:
            st.error(f"Run {name}: " + escape(run.problem()))
            return
    pairs = comparison.pair_episodes(a.summary, b.summary)
    if pairs.empty:
        state.publish(links.query(path_a, path_b))
        st.error("Runs A and B share no (scenario, seed) pair: there is no case both doctors saw.")
        return
    row = _pick_case(a, pairs)
    state.publish(links.query(path_a, path_b, episode=int(row["index_a"])))
    left, right = a.episode(int(row["position_a"])), b.episode(int(row["position_b"]))
    scenario = scenario_catalog().get(left.scenario_id)
    st.subheader(f"{escape(left.scenario_id)} · seed {left.seed}")
    if scenario is None:
        st.caption(f"Scenario {escape(left.scenario_id)} is not in the library: showing ids only.")
    _scores(left, right, a, b)
    _items(left, right, scenario)
    _dialogues(left, right, scenario)


def _pick_case(a: RunIndex, pairs: pd.DataFrame) -> pd.Series:
    """The case picker; a link's ``episode=N`` (A's episode index) or Compare's choice picks the case."""
    requested = st.session_state.pop(state.EPISODE_REQUEST, None)
    if requested is not None:
        position = a.position_of(requested)
        if position in set(pairs["position_a"]):
            st.session_state[state.SIDE_CASE] = position
        else:
            st.warning(f"Link: episode {requested} of run A has no partner in run B.")
    labels = {int(r.position_a): _case_label(r) for r in pairs.itertuples()}
    with st.sidebar:
        position = widgets.remembered(st.selectbox, "Case", list(labels), state.SIDE_CASE, format_func=labels.get)
    return pairs[pairs["position_a"] == position].iloc[0]


def _case_label(row) -> str:
    def score(value: float, error: str) -> str:
        return "error" if error else ("unscored" if math.isnan(value) else f"{value:.2f}")

    scores = f"A {score(row.reward_a, row.error_a)} · B {score(row.reward_b, row.error_b)}"
    return f"{row.scenario_id} (seed {row.seed}) {scores}"


def _scores(left: Episode, right: Episode, a: RunIndex, b: RunIndex) -> None:
    columns = st.columns(2, gap="large")
    for column, episode, run, name in ((columns[0], left, a, "A"), (columns[1], right, b, "B")):
        with column:
            st.markdown(f"**{name}** · {escape(', '.join(run.doctors))} · episode {episode.index}")
            st.markdown(judgement.episode_line(episode))
            if episode.error:
                st.error("This episode failed: " + escape(episode.error))


def _items(left: Episode, right: Episode, scenario: Scenario | None) -> None:
    """Each must-ask item: whether each doctor covered it, at which turn, and the judge's evidence."""
    st.subheader("Must-ask items")
    asks = judgement.asks_of(scenario)
    results = {}
    for name, episode in (("A", left), ("B", right)):
        for item in episode.judgement.items if episode.judgement else []:
            results.setdefault(item.id, {"weight": item.weight})[name] = item
    rows = []
    for item_id, found in results.items():
        row = {"item": item_id, "must ask": asks.get(item_id, ""),
               "critical": "⚠ critical" if found["weight"] >= CRITICAL_WEIGHT else ""}  # fmt: skip
        for name in ("A", "B"):
            item = found.get(name)
            covered = item is not None and item.covered
            row[f"{name} covered"] = covered if item is None or item.scored else None
            row[f"{name} turn"] = item.turn + 1 if covered and item.turn is not None else None
            row[f"{name} evidence"] = item.evidence if covered else ""
        rows.append(row)
    if not rows:
        st.caption("No judgement in these records.")
        return
    table = pd.DataFrame(rows)
    st.caption(
        f"A covered {int(table['A covered'].fillna(False).sum())} and B {int(table['B covered'].fillna(False).sum())}"
        f" of {len(table)} items; evidence is the doctor's words the judge credited."
    )
    st.dataframe(table, hide_index=True, key="side_items", column_config={
        "A covered": st.column_config.CheckboxColumn(), "B covered": st.column_config.CheckboxColumn(),
        "must ask": st.column_config.TextColumn(width="large"),
    })  # fmt: skip


def _dialogues(left: Episode, right: Episode, scenario: Scenario | None) -> None:
    """The two consultations turn by turn: turn N of each doctor on one row."""
    st.subheader("Dialogues, turn by turn")
    with st.chat_message(PATIENT, avatar=AVATARS[PATIENT]):
        st.markdown(escape(left.opening or (scenario.opening if scenario else "")))
    covered = {name: judgement.covered_by_turn(e.judgement, scenario) for name, e in (("A", left), ("B", right))}
    for number in range(max(len(left.turns), len(right.turns))):
        st.markdown(f"###### Turn {number + 1}")
        columns = st.columns(2, gap="large")
        for column, name, episode in ((columns[0], "A", left), (columns[1], "B", right)):
            with column:
                if number < len(episode.turns):
                    turn = episode.turns[number]
                    turn_view(turn, scenario, covered=covered[name].get(turn.index), heading=False)
                else:
                    st.caption(f"{name} had ended.")


if __name__ == "__main__":
    render()
