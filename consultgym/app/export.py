"""Exports, without Streamlit: a table as CSV or Parquet, one episode as a static HTML page.

The HTML page is self-contained and inert: every record text is HTML-escaped, there is no script, and its content
security policy forbids loading anything, so a reply that contains ``<script>`` or ``<img onerror=...>`` is text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING

from consultgym.app.replies import ReplyStatus, reply_status
from consultgym.records import Episode, Turn

if TYPE_CHECKING:  # the tables come from the pages that built them; Replay's HTML export needs no pandas
    import pandas as pd

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; line-height: 1.45; color: #222; }
.turn { border-top: 1px solid #ddd; padding: .5rem 0; }
.doctor { background: #eef4fb; padding: .4rem .7rem; border-radius: .4rem; }
.patient { background: #f6f6f6; padding: .4rem .7rem; border-radius: .4rem; margin-top: .3rem; }
.status { font-size: .85rem; color: #555; }
.issue { color: #a00; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; }
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def table_csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False).encode("utf-8")


def table_parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)  # pyarrow comes with streamlit
    return buffer.getvalue()


def episode_html(episode: Episode, asks: Mapping[str, str] | None = None, title: str = "") -> str:
    """One episode as a standalone HTML page: the dialogue, the guardian's findings and the judgement."""
    asks = asks or {}
    heading = title or f"Episode {episode.index} · {episode.scenario_id} · seed {episode.seed}"
    parts = [
        "<!doctype html>",
        f'<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{escape(heading)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(heading)}</h1>",
    ]
    if episode.error:
        parts.append(f'<p class="issue">This episode failed: {escape(episode.error)}</p>')
    parts.append(f'<div class="patient"><b>Patient</b>: {_text(episode.opening)}</div>')
    parts += [_turn(turn) for turn in episode.turns]
    parts.append(_judgement(episode, asks))
    parts.append("</body></html>")
    return "\n".join(parts)


def _turn(turn: Turn) -> str:
    status = reply_status(turn)
    html = [f'<div class="turn" id="turn-{turn.index + 1}"><h3>Turn {turn.index + 1}</h3>',
            f'<div class="doctor"><b>Doctor</b> ({escape(turn.kind)}): {_text(turn.doctor)}</div>']  # fmt: skip
    if status is ReplyStatus.ended:
        html.append('<p class="status">The consultation ended here.</p></div>')
        return "".join(html)
    html.append(f'<div class="patient"><b>Patient</b>: {_text(turn.reply)}</div>')
    css = "status" if status.clean_reply or status is ReplyStatus.unguarded else "status issue"
    html.append(f'<p class="{css}">Reply: {escape(status.value)}</p>')
    for number, (draft, verdict) in enumerate(zip(turn.drafts, turn.verdicts, strict=False), start=1):
        if verdict.ok:
            continue
        issues = "; ".join(f"{issue.kind.value}: “{issue.text}”" for issue in verdict.issues)
        html.append(f'<p class="status">Draft {number} rejected ({escape(issues)}): {_text(draft)}</p>')
    html.append("</div>")
    return "".join(html)


def _judgement(episode: Episode, asks: Mapping[str, str]) -> str:
    judgement = episode.judgement
    if judgement is None:
        return "<h2>Judgement</h2><p>No judgement in this record.</p>"
    rows = "".join(
        f"<tr><td>{'✓' if item.covered else ('?' if not item.scored else '✗')}</td>"
        f"<td>{escape(asks.get(item.id, item.id))}</td><td>{escape(item.id)}</td><td>{item.weight:g}</td>"
        f"<td>{'' if item.turn is None else item.turn + 1}</td><td>{escape(item.evidence)}</td></tr>"
        for item in judgement.items
    )
    score = f"reward {judgement.reward:.3f}, coverage {judgement.coverage:.1%}" if judgement.scored else "unscored"
    verdict = "correct" if judgement.diagnosis_correct else "not correct"
    return (
        f"<h2>Judgement</h2><p>{escape(score)}; diagnosis given: {escape(judgement.diagnosis_given or '(none)')}, "
        f"expected: {escape(judgement.diagnosis_expected)} ({verdict})"
        "</p><table><tr><th></th><th>must ask</th><th>id</th><th>weight</th><th>turn</th><th>evidence</th></tr>"
        f"{rows}</table>"
    )


def _text(text: str) -> str:
    return escape(text).replace("\n", "<br>")
