"""The consultation as chat bubbles, with what the guardian found in each reply, for Replay, Play and Side by side.

Every record text goes through `show` (escaped markdown); no call here passes ``unsafe_allow_html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from consultgym.app.replies import ReplyStatus, emitted_issues, reply_status
from consultgym.app.safe import escape
from consultgym.app.widgets import show
from consultgym.records import Turn
from consultgym.scenarios.schema import Scenario

DOCTOR, PATIENT = "doctor", "patient"
# Material icons ship with Streamlit's frontend, so they show even where no emoji font is installed.
AVATARS = {DOCTOR: ":material/stethoscope:", PATIENT: ":material/person:"}
SELECTED = ":orange[:material/arrow_back: selected]"
REVEALED = ":material/search:"
STATUS_NOTES = {
    ReplyStatus.revised: ":gray[Revised: the guardian rejected earlier drafts and approved this one.]",
    ReplyStatus.fallback: ":gray[Fact-only fallback, approved by the guardian.]",
    ReplyStatus.neutral: ":gray[Neutral line: the fallback failed its check too; nothing was revealed.]",
    ReplyStatus.unchecked_fallback: ":orange[:material/help: Fact-only fallback that no guardian verdict checked.]",
    ReplyStatus.issue: ":red[:material/error: Emitted with guardian issues]",
}


def dialogue(
    opening: str,
    turns: Sequence[Turn],
    *,
    scenario: Scenario | None = None,
    show_facts: bool = False,
    show_guardian: bool = True,
    selected: int | None = None,
    covered: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """The patient's opening, then each doctor turn and the patient's reply.

    Args:
        covered: the must-ask items the judge credited to each turn (by turn index), shown under the doctor's text.
    """
    with st.chat_message(PATIENT, avatar=AVATARS[PATIENT]):
        show(opening)
    for turn in turns:
        with st.container(border=turn.index == selected):
            turn_view(
                turn, scenario, show_facts, show_guardian, turn.index == selected, (covered or {}).get(turn.index)
            )


def turn_view(
    turn: Turn,
    scenario: Scenario | None,
    show_facts: bool = False,
    show_guardian: bool = True,
    selected: bool = False,
    covered: Sequence[str] | None = None,
    heading: bool = True,
) -> None:
    """One doctor turn and the patient's reply."""
    if heading:  # a heading per turn gives the page an anchor (#turn-3) that the checklist can link to
        st.markdown(f"###### Turn {turn.index + 1}")
    if selected:
        st.caption(SELECTED)
    with st.chat_message(DOCTOR, avatar=AVATARS[DOCTOR]):
        show(turn.doctor)
        if turn.kind != "ask":
            st.caption(escape(turn.kind))
        if covered:
            st.caption(":green[:material/check_circle:] covers " + escape(", ".join(covered)))
    status = reply_status(turn)
    if status is ReplyStatus.ended:
        st.caption("The consultation ended here.")
        return
    with st.chat_message(PATIENT, avatar=AVATARS[PATIENT]):
        show(turn.reply)
        if show_guardian:
            guardian_note(turn, status)
        if show_facts:
            revealed_facts(turn.facts_revealed, scenario)


def guardian_note(turn: Turn, status: ReplyStatus) -> None:
    """What the guardian made of the emitted reply, and its drafts when any was rejected."""
    note = STATUS_NOTES.get(status)
    if note:
        issues = emitted_issues(turn)
        detail = ": " + "; ".join(f"{escape(i.kind.value)} “{escape(i.text)}”" for i in issues) if issues else ""
        st.caption(note + detail)
    if turn.flagged or (not status.clean_reply and status is not ReplyStatus.unguarded):
        guardian_details(turn)


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
        status = reply_status(turn)
        st.markdown(f"**Emitted reply** · {escape(status.value)}" + (" · fact-only fallback" if turn.fallback else ""))
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
