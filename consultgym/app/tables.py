"""Tables the pages share: column formats, the item tables, and their export buttons.

Record text reaches the browser only as dataframe cells (rendered as text, never as markup).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from consultgym.app.export import table_csv, table_parquet

GROUPING_LABELS = {"item": "by item id, across scenarios", "scenario": "by scenario and item"}
RATE = st.column_config.NumberColumn(format="percent")
SCORE = st.column_config.NumberColumn(format="%.3f")
DIFF = st.column_config.NumberColumn(format="%+.3f")
P_VALUE = st.column_config.NumberColumn(format="%.3f")
PER_SCENARIO = {"mean_a": SCORE, "mean_b": SCORE, "diff": DIFF}


def mark_critical(table: pd.DataFrame) -> pd.DataFrame:
    """The priority column with critical items flagged, so they stand out in a long table."""
    return table.assign(priority=table["priority"].map(lambda p: f"⚠ {p}" if p == "critical" else p))


def hit_rates(table: pd.DataFrame, key: str) -> None:
    """One run's item hit rates with their 95% intervals."""
    st.dataframe(
        mark_critical(table),
        hide_index=True,
        key=key,
        column_config={
            "ask": st.column_config.TextColumn("must ask", width="large"),
            "rate": st.column_config.ProgressColumn("hit rate", format="percent", min_value=0.0, max_value=1.0),
            "ci_low": RATE,
            "ci_high": RATE,
        },
    )


def item_differences(table: pd.DataFrame, key: str) -> None:
    """Two runs' item hit rates over paired episodes, B - A and its interval, and the tests."""
    st.dataframe(
        mark_critical(table),
        hide_index=True,
        key=key,
        column_config={
            "ask": st.column_config.TextColumn("must ask", width="large"),
            "rate_a": st.column_config.NumberColumn("rate A", format="percent"),
            "rate_b": st.column_config.NumberColumn("rate B", format="percent"),
            "diff": st.column_config.NumberColumn("B − A", format="%+.2f"),
            "ci_low": st.column_config.NumberColumn("CI low", format="%+.2f"),
            "ci_high": st.column_config.NumberColumn("CI high", format="%+.2f"),
            "missed_by_b": st.column_config.NumberColumn("A hit, B missed"),
            "missed_by_a": st.column_config.NumberColumn("B hit, A missed"),
            "p": P_VALUE,
            "p_holm": st.column_config.NumberColumn("p (Holm)", format="%.3f"),
        },
    )


def downloads(table: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Parquet downloads of a table (the data behind it, unformatted)."""
    left, right, _ = st.columns([0.2, 0.2, 0.6])
    left.download_button("CSV", table_csv(table), f"{name}.csv", "text/csv", key=f"{key}_csv",
                         icon=":material/download:", on_click="ignore")  # fmt: skip
    right.download_button("Parquet", table_parquet(table), f"{name}.parquet", "application/vnd.apache.parquet",
                          key=f"{key}_parquet", icon=":material/download:", on_click="ignore")  # fmt: skip
