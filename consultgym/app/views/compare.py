"""Compare: two runs on the episodes they share (same scenario and seed): the headline difference with its interval
and tests, the must-ask items one doctor misses more than the other, per scenario, distributions, disagreements."""

from __future__ import annotations

import math

import streamlit as st

from consultgym.app import cache, charts, comparison, items, links, state, tables, widgets
from consultgym.app.cache import run_index
from consultgym.app.data import RunIndex
from consultgym.app.safe import escape
from consultgym.app.views.replay import open_episode

REPLAY_PAGE, SIDE_PAGE = "views/replay.py", "views/side_by_side.py"  # relative to main.py, as st.switch_page wants


def render() -> None:
    st.title("Compare")
    state.link_problems()
    widgets.run_uploader()
    runs = widgets.known_runs()
    if not runs:
        widgets.no_runs_hint()
        return
    path_a, path_b = widgets.pick_pair(runs)
    metric = widgets.bound(st.sidebar.radio, "Score", state.METRIC, "reward", options=comparison.METRICS,
                           horizontal=True)  # fmt: skip
    by = widgets.bound(st.sidebar.radio, "Must-ask items", state.ITEMS_BY, "item", options=list(items.GROUPINGS),
                       format_func=tables.GROUPING_LABELS.get)  # fmt: skip
    state.publish(links.query(path_a, path_b, metric=metric, by=by))
    a, b = run_index(path_a), run_index(path_b)
    if any(_unusable(run, name) for run, name in ((a, "A"), (b, "B"))):
        return
    if path_a == path_b:
        st.info("Run A and run B are the same file: pick another run in the sidebar.")
    _runs_caption(a, b)
    result = cache.compare(path_a, path_b, metric)
    if not _pairing(result.headline):
        return
    _headline(result.headline, metric)
    _items(path_a, path_b, by)
    _per_scenario(result)
    _distributions(result, metric)
    _disagreements(a, b, result, metric)


def _unusable(run: RunIndex, name: str) -> bool:
    if run.unusable:
        st.error(f"Run {name}: " + escape(run.problem()))
        return True
    if run.warnings:
        st.warning(f"Run {name}: {len(run.warnings)} line(s) skipped, e.g. " + escape(run.warnings[0]))
    return False


def _runs_caption(a: RunIndex, b: RunIndex) -> None:
    def describe(run: RunIndex) -> str:
        return f"{escape(widgets.run_label(str(run.path)))} · doctor {escape(', '.join(run.doctors))} · " \
               f"{len(run.summary)} episodes"  # fmt: skip

    st.caption(f"**A**: {describe(a)}  \n**B**: {describe(b)}")


def _pairing(outcome: comparison.Headline) -> bool:
    """Say how the runs pair up; False when they share no scored pair (then nothing is compared)."""
    if outcome.pairs == 0:
        st.error(
            "**Not comparable: runs A and B share no (scenario, seed) pair.** A difference of their means would "
            "mix doctors with cases. Run both doctors on the same scenarios and seed (`consultgym run --scenarios "
            "X --seed N` for each).",
            icon=":material/link_off:",
        )
        return False
    left_out = outcome.unpaired_a + outcome.unpaired_b
    if left_out:
        st.warning(
            f"Compared on the {outcome.pairs} paired episodes only: {outcome.unpaired_a} episode(s) of A and "
            f"{outcome.unpaired_b} of B have no partner with the same scenario and seed and are left out.",
            icon=":material/warning:",
        )
    if outcome.unscored_a or outcome.unscored_b:
        st.caption(f"Unscored (failed or not graded), left out: A {outcome.unscored_a}, B {outcome.unscored_b}.")
    return True


def _headline(outcome: comparison.Headline, metric: str) -> None:
    low, high = outcome.ci
    left, right, diff = st.columns(3)
    left.metric(f"A: mean {metric} (paired)", f"{outcome.mean_a:.3f}")
    right.metric(f"B: mean {metric} (paired)", f"{outcome.mean_b:.3f}")
    diff.metric("B − A", f"{outcome.diff:+.3f}", help="mean over paired episodes")
    st.markdown(
        f"B − A = **{outcome.diff:+.3f}**, 95% CI [{low:+.3f}, {high:+.3f}] (paired bootstrap over "
        f"{outcome.pairs} pairs). B higher in {outcome.wins}, lower in {outcome.losses}, tied in {outcome.ties}; "
        f"sign test p = {_p(outcome.sign_p)}, paired permutation test p = {_p(outcome.permutation_p)}."
    )
    if outcome.pairs < 10:
        st.caption(f"Only {outcome.pairs} pairs: the interval and the tests say little.")


def _p(value: float) -> str:
    return "—" if math.isnan(value) else (f"{value:.3f}" if value >= 0.001 else "< 0.001")


def _items(path_a: str, path_b: str, by: str) -> None:
    st.subheader("Must-ask items: which does B miss more than A?")
    table = cache.item_differences(path_a, path_b, by)
    if table.empty:
        st.caption("No must-ask item was graded in both runs of a pair.")
        return
    st.caption(
        "Hit rates over paired episodes; B − A with a 95% paired-bootstrap interval; p from McNemar's exact test, "
        "p (Holm) adjusted over the table. Items B misses most relative to A come first."
    )
    tables.item_differences(table, key="compare_items")
    tables.downloads(table, "item-differences", key="compare_items")


def _per_scenario(result: cache.Comparison) -> None:
    st.subheader("Per scenario")
    st.dataframe(result.per_scenario, hide_index=True, column_config=tables.PER_SCENARIO)


def _distributions(result: cache.Comparison, metric: str) -> None:
    st.subheader(f"Distribution of {metric}")
    if result.binary:
        widgets.chart(charts.rate_bars(result.distribution, f"share with {metric} = 1"))
        st.caption("Share of each run's scored episodes, with its 95% Wilson interval.")
        return
    widgets.chart(charts.histogram(result.distribution, metric))
    st.caption("Each run's share of its own scored episodes per bin, so runs of different sizes compare.")


def _disagreements(a: RunIndex, b: RunIndex, result: cache.Comparison, metric: str) -> None:
    st.subheader("Where they disagree most")
    rows = result.disagreements
    if rows.empty:
        st.caption(f"Every paired episode has the same {metric} in both runs.")
        return
    for row in rows.itertuples():
        text, to_a, to_b, side = st.columns([0.55, 0.15, 0.15, 0.15], vertical_alignment="center")
        seeds = f"seed {row.seeds}" if "," not in row.seeds else f"seeds {row.seeds}"
        text.markdown(
            f"{escape(row.scenario_id)} · {escape(seeds)}: A {row.score_a:.3f} → B {row.score_b:.3f} "
            f"(**{row.diff:+.3f}**)"
        )
        if to_a.button("Replay A", key=f"cmp-a-{row.Index}"):
            _replay(a, int(row.position_a))
        if to_b.button("Replay B", key=f"cmp-b-{row.Index}"):
            _replay(b, int(row.position_b))
        if side.button("Side by side", key=f"cmp-side-{row.Index}"):
            st.session_state[state.SIDE_CASE] = int(row.position_a)
            st.switch_page(SIDE_PAGE)


def _replay(run: RunIndex, position: int) -> None:
    open_episode(str(run.path), position)
    st.switch_page(REPLAY_PAGE)


if __name__ == "__main__":
    render()
