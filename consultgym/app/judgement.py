"""What the judge said about one episode, for Replay and Play: scores, the checklist with evidence, the chart.

Every record text goes through escaped markdown; no call here passes ``unsafe_allow_html``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from consultgym.app import charts, widgets
from consultgym.app.data import CRITICAL_WEIGHT
from consultgym.app.replies import ReplyStatus, reply_status
from consultgym.app.safe import escape
from consultgym.records import Episode, Judgement, Turn, Usage
from consultgym.scenarios.schema import Scenario

CHECK_ICONS = {
    "covered": ":green[:material/check_circle:]",
    "missed": ":gray[:material/radio_button_unchecked:]",
    "unscored": ":orange[:material/help:]",
}
CRITICAL = ":red[**critical**]"


def episode_metrics(episode: Episode) -> None:
    """Reward, coverage, diagnosis, turns, flagged turns and replies emitted with issues, in one row."""
    judgement = episode.judgement
    scored = judgement is not None and judgement.scored
    columns = st.columns(6)
    columns[0].metric("Reward", f"{judgement.reward:.2f}" if scored else "—")
    columns[1].metric("Coverage", f"{judgement.coverage:.0%}" if scored else "—")
    correct = judgement.diagnosis_correct if judgement else None
    columns[2].metric("Diagnosis", "—" if correct is None else ("correct" if correct else "wrong"))
    columns[3].metric("Turns", len(episode.turns))
    columns[4].metric("Flagged turns", sum(t.flagged for t in episode.turns), help="first draft rejected")
    issues = sum(reply_status(t) is ReplyStatus.issue for t in episode.turns)
    columns[5].metric("Replies with issues", issues, help="emitted replies that still carried a guardian issue")


def episode_line(episode: Episode) -> str:
    """The same figures as `episode_metrics`, as one line of markdown (for narrow columns)."""
    judgement = episode.judgement
    scored = judgement is not None and judgement.scored
    parts = [f"reward **{judgement.reward:.2f}**", f"coverage **{judgement.coverage:.0%}**"] if scored else ["unscored"]
    if judgement is not None:
        parts.append("diagnosis **" + ("correct" if judgement.diagnosis_correct else "wrong") + "**")
    issues = sum(reply_status(t) is ReplyStatus.issue for t in episode.turns)
    parts += [f"{len(episode.turns)} turns", f"{sum(t.flagged for t in episode.turns)} flagged",
              f"{issues} replies with issues"]  # fmt: skip
    return " · ".join(parts)


def asks_of(scenario: Scenario | None) -> dict[str, str]:
    return {item.id: item.ask for item in scenario.must_ask} if scenario else {}


def checklist(judgement: Judgement | None, scenario: Scenario | None, selected_key: str) -> None:
    """The must-ask items: covered or not, critical ones marked, the judge's evidence, and a button to its turn."""
    st.subheader("Must-ask checklist")
    if judgement is None or not judgement.items:
        st.caption("No judgement in this record.")
        return
    asks = asks_of(scenario)
    for item in judgement.items:
        icon = CHECK_ICONS["unscored" if not item.scored else ("covered" if item.covered else "missed")]
        mark, body, jump = st.columns([0.08, 0.67, 0.25], vertical_alignment="center")
        mark.markdown(icon)
        critical = f" · {CRITICAL}" if item.weight >= CRITICAL_WEIGHT else ""
        ask = f"{escape(asks[item.id])}  \n" if item.id in asks else ""  # without the scenario, the id says it
        text = f"{ask}:gray[{escape(item.id)} · weight {item.weight:g}]{critical}"
        if item.covered and item.evidence:
            text += f"  \n:gray[evidence: “{escape(item.evidence)}”]"
        body.markdown(text)
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


def covered_by_turn(judgement: Judgement | None, scenario: Scenario | None) -> dict[int, list[str]]:
    """The items the judge credited to each turn, by turn index (asks when the scenario is known)."""
    asks = asks_of(scenario)
    by_turn: dict[int, list[str]] = {}
    for item in judgement.items if judgement else []:
        if item.covered and item.turn is not None:
            by_turn.setdefault(item.turn, []).append(asks.get(item.id, item.id))
    return by_turn


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


def coverage_chart(turns: Sequence[Turn], judgement: Judgement | None, scenario: Scenario | None) -> None:
    """Coverage after each doctor turn on a fixed 0..1 axis, with a dot where items were covered."""
    st.subheader("Coverage by turn")
    spec = charts.coverage_by_turn(turns, judgement, asks_of(scenario))
    if spec is None:
        st.caption("No turns.")
        return
    widgets.chart(spec)
    st.caption("Diamonds: turns where the judge credited must-ask items (hover for which).")


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


USAGE_FIGURES: tuple[tuple[str, Callable[[Usage], object]], ...] = (
    ("calls", lambda u: u.calls),
    ("prompt tokens", lambda u: u.prompt_tokens),
    ("completion tokens", lambda u: u.completion_tokens),
    ("total tokens", lambda u: u.prompt_tokens + u.completion_tokens),
    ("latency (s)", lambda u: f"{u.latency_s:.2f}"),
    ("errors", lambda u: u.errors),
    ("cache hits", lambda u: u.cache_hits),
)


def usage_table(usage: dict[str, Usage]) -> None:
    """LLM calls and tokens per role: a markdown table with a column per role, which fits the side column (a
    dataframe would also load pandas and pyarrow, about 0.5 s of CPU, on Replay's first paint)."""
    st.subheader("Usage")
    if not usage:
        st.caption("No LLM calls (every role was offline).")
        return
    lines = [_row(["", *map(_cell, usage)]), "|---|" + "---:|" * len(usage)]
    lines += [_row([name, *(str(figure(u)) for u in usage.values())]) for name, figure in USAGE_FIGURES]
    st.markdown("\n".join(lines))


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    """Record text as one table cell: escaped (a ``|`` too), on one line."""
    return escape(" ".join(text.split()))


def judgement_panel(episode: Episode, scenario: Scenario | None, selected_key: str) -> None:
    """Everything the judge said about an episode, for the side column of replay and the end of play."""
    selected_turn(episode.turns, st.session_state.get(selected_key), episode.judgement)
    checklist(episode.judgement, scenario, selected_key)
    coverage_chart(episode.turns, episode.judgement, scenario)
    diagnosis(episode.judgement)
    usage_table(episode.usage)
