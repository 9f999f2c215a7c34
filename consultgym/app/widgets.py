"""Streamlit pieces shared by the pages: run pickers, the dialogue as chat bubbles, the judgement panel.

Every text that comes from a record or a scenario goes through `show` (escaped markdown) or a dataframe cell; no
call here passes ``unsafe_allow_html``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from consultgym.app.data import discover_runs, run_files_from, store_upload
from consultgym.app.launch import APP_MAIN
from consultgym.app.safe import escape
from consultgym.envs.session import ENDED
from consultgym.records import Episode, Judgement, Turn, Usage
from consultgym.scenarios.schema import Scenario

DOCTOR, PATIENT = "doctor", "patient"
# Material icons ship with Streamlit's frontend, so they show even where no emoji font is installed.
AVATARS = {DOCTOR: ":material/stethoscope:", PATIENT: ":material/person:"}
SELECTED = ":orange[:material/arrow_back: selected]"
REVEALED = ":material/search:"
CHECK_ICONS = {
    "covered": ":green[:material/check_circle:]",
    "missed": ":gray[:material/radio_button_unchecked:]",
    "unscored": ":orange[:material/help:]",
}
UPLOADS_KEY = "uploaded_runs"


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
    """A selectbox-like widget whose choice survives page switches; `then` runs after the user changes it.

    Streamlit drops a widget's state when a page that does not draw it runs, so the choice is also kept under
    `key` (a plain session value that another page may set, e.g. compare opening an episode in replay).
    """
    widget_key = f"_{key}"
    if st.session_state.get(key) in options:
        st.session_state[widget_key] = st.session_state[key]
    elif widget_key in st.session_state and st.session_state[widget_key] not in options:
        del st.session_state[widget_key]
    value = widget(label, options, key=widget_key, on_change=_copy_state, args=(widget_key, key, then), **kwargs)
    st.session_state[key] = value
    return value


def _copy_state(source: str, target: str, then: Callable[[], None] | None) -> None:
    st.session_state[target] = st.session_state[source]
    if then is not None:
        then()


# Runs -----------------------------------------------------------------------------------------------------------


def run_uploader() -> None:
    """A sidebar uploader; uploaded runs join the run pickers for the rest of the session."""
    files = st.sidebar.file_uploader("Upload run files (.jsonl)", type=["jsonl", "json"], accept_multiple_files=True)
    uploaded = st.session_state.setdefault(UPLOADS_KEY, [])
    for file in files or []:
        path = str(store_upload(file.name, file.getvalue()))
        if path not in uploaded:
            uploaded.append(path)


def known_runs() -> list[str]:
    """Run files given on the command line, then uploaded ones, then those under ./runs (newest first)."""
    paths = [str(p) for p in run_files_from(sys.argv, APP_MAIN, os.environ)]
    paths += st.session_state.get(UPLOADS_KEY, [])
    paths += [str(p.resolve()) for p in discover_runs(Path.cwd())]
    return list(dict.fromkeys(paths))


def run_label(path: str) -> str:
    """A run's path relative to the working directory when it is under it (plain text for pickers)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def pick_run(label: str, key: str, runs: Sequence[str], index: int = 0) -> str | None:
    """A run picker in the sidebar; its choice survives page switches. None when there is no run to pick."""
    if not runs:
        return None
    if st.session_state.get(key) not in runs:
        st.session_state[key] = runs[min(index, len(runs) - 1)]
    with st.sidebar:
        return remembered(st.selectbox, label, list(runs), key, format_func=run_label)


def no_runs_hint() -> None:
    st.info(
        "No run file yet. Start the app with run files (`consultgym app RUN.jsonl`), upload one in the sidebar, "
        "or put runs under `./runs`."
    )


# Dialogue --------------------------------------------------------------------------------------------------------


def dialogue(
    opening: str,
    turns: Sequence[Turn],
    *,
    scenario: Scenario | None = None,
    show_facts: bool = False,
    show_guardian: bool = True,
    selected: int | None = None,
) -> None:
    """The consultation as chat bubbles: the patient's opening, then each doctor turn and the patient's reply."""
    with st.chat_message(PATIENT, avatar=AVATARS[PATIENT]):
        show(opening)
    for turn in turns:
        with st.container(border=turn.index == selected):
            _turn(turn, scenario, show_facts, show_guardian, turn.index == selected)


def _turn(turn: Turn, scenario: Scenario | None, show_facts: bool, show_guardian: bool, selected: bool) -> None:
    # A heading per turn gives the page an anchor (#turn-3) that the checklist can link to.
    st.markdown(f"###### Turn {turn.index + 1}")
    if selected:
        st.caption(SELECTED)
    with st.chat_message(DOCTOR, avatar=AVATARS[DOCTOR]):
        show(turn.doctor)
        if turn.kind != "ask":
            st.caption(escape(turn.kind))
    if turn.reply == ENDED:
        st.caption("The consultation ended here.")
        return
    with st.chat_message(PATIENT, avatar=AVATARS[PATIENT]):
        show(turn.reply)
        if turn.fallback_issue:
            st.caption("Neutral line: the fact-only fallback failed the guardian's check too, so nothing was revealed.")
        elif turn.fallback:
            st.caption("Fact-only fallback: the guardian rejected every draft.")
        if show_guardian and (turn.flagged or turn.emitted_with_issues):
            guardian_details(turn)
        if show_facts:
            revealed_facts(turn.facts_revealed, scenario)


def guardian_details(turn: Turn) -> None:
    """An expander with each draft, the guardian's verdict and issues, and the reply that was emitted."""
    rejected = sum(not v.ok for v in turn.verdicts)
    with st.expander(f"Guardian flagged this reply: {rejected} draft(s) rejected", icon=":material/warning:"):
        for number, (draft, verdict) in enumerate(zip(turn.drafts, turn.verdicts, strict=False), start=1):
            status = "accepted" if verdict.ok else "rejected"
            st.markdown(f"**Draft {number}** · {status} · {escape(verdict.source)}")
            show(draft)
            for issue in verdict.issues:
                detail = f" — {escape(issue.detail)}" if issue.detail else ""
                st.markdown(f"- **{escape(issue.kind.value)}**: “{escape(issue.text)}”{detail}")
            if verdict.error:
                st.caption(escape(f"guardian error: {verdict.error}"))
        st.markdown("**Emitted reply**" + (" · fact-only fallback" if turn.fallback else ""))
        show(turn.reply)


def revealed_facts(fact_ids: Sequence[str], scenario: Scenario | None) -> None:
    """The hidden facts a turn revealed, with their text when the scenario is known."""
    if not fact_ids:
        st.caption("No fact revealed.")
        return
    for fact_id in fact_ids:
        fact = scenario.fact_index.get(fact_id) if scenario else None
        text = f"{fact_id} ({fact.category.value}): {fact.text}" if fact else fact_id
        st.caption(f"{REVEALED} " + escape(text))


# Judgement -------------------------------------------------------------------------------------------------------


def episode_metrics(episode: Episode) -> None:
    """Reward, coverage, diagnosis, turns and flagged turns in one row."""
    judgement = episode.judgement
    columns = st.columns(5)
    columns[0].metric("Reward", f"{judgement.reward:.2f}" if judgement and judgement.scored else "—")
    columns[1].metric("Coverage", f"{judgement.coverage:.0%}" if judgement and judgement.scored else "—")
    correct = judgement.diagnosis_correct if judgement else None
    columns[2].metric("Diagnosis", "—" if correct is None else ("correct" if correct else "wrong"))
    columns[3].metric("Turns", len(episode.turns))
    columns[4].metric("Flagged turns", sum(t.flagged for t in episode.turns))


def checklist(judgement: Judgement | None, scenario: Scenario | None, selected_key: str) -> None:
    """The must-ask items, each with the turn that covered it; its button selects that turn (see `dialogue`)."""
    st.subheader("Must-ask checklist")
    if judgement is None or not judgement.items:
        st.caption("No judgement in this record.")
        return
    asks = {item.id: item.ask for item in scenario.must_ask} if scenario else {}
    for item in judgement.items:
        icon = CHECK_ICONS["unscored" if not item.scored else ("covered" if item.covered else "missed")]
        mark, body, jump = st.columns([0.08, 0.67, 0.25], vertical_alignment="center")
        mark.markdown(icon)
        body.markdown(f"{escape(asks.get(item.id, item.id))}  \n:gray[{escape(item.id)} · weight {item.weight:g}]")
        if item.covered and item.turn is not None:
            jump.button(
                f"turn {item.turn + 1}",
                key=f"{selected_key}-{item.id}",
                on_click=_select,
                args=(selected_key, item.turn),
                help="Show this turn in the dialogue",
            )


def _select(key: str, turn: int) -> None:
    st.session_state[key] = turn


def selected_turn(turns: Sequence[Turn], index: int | None, judgement: Judgement | None) -> None:
    """The turn chosen from the checklist: what was asked and answered, and the items it covered."""
    if index is None or not 0 <= index < len(turns):
        return
    turn = turns[index]
    with st.container(border=True):
        st.markdown(f"**Turn {index + 1}** · [show in the dialogue](#turn-{index + 1})")
        st.markdown("**Doctor:** " + escape(turn.doctor))
        st.markdown("**Patient:** " + escape(turn.reply))
        covered = [item.id for item in (judgement.items if judgement else []) if item.turn == index and item.covered]
        if covered:
            st.caption("Covered: " + escape(", ".join(covered)))


def coverage_chart(turns: Sequence[Turn], judgement: Judgement | None) -> None:
    """Coverage after each doctor turn: the offline tally of the turns, and the judge's curve when it has one."""
    st.subheader("Coverage by turn")
    series = {"turns (offline)": [t.coverage for t in turns]}
    if judgement and judgement.curve:
        series["judge"] = list(judgement.curve)
    length = max((len(v) for v in series.values()), default=0)
    if length == 0:
        st.caption("No turns.")
        return
    padded = {name: values + [float("nan")] * (length - len(values)) for name, values in series.items()}
    frame = pd.DataFrame(padded, index=pd.RangeIndex(1, length + 1, name="turn"))
    st.line_chart(frame, x_label="doctor turn", y_label="coverage")


def diagnosis(judgement: Judgement | None) -> None:
    """The diagnosis given and the one expected."""
    st.subheader("Diagnosis")
    if judgement is None:
        st.caption("No judgement in this record.")
        return
    verdict = (
        ":green[:material/check: correct]" if judgement.diagnosis_correct else ":red[:material/close: not correct]"
    )
    st.markdown(
        f"**Given:** {escape(judgement.diagnosis_given or '(none)')}  \n"
        f"**Expected:** {escape(judgement.diagnosis_expected or '(unknown)')}  \n{verdict}"
    )
    if not judgement.scored:
        st.warning("Unscored: " + escape(judgement.error or "the judge failed"))


def usage_table(usage: dict[str, Usage]) -> None:
    """LLM calls and tokens per role."""
    st.subheader("Usage")
    if not usage:
        st.caption("No LLM calls (every role was offline).")
        return
    rows = [
        {
            "role": role,
            "calls": u.calls,
            "prompt tokens": u.prompt_tokens,
            "completion tokens": u.completion_tokens,
            "total tokens": u.prompt_tokens + u.completion_tokens,
            "latency (s)": round(u.latency_s, 2),
            "errors": u.errors,
            "cache hits": u.cache_hits,
        }
        for role, u in usage.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def judgement_panel(episode: Episode, scenario: Scenario | None, selected_key: str) -> None:
    """Everything the judge said about an episode, for the side column of replay and the end of play."""
    selected_turn(episode.turns, st.session_state.get(selected_key), episode.judgement)
    checklist(episode.judgement, scenario, selected_key)
    coverage_chart(episode.turns, episode.judgement)
    diagnosis(episode.judgement)
    usage_table(episode.usage)
