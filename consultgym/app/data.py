"""Reading runs for the app, without Streamlit: where run files come from, loading them, and per-episode summaries.

The summary (one row per episode: scenario, scores, flagged turns, error) is what the replay filters and the compare
page work on, so neither has to walk 1,000 episodes' turns on every rerun. It is kept as plain rows, and as a pandas
DataFrame only for the pages that compute on it (Run, Compare): Replay's first paint never loads pandas, which costs
about 0.5 s of CPU at a cold start (numpy and pyarrow with it).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from consultgym.app.launch import RUNS_ENV
from consultgym.app.replies import ReplyStatus, reply_status
from consultgym.config import PRIORITY_WEIGHTS
from consultgym.errors import RecordError
from consultgym.records import Episode, Judgement
from consultgym.runfile import load_run

if TYPE_CHECKING:
    import pandas as pd

RUNS_DIR = "runs"  # searched for *.jsonl under the working directory
UPLOAD_DIR = Path(tempfile.gettempdir()) / "consultgym-app-uploads"
CRITICAL_WEIGHT = PRIORITY_WEIGHTS["critical"]


class EpisodeRow(NamedTuple):
    """One episode's line of the summary; scores are NaN when the episode failed or was unscored."""

    position: int  # in file order, 0-based
    index: int  # the record's own index (what links name)
    scenario_id: str
    seed: int
    doctor: str
    reward: float
    coverage: float
    diagnosis: float  # 1.0 correct, 0.0 wrong
    critical_missed: int
    turns: int
    guarded: int
    flagged: int
    emitted_issues: int
    fallbacks: int
    tokens: int
    duration_s: float
    diagnosis_given: str
    error: str


SUMMARY_COLUMNS = list(EpisodeRow._fields)
ITEM_COLUMNS = ["position", "scenario_id", "seed", "item", "covered", "scored", "weight", "turn"]


@dataclass
class RunIndex:
    """A run file as the app keeps it: a summary row and the JSON of each episode, the skipped lines, or an error.

    Episodes are kept as JSON text and parsed one at a time (`episode`): Streamlit's `st.cache_data` unpickles its
    value on every rerun, which takes under a millisecond for 1,000 strings but about 0.45 s for 1,000 parsed
    `Episode` objects. The DataFrames (`summary`, `items`) are built from the rows on first use, after the cache
    has pickled the index, so they are never pickled and Replay never builds them.
    """

    path: Path
    rows: list[EpisodeRow] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    item_columns: dict[str, list] = field(default_factory=dict)  # the graded items, column by column
    texts: list[str] = field(default_factory=list)  # per episode, lower case: what the search box looks in
    curves: list[list[float]] = field(default_factory=list)  # per episode: coverage after each doctor turn
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def unusable(self) -> bool:
        """Nothing to show: the file could not be read or held no episode."""
        return bool(self.error) or not self.records

    def problem(self) -> str:
        """The message for a run with nothing to show, naming the file and the first bad lines."""
        if self.error:
            return self.error
        if self.warnings:
            shown = "; ".join(self.warnings[:3])
            more = f" (and {len(self.warnings) - 3} more)" if len(self.warnings) > 3 else ""
            return f"{self.path}: no consultgym episode could be read. {shown}{more}"
        return f"{self.path}: the run file is empty"

    def episode(self, position: int) -> Episode:
        """The episode at `position` (0-based, in file order)."""
        return Episode.model_validate_json(self.records[position])

    def position_of(self, index: int) -> int | None:
        """The position of the first episode whose recorded `index` is `index` (what links name), if any."""
        return next((row.position for row in self.rows if row.index == index), None)

    @property
    def scenario_ids(self) -> list[str]:
        return sorted({row.scenario_id for row in self.rows})

    @property
    def doctors(self) -> list[str]:
        return sorted({row.doctor for row in self.rows})

    @cached_property
    def summary(self) -> pd.DataFrame:
        """The rows as a DataFrame, one row per episode (columns `SUMMARY_COLUMNS`), for the pages that compute."""
        return summary_frame(self.rows)

    @cached_property
    def items(self) -> pd.DataFrame:
        """The graded items as a DataFrame (columns `ITEM_COLUMNS`), for the item statistics."""
        return item_frame(self.item_columns)


def index_run(path: str | Path) -> RunIndex:
    """Read a run file through `consultgym.runfile.load_run` into a `RunIndex`; a read failure becomes its error."""
    path = Path(path)
    if path.is_dir():
        return RunIndex(path, error=f"{path}: is a folder, not a run file")
    try:
        run = load_run(path)
    except RecordError as exc:
        return RunIndex(path, error=str(exc))
    records = [episode.model_dump_json() for episode in run.episodes]
    return RunIndex(
        path, summary_rows(run.episodes), records, item_columns=item_columns(run.episodes),
        texts=search_texts(run.episodes), curves=[coverage_curve(e) for e in run.episodes], warnings=run.warnings,
    )  # fmt: skip


def run_files_from(argv: Sequence[str], main_file: str | Path, environ: Mapping[str, str]) -> list[Path]:
    """Run files given to the app: after ``--`` of ``streamlit run main.py -- a.jsonl`` or in $CONSULTGYM_APP_RUNS.

    `argv` counts only when it belongs to the app's own main script: under AppTest it is pytest's command line.
    """
    paths = [p for p in environ.get(RUNS_ENV, "").split(os.pathsep) if p]
    if argv and Path(argv[0]).resolve() == Path(main_file).resolve():
        paths += [a for a in argv[1:] if not a.startswith("-")]
    return _unique([Path(p).expanduser().resolve() for p in paths])


def discover_runs(root: str | Path) -> list[Path]:
    """Run files under ``<root>/runs`` (newest first), leaving out the side files of rejected lines."""
    folder = Path(root) / RUNS_DIR
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob("*.jsonl") if p.is_file() and not p.name.endswith(".rejected.jsonl")]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def store_upload(name: str, data: bytes, directory: Path = UPLOAD_DIR) -> Path:
    """Keep an uploaded run as a file, so uploads load and cache like any other run (named by content hash)."""
    directory.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).name) or "upload.jsonl"
    path = directory / f"{hashlib.sha256(data).hexdigest()[:12]}-{safe_name}"
    if not path.exists():
        path.write_bytes(data)
    return path


def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def episode_label(row: Mapping[str, object]) -> str:
    """How an episode is named in pickers: '#12 chest-pain-58m (seed 3) 0.82'."""
    reward = row["reward"]
    score = "error" if row["error"] else ("unscored" if _is_nan(reward) else f"{reward:.2f}")
    flagged = f", {row['flagged']} flagged" if row["flagged"] else ""
    return f"#{row['index']} {row['scenario_id']} (seed {row['seed']}) {score}{flagged}"


def _is_nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def summarize(episodes: Sequence[Episode]) -> pd.DataFrame:
    """`summary_rows` as a DataFrame."""
    return summary_frame(summary_rows(episodes))


def summary_rows(episodes: Sequence[Episode]) -> list[EpisodeRow]:
    """One row per episode, in file order (`position`): scores are NaN when the episode failed or was unscored.

    ``emitted_issues`` counts the turns whose emitted reply still carried a guardian issue, fallbacks included
    (`consultgym.app.replies`); ``critical_missed`` counts critical must-ask items the judge found uncovered.
    """
    rows = []
    for position, episode in enumerate(episodes):
        judgement = episode.judgement
        scored = episode.ok and judgement is not None and judgement.scored
        statuses = [reply_status(turn) for turn in episode.turns]
        rows.append(
            EpisodeRow(
                position,
                episode.index,
                episode.scenario_id,
                episode.seed,
                doctor_label(episode.config),
                judgement.reward if scored else math.nan,
                judgement.coverage if scored else math.nan,
                float(judgement.diagnosis_correct) if scored else math.nan,
                _critical_missed(judgement) if scored else 0,
                len(episode.turns),
                sum(bool(turn.verdicts) for turn in episode.turns),
                sum(turn.flagged for turn in episode.turns),
                sum(status is ReplyStatus.issue for status in statuses),
                sum(turn.fallback for turn in episode.turns),
                sum(u.prompt_tokens + u.completion_tokens for u in episode.usage.values()),
                episode.duration_s,
                (judgement.diagnosis_given or "") if judgement else "",
                episode.error,
            )
        )
    return rows


def summary_frame(rows: Sequence[EpisodeRow]) -> pd.DataFrame:
    import pandas as pd  # here, not at import: see the module's docstring

    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _critical_missed(judgement: Judgement | None) -> int:
    items = judgement.items if judgement else []
    return sum(item.scored and not item.covered and item.weight >= CRITICAL_WEIGHT for item in items)


def item_table(episodes: Sequence[Episode]) -> pd.DataFrame:
    """`item_columns` as a DataFrame."""
    return item_frame(item_columns(episodes))


def item_columns(episodes: Sequence[Episode]) -> dict[str, list]:
    """One row per must-ask item the judge graded in a completed episode (whether it was covered, and when), kept
    column by column: a 1,000-episode run grades some 8,000 items, and 8 lists unpickle on every rerun in a fraction
    of the time 8,000 tuples take (nor do they wake the garbage collector)."""
    rows = [
        (position, episode.scenario_id, episode.seed, item.id, item.covered, item.scored, item.weight, item.turn)
        for position, episode in enumerate(episodes)
        if episode.ok and episode.judgement is not None and episode.judgement.scored
        for item in episode.judgement.items
    ]
    columns = list(zip(*rows, strict=True)) or [()] * len(ITEM_COLUMNS)
    return {name: list(values) for name, values in zip(ITEM_COLUMNS, columns, strict=True)}


def item_frame(columns: Mapping[str, list]) -> pd.DataFrame:
    import pandas as pd  # here, not at import: see the module's docstring

    return pd.DataFrame(columns, columns=ITEM_COLUMNS).astype({"covered": bool, "scored": bool, "weight": float})


def coverage_curve(episode: Episode) -> list[float]:
    """Coverage after each doctor turn: the judge's curve when it has one, else the offline tally of the turns."""
    judgement = episode.judgement
    if judgement is not None and judgement.scored and judgement.curve:
        return list(judgement.curve)
    return [turn.coverage for turn in episode.turns]


def search_texts(episodes: Sequence[Episode]) -> list[str]:
    """Each episode's words for the search box: scenario, doctor, every turn, diagnosis and error, lower case."""
    texts = []
    for episode in episodes:
        judgement = episode.judgement
        parts = [episode.scenario_id, doctor_label(episode.config), episode.opening, episode.error]
        parts += [text for turn in episode.turns for text in (turn.doctor, turn.reply)]
        if judgement is not None:
            parts += [judgement.diagnosis_given or "", judgement.diagnosis_expected]
        texts.append("\n".join(parts).lower())
    return texts


def doctor_label(config: Mapping[str, object]) -> str:
    """Who played the doctor, from a record's config: 'scripted', 'llm (gpt-4o-mini)', 'human'; 'unknown' if unsaid."""
    doctor = config.get("doctor")
    if isinstance(doctor, Mapping):
        kind, model = doctor.get("kind", "unknown"), doctor.get("model")
    elif isinstance(doctor, str) and doctor:
        kind, model = doctor, config.get("doctor_model")
    else:
        return "unknown"
    return f"{kind} ({model})" if model else str(kind)


def next_episode_index(path: str | Path) -> int:
    """The index a new episode appended to `path` should take: one past the largest recorded index."""
    if not Path(path).exists():
        return 0
    return max((e.index for e in load_run(path).episodes), default=-1) + 1
