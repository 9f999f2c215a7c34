"""Reading and writing run files: one `Episode` JSON object per line, and the manifest beside them.

Writes are one `os.write` of a whole line on an append-only descriptor, so a run killed at any moment leaves at worst
a partial last line. Reading checks every line before it counts: a line that is not JSON, too long, nested too deep,
holds NaN or infinity, breaks the schema (value ranges included), has another schema version, belongs to another run,
or repeats an episode already read is skipped with a warning naming its line, never lost (`compact` moves such lines
to a side file before a resumed run rewrites the main one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from consultgym.config import RECORD_SCHEMA_VERSION
from consultgym.errors import RecordError
from consultgym.files import MAX_CONFIG_BYTES, MAX_RECORD_LINE_BYTES, check_shape, file_kind, read_capped
from consultgym.records import Episode, RunManifest

MAX_RECORD_DEPTH = 16  # an episode nests 8 levels (turns > verdicts > issues > facts); more is not an episode
MAX_RECORD_VALUES = 2_000_000


@dataclass
class RunFile:
    """The readable content of a run file."""

    path: Path
    run_id: str = ""  # the run the file belongs to: its manifest's, else its first episode's
    episodes: list[Episode] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # raw lines that are not episodes of this run


def manifest_path(out: str | Path) -> Path:
    """Where the manifest of a run file lives: ``<out>.manifest.json``."""
    out = Path(out)
    return out.with_suffix(out.suffix + ".manifest.json")


def read_manifest(out: str | Path) -> RunManifest | None:
    """The manifest beside a run file, None when there is none.

    Raises:
        RecordError: the manifest exists but cannot be read or does not validate.
    """
    path = manifest_path(out)
    if not os.path.lexists(path):
        return None
    raw = read_capped(path, MAX_CONFIG_BYTES, "run manifest", RecordError)
    try:
        return RunManifest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RecordError(
            f"{path}: not a consultgym run manifest ({where}: {first['msg']}); move it away to start afresh"
        ) from None


def load_run(path: str | Path, run_id: str | None = None) -> RunFile:
    """Read every episode of a run file; bad and foreign lines become warnings naming the line number.

    Args:
        path: the run file.
        run_id: the run whose episodes to keep (default: the manifest's run id, else the first episode's).

    Raises:
        RecordError: the file does not exist, is not a regular file, or cannot be read.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise RecordError(f"{path}: no such run file") from None
    except OSError as exc:
        raise RecordError(f"{path}: cannot read the run file ({exc.strerror or exc})") from None
    if not os.path.isfile(path):  # a FIFO would block, /dev/zero would fill memory
        raise RecordError(f"{path}: {file_kind(info.st_mode)}, not a regular file; a run file must be a regular file")
    if run_id is None:
        manifest = read_manifest(path)
        run_id = manifest.run_id if manifest is not None else None
    reader = _Reader(RunFile(path, run_id or ""), decided=run_id is not None)
    with open(path, "rb") as handle:
        for number, (line, too_long) in enumerate(_lines(handle), start=1):
            reader.read(number, line, too_long)
    return reader.run


def _lines(handle: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """The file's lines, and whether each was too long (then cut, so one huge line cannot fill memory)."""
    while line := handle.readline(MAX_RECORD_LINE_BYTES + 1):
        if len(line) <= MAX_RECORD_LINE_BYTES or line.endswith(b"\n"):
            yield line, False
            continue
        while (rest := handle.readline(MAX_RECORD_LINE_BYTES)) and not rest.endswith(b"\n"):
            pass  # skip the rest of the long line
        yield line[:200], True


@dataclass
class _Reader:
    """Sorts the lines of one run file into its episodes and the rejected rest."""

    run: RunFile
    decided: bool  # whether the run id is known (else the first episode decides it)
    seen: dict[tuple[int, str, int], int] = field(default_factory=dict)

    def read(self, number: int, line: bytes, too_long: bool) -> None:
        if not line.strip():
            return
        episode, problem = (None, f"a line longer than {MAX_RECORD_LINE_BYTES:,} bytes") if too_long else _parse(line)
        if episode is not None:
            problem = self._keep(number, episode)
            if not problem:
                return
        elif not line.endswith(b"\n") and problem.startswith("a line that is not JSON"):
            problem = "truncated last line (an interrupted write)"
        self.run.rejected.append(line.decode("utf-8", errors="replace").rstrip("\n"))
        self.run.warnings.append(f"{self.run.path}:{number}: skipped {problem}")

    def _keep(self, number: int, episode: Episode) -> str:
        """Keep an episode of this run not seen before; otherwise say why not."""
        if not self.decided:
            self.run.run_id, self.decided = episode.run_id, True
        if episode.run_id != self.run.run_id:
            return f"an episode of run {episode.run_id!r}, not of this run ({self.run.run_id!r})"
        if episode.key in self.seen:
            return f"a repeat of the episode at line {self.seen[episode.key]} (index, scenario, seed {episode.key})"
        self.seen[episode.key] = number
        self.run.episodes.append(episode)
        return ""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number a run file may hold")


def _parse(line: bytes) -> tuple[Episode | None, str]:
    try:
        data = json.loads(line, parse_constant=_no_constants)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, "a line that is not JSON"
    except ValueError as exc:
        return None, f"a line with a value JSON does not allow ({exc})"
    except RecursionError:
        return None, f"a line nested deeper than {MAX_RECORD_DEPTH} levels"
    if not isinstance(data, dict) or "scenario_id" not in data or "turns" not in data:
        return None, "a record that is not a consultgym episode"
    version = data.get("schema_version")
    if version != RECORD_SCHEMA_VERSION:
        return None, f"an episode of schema version {version!r}; this consultgym reads version {RECORD_SCHEMA_VERSION}"
    try:
        check_shape(data, "line", MAX_RECORD_DEPTH, MAX_RECORD_VALUES, RecordError, "run record")
        return Episode.model_validate(data), ""
    except RecordError:
        return None, f"a line nested deeper than {MAX_RECORD_DEPTH} levels or holding too many values"
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, f"an episode that does not match the schema ({where}: {first['msg']})"


def append_episode(path: str | Path, episode: Episode) -> None:
    """Append one episode as a single line, in one write, flushed to the OS before returning.

    Raises:
        RecordError: the line could not be written whole (disk full, no permission ...).
    """
    line = (episode.model_dump_json() + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        problem = exc.strerror or str(exc)
        raise RecordError(f"{path}: cannot write the episode ({problem}); free space or choose another --out") from None
    if written != len(line):
        raise RecordError(f"{path}: only {written} of {len(line)} bytes of an episode were written; is the disk full?")


def compact(path: str | Path, keep: list[Episode], rejected: list[str]) -> None:
    """Rewrite a run file with only `keep`, atomically; rejected lines go to `<name>.rejected.jsonl`.

    Raises:
        RecordError: the file could not be rewritten.
    """
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        if rejected:
            with open(path.with_suffix(".rejected.jsonl"), "a", encoding="utf-8") as side:
                side.writelines(line.rstrip("\n") + "\n" for line in rejected)
        with open(tmp, "w", encoding="utf-8") as out:
            out.writelines(e.model_dump_json() + "\n" for e in keep)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise RecordError(f"{path}: cannot rewrite the run file ({exc.strerror or exc})") from None
