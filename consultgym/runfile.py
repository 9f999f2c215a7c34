"""Reading and writing run files: one `Episode` JSON object per line.

Writes are one `os.write` of a whole line on an append-only descriptor, so a run killed at any moment leaves at worst
a partial last line. Reading tolerates that line and foreign records: they are skipped with a warning, never lost
(`compact` moves them to a side file before a resumed run rewrites the main one).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from consultgym.errors import RecordError
from consultgym.records import Episode


@dataclass
class RunFile:
    """The readable content of a run file."""

    path: Path
    episodes: list[Episode] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # raw lines that are not episodes


def load_run(path: str | Path) -> RunFile:
    """Read every episode of a run file; bad lines become warnings naming the line number.

    Raises:
        RecordError: the file does not exist or cannot be read.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(f"{path}: no such run file") from None
    except OSError as exc:
        raise RecordError(f"{path}: cannot read the run file ({exc})") from None
    run = RunFile(path)
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        last = number == len(lines)  # no newline after it: the write was cut short
        episode, problem = _parse_line(line)
        if episode is not None:
            run.episodes.append(episode)
            continue
        run.rejected.append(line.decode("utf-8", errors="replace"))
        what = "truncated last line (an interrupted write)" if last else problem
        run.warnings.append(f"{path}:{number}: skipped {what}")
    return run


def _parse_line(line: bytes) -> tuple[Episode | None, str]:
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, "a line that is not JSON"
    if not isinstance(data, dict) or "scenario_id" not in data or "turns" not in data:
        return None, "a record that is not a consultgym episode"
    try:
        return Episode.model_validate(data), ""
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, f"an episode that does not match the schema ({where}: {first['msg']})"


def append_episode(path: str | Path, episode: Episode) -> None:
    """Append one episode as a single line, in one write, flushed to the OS before returning."""
    append_line(path, episode.model_dump_json().encode("utf-8"))


def append_line(path: str | Path, record: bytes) -> None:
    """Append one serialised episode (JSON, no newline) as a line, in one write."""
    line = record + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def compact(path: str | Path, keep: list[Episode], rejected: list[str]) -> None:
    """Rewrite a run file with only `keep`, atomically; rejected lines go to `<name>.rejected.jsonl`."""
    path = Path(path)
    if rejected:
        with open(path.with_suffix(".rejected.jsonl"), "a", encoding="utf-8") as side:
            side.writelines(line.rstrip("\n") + "\n" for line in rejected)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.writelines(e.model_dump_json() + "\n" for e in keep)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
