"""Reading runs for the app, without Streamlit: where run files come from, loading them, and per-episode summaries.

The summary table (one row per episode: scenario, scores, flagged turns, error) is what the replay filters and the
compare page work on, so neither has to walk 1,000 episodes' turns on every rerun.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from consultgym.app.launch import RUNS_ENV
from consultgym.errors import RecordError
from consultgym.records import Episode
from consultgym.runfile import load_run

RUNS_DIR = "runs"  # searched for *.jsonl under the working directory
UPLOAD_DIR = Path(tempfile.gettempdir()) / "consultgym-app-uploads"
STATUSES = ("all", "completed", "errors")
SUMMARY_COLUMNS = [
    "position",
    "index",
    "scenario_id",
    "seed",
    "reward",
    "coverage",
    "diagnosis",
    "turns",
    "flagged",
    "error",
]


@dataclass
class RunIndex:
    """A run file as the app keeps it: a summary row and the JSON of each episode, the skipped lines, or an error.

    Episodes are kept as JSON text and parsed one at a time (`episode`): Streamlit's `st.cache_data` unpickles its
    value on every rerun, which takes under a millisecond for 1,000 strings but about 0.45 s for 1,000 parsed
    `Episode` objects.
    """

    path: Path
    summary: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))
    records: list[str] = field(default_factory=list)
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
    return RunIndex(path, summarize(run.episodes), records, run.warnings)


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
    """One row per episode, in file order (`position`): scores are NaN when the episode failed or was unscored."""
    rows = []
    for position, episode in enumerate(episodes):
        judgement = episode.judgement
        scored = episode.ok and judgement is not None and judgement.scored
        rows.append(
            (
                position,
                episode.index,
                episode.scenario_id,
                episode.seed,
                judgement.reward if scored else math.nan,
                judgement.coverage if scored else math.nan,
                float(judgement.diagnosis_correct) if scored else math.nan,
                len(episode.turns),
                sum(turn.flagged for turn in episode.turns),
                episode.error,
            )
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def filter_summary(
    summary: pd.DataFrame,
    scenarios: Sequence[str] = (),
    score_range: tuple[float, float] = (0.0, 1.0),
    flagged_only: bool = False,
    status: str = "all",
) -> pd.DataFrame:
    """The episodes that pass the replay filters.

    Args:
        scenarios: keep only these scenario ids (empty keeps all).
        score_range: inclusive bounds on the reward; episodes without a score pass only when the range is the full
            0..1 (a narrowed range asks for scored episodes).
        flagged_only: keep episodes with at least one turn the guardian flagged.
        status: "all", "completed" (no error) or "errors" (failed episodes only).
    """
    keep = pd.Series(True, index=summary.index)
    if scenarios:
        keep &= summary["scenario_id"].isin(list(scenarios))
    low, high = score_range
    in_range = summary["reward"].between(low, high)
    keep &= in_range | (summary["reward"].isna() & (low <= 0.0) & (high >= 1.0))
    if flagged_only:
        keep &= summary["flagged"] > 0
    if status == "completed":
        keep &= summary["error"] == ""
    elif status == "errors":
        keep &= summary["error"] != ""
    return summary[keep]


def next_episode_index(path: str | Path) -> int:
    """The index a new episode appended to `path` should take: one past the largest recorded index."""
    if not Path(path).exists():
        return 0
    return max((e.index for e in load_run(path).episodes), default=-1) + 1
