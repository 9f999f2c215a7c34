"""Exports: the run table as CSV and Parquet, one episode as an inert HTML page."""

from __future__ import annotations

import io

import pandas as pd
from builders import XSS, make_episode

from consultgym.app.data import summarize
from consultgym.app.export import episode_html, table_csv, table_parquet


def test_tables_round_trip() -> None:
    summary = summarize([make_episode(0), make_episode(1, error="boom")])
    assert pd.read_csv(io.BytesIO(table_csv(summary)))["error"].fillna("").tolist() == ["", "boom"]
    assert pd.read_parquet(io.BytesIO(table_parquet(summary))).equals(summary)


def test_episode_page_escapes_every_record_text() -> None:
    page = episode_html(make_episode(doctor_text=XSS, fallback=True), {"ask_onset": "When it <b>started</b>"})
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "When it &lt;b&gt;started&lt;/b&gt;" in page
    assert "default-src 'none'" in page  # nothing can load even if something slipped through
    assert "Reply: emitted with issues" in page  # the fallback that still leaks is not shown as clean
    assert "Inferior ST-elevation myocardial infarction" in page
