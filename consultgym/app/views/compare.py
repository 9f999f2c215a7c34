"""Compare: two runs side by side, per scenario and as distributions, and the episodes they disagree on most."""

from __future__ import annotations

import streamlit as st

from consultgym.app import widgets
from consultgym.app.cache import run_index
from consultgym.app.comparison import METRICS, disagreements, histogram, overall, per_scenario
from consultgym.app.data import RunIndex
from consultgym.app.safe import escape
from consultgym.app.views.replay import open_episode

A_KEY, B_KEY = "compare_a", "compare_b"
REPLAY_PAGE = "views/replay.py"  # relative to main.py, as st.switch_page wants it
DIFF = st.column_config.NumberColumn(format="%+.3f")
SCORE = st.column_config.NumberColumn(format="%.3f")


def render() -> None:
    st.title("Compare")
    widgets.run_uploader()
    runs = widgets.known_runs()
    if not runs:
        widgets.no_runs_hint()
        return
    path_a = widgets.pick_run("Run A", A_KEY, runs, index=0)
    path_b = widgets.pick_run("Run B", B_KEY, runs, index=1)
    metric = st.sidebar.radio("Score", METRICS, horizontal=True, key="compare_metric")
    a, b = run_index(path_a), run_index(path_b)
    if any(_unusable(run, name) for run, name in ((a, "A"), (b, "B"))):
        return
    if path_a == path_b:
        st.info("Run A and run B are the same file: pick another run in the sidebar.")
    _headline(a, b, metric)
    _per_scenario(a, b, metric)
    _distributions(a, b, metric)
    _disagreements(a, b, metric)


def _unusable(run: RunIndex, name: str) -> bool:
    if run.unusable:
        st.error(f"Run {name}: " + escape(run.problem()))
        return True
    if run.warnings:
        st.warning(f"Run {name}: {len(run.warnings)} line(s) skipped, e.g. " + escape(run.warnings[0]))
    return False


def _headline(a: RunIndex, b: RunIndex, metric: str) -> None:
    totals = overall(a.summary, b.summary, metric)
    left, right, diff = st.columns(3)
    left.metric(f"A: mean {metric}", f"{totals['mean_a']:.3f}", help=f"{totals['unscored_a']} unscored")
    right.metric(f"B: mean {metric}", f"{totals['mean_b']:.3f}", help=f"{totals['unscored_b']} unscored")
    diff.metric("B − A", f"{totals['diff']:+.3f}")
    st.caption(
        f"A: {escape(widgets.run_label(str(a.path)))} ({len(a.summary)} episodes) · "
        f"B: {escape(widgets.run_label(str(b.path)))} ({len(b.summary)} episodes)"
    )


def _per_scenario(a: RunIndex, b: RunIndex, metric: str) -> None:
    st.subheader("Per scenario")
    table = per_scenario(a.summary, b.summary, metric)
    config = {"mean_a": SCORE, "mean_b": SCORE, "diff": DIFF}
    st.dataframe(table, hide_index=True, column_config=config)


def _distributions(a: RunIndex, b: RunIndex, metric: str) -> None:
    st.subheader(f"Distribution of {metric}")
    counts = histogram(a.summary, b.summary, metric)
    st.bar_chart(counts, stack=False, x_label=metric, y_label="episodes")


def _disagreements(a: RunIndex, b: RunIndex, metric: str) -> None:
    st.subheader("Where they disagree most")
    pairs = disagreements(a.summary, b.summary, metric)
    if pairs.empty:
        st.caption("No paired episode (same scenario and seed) scores differently.")
        return
    for row in pairs.itertuples():
        text, to_a, to_b = st.columns([0.6, 0.2, 0.2], vertical_alignment="center")
        text.markdown(
            f"{escape(row.scenario_id)} · seed {row.seed}: "
            f"A {row.score_a:.3f} → B {row.score_b:.3f} (**{row.diff:+.3f}**)"
        )
        if to_a.button("Replay A", key=f"cmp-a-{row.Index}"):
            _replay(a, int(row.position_a))
        if to_b.button("Replay B", key=f"cmp-b-{row.Index}"):
            _replay(b, int(row.position_b))


def _replay(run: RunIndex, position: int) -> None:
    open_episode(str(run.path), position)
    st.switch_page(REPLAY_PAGE)


if __name__ == "__main__":
    render()
