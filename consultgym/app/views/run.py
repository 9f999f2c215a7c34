"""Run: one run at a glance: its figures with intervals, the episode table, per-item hit rates, the coverage curve,
the distributions, and exports."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from consultgym.app import cache, charts, comparison, figures, items, links, state, tables, widgets
from consultgym.app.cache import run_index
from consultgym.app.data import RunIndex
from consultgym.app.filters import Filters
from consultgym.app.safe import escape
from consultgym.app.views.replay import open_episode

REPLAY_PAGE = "views/replay.py"
TABLE_COLUMNS = ["replay", "index", "scenario_id", "seed", "doctor", "reward", "coverage", "diagnosis",
                 "critical_missed", "turns", "flagged", "emitted_issues", "fallbacks", "tokens", "diagnosis_given",
                 "error"]  # fmt: skip


def render() -> None:
    st.title("Run")
    state.link_problems()
    widgets.run_uploader()
    path = widgets.pick_run("Run", state.RUN, widgets.known_runs())
    if path is None:
        widgets.no_runs_hint()
        state.publish({})
        return
    index = run_index(path)
    if index.unusable:
        st.error(escape(index.problem()))
        return
    filters = widgets.filter_panel(index.scenario_ids)
    by = widgets.bound(st.sidebar.radio, "Must-ask items", state.ITEMS_BY, "item", options=list(items.GROUPINGS),
                       format_func=tables.GROUPING_LABELS.get)  # fmt: skip
    state.publish(links.query(path, filters=filters, by=by))
    shown = filters.apply(index.summary, index.texts)
    st.caption(f"{escape(widgets.run_label(path))} · doctor {escape(', '.join(index.doctors))}")
    view = cache.run_view(path, filters, by)
    _summary(view.figures, len(shown), len(index.summary), filters)
    if shown.empty:
        st.info("No episode matches the filters.")
        return
    _episodes(index, shown, filters)
    _items(index, view.hit_rates)
    _curve(view.curve)
    _distributions(shown)


def _summary(numbers: figures.RunFigures, shown: int, total: int, filters: Filters) -> None:
    st.subheader("Summary" + (f" of the {shown} filtered episodes (of {total})" if filters.active else ""))
    cells = st.columns(5)
    cells[0].metric("Episodes", numbers.episodes, help=f"errors {numbers.errors}, unscored {numbers.unscored}")
    cells[1].metric("Reward", _mean(numbers.reward_mean), help="mean over scored episodes")
    cells[2].metric("Coverage", _mean(numbers.coverage_mean), help="weighted must-ask coverage")
    cells[3].metric("Diagnosis accuracy", _mean(numbers.diagnosis_accuracy))
    cells[4].metric("Turns", _mean(numbers.turns_mean, "{:.1f}"))
    st.markdown(
        f"Reward 95% CI {_ci(numbers.reward_ci)} · coverage 95% CI {_ci(numbers.coverage_ci)} · diagnosis accuracy "
        f"95% CI {_ci(numbers.diagnosis_ci)} · errors {numbers.errors} · unscored {numbers.unscored}  \n"
        f"Guardian: first draft rejected in {numbers.draft_flag_rate:.1%} of replies · **emitted with issues "
        f"{numbers.emitted_issue_rate:.1%}** (fact-only fallbacks included) · fallbacks {numbers.fallback_rate:.1%}"
        f" · critical items missed per episode {_mean(numbers.critical_missed_mean, '{:.2f}')}"
    )
    with st.expander("How the reward is computed", icon=":material/functions:"):
        st.markdown(figures.reward_formula())


def _mean(value: float, pattern: str = "{:.3f}") -> str:
    return "—" if math.isnan(value) else pattern.format(value)


def _ci(bounds: tuple[float, float]) -> str:
    low, high = bounds
    return "—" if math.isnan(low) else f"[{low:.3f}, {high:.3f}]"


def _episodes(index: RunIndex, shown: pd.DataFrame, filters: Filters) -> None:
    st.subheader("Episodes")
    st.caption("Click a column header to sort; select a row to open it, or follow its link (a new tab).")
    table = shown.assign(
        replay=[
            links.url("replay", links.query(str(index.path), episode=int(i), filters=filters)) for i in shown["index"]
        ]  # fmt: skip
    )[TABLE_COLUMNS]
    event = st.dataframe(
        table,
        hide_index=True,
        key="run_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "replay": st.column_config.LinkColumn("open", display_text="replay"),
            "reward": tables.SCORE,
            "coverage": tables.RATE,
            "diagnosis": st.column_config.CheckboxColumn("diagnosis ✓"),
            "critical_missed": st.column_config.NumberColumn("critical missed"),
            "emitted_issues": st.column_config.NumberColumn("replies with issues"),
        },
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        position = int(shown.iloc[rows[0]]["position"])
        label = f"Open episode {int(shown.iloc[rows[0]]['index'])} in Replay"
        if st.button(label, type="primary", key="run_open", icon=":material/play_circle:"):
            open_episode(str(index.path), position)
            st.switch_page(REPLAY_PAGE)
    tables.downloads(table.drop(columns="replay"), f"{index.path.stem}-episodes", key="run_table")


def _items(index: RunIndex, table: pd.DataFrame) -> None:
    st.subheader("Must-ask items: hit rates")
    if table.empty:
        st.caption("No graded must-ask item in these episodes.")
        return
    st.caption("Share of episodes that covered each item, with a 95% Wilson interval; the most missed first.")
    tables.hit_rates(table, key="run_items")
    tables.downloads(table, f"{index.path.stem}-items", key="run_items")


def _curve(spec: dict | None) -> None:
    st.subheader("Coverage by turn")
    if spec is None:
        st.caption("No turns.")
        return
    widgets.chart(spec)
    st.caption(
        "Mean coverage after each doctor turn (line) and the 25th–75th percentile band; an episode that "
        "ended keeps its final coverage."
    )


def _distributions(shown: pd.DataFrame) -> None:
    st.subheader("Distributions")
    left, right = st.columns(2)
    for column, metric in ((left, "reward"), (right, "coverage")):
        shares = comparison.distribution(shown, shown, metric)
        widgets.chart(charts.histogram(shares, metric, runs=("A",)), column)
    rates = comparison.rates(shown, shown, "diagnosis").head(1).assign(run="this run")
    widgets.chart(charts.rate_bars(rates, "diagnosis accuracy"))


if __name__ == "__main__":
    render()
