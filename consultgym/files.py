"""Reading files a user hands us: regular files only, a byte cap checked before reading, YAML without duplicate keys.

Every check happens before the content is read or parsed, so a FIFO named ``case.yaml`` cannot hang a command,
``/dev/zero`` cannot fill memory, and a 200 MB file is refused in microseconds. Errors are one line naming the file
and what to do, raised as the caller's error class (`ScenarioError`, `ConfigError`, `RecordError`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from consultgym.errors import ConsultGymError

MAX_SCENARIO_BYTES = 1_048_576  # the largest shipped scenario has 16 kB
MAX_CONFIG_BYTES = 262_144
MAX_RECORD_LINE_BYTES = 33_554_432  # one episode: 100 turns of 4,000-character turns with drafts fit in a few MB


def read_capped(path: Path, max_bytes: int, what: str, error: type[ConsultGymError]) -> bytes:
    """The bytes of a regular file of at most `max_bytes`.

    The file is opened without blocking and checked on the open descriptor, so it cannot be swapped for a FIFO
    between the check and the read.

    Raises:
        error: missing, unreadable, not a regular file, or larger than `max_bytes`.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: {file_kind(info.st_mode)}, not a regular file; a {what} must be a regular file")
        if info.st_size > max_bytes:
            raise error(f"{path}: {info.st_size:,} bytes, more than a {what} may have ({max_bytes:,})")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while we read
        raise error(f"{path}: more than {max_bytes:,} bytes, more than a {what} may have")
    return data


def file_kind(mode: int) -> str:
    """'a folder', 'a FIFO', 'a device' ...: what a path is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def is_regular_or_absent(path: Path) -> bool:
    """True for a regular file or a path that does not exist yet (what an output file may be)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


class SafeYAMLLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, but a repeated key is an error, and a value that cannot be built is a YAML error at its line.

    A repeated key would otherwise silently replace the first (a second ``diagnosis:`` wins), so it names both lines.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<: *base' may override keys on purpose
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
                seen.setdefault(key, key_node.start_mark.line)
            except TypeError:  # an unhashable key: the constructor reports it
                continue
            if first is not None:
                problem = f"duplicate key {clip(str(key), 60)!r} (first at line {first + 1}); a key may appear once"
                raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        return mapping

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors leak ValueError, KeyError, AttributeError ...
            # ... for values such as '2001-13-01' or '!!timestamp title': report them as YAML errors at their line.
            problem = f"cannot build a {node.tag.rsplit(':', 1)[-1]} from this value ({type(exc).__name__}: {exc})"
            raise yaml.constructor.ConstructorError(None, None, clip(problem, 200), node.start_mark) from None


def load_yaml_bytes(raw: bytes, origin: str, error: type[ConsultGymError]) -> Any:
    """Parse UTF-8 YAML (JSON is YAML) with `SafeYAMLLoader`; errors name the line and column.

    Raises:
        error: not UTF-8, not valid YAML, a duplicate key, or nested too deeply for the parser.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{origin}: not UTF-8 text at line {line} (byte {exc.start}); save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=SafeYAMLLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line, whatever the parser said
        raise error(f"{origin}: not valid YAML{_yaml_where(exc, text)}: {problem}") from None
    except RecursionError:
        raise error(f"{origin}: not valid YAML: nested too deeply") from None


def _yaml_where(exc: yaml.YAMLError, text: str) -> str:
    """' at line L, column C' from a YAML error's mark, or from a reader error's character position."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f" at line {mark.line + 1}, column {mark.column + 1}"
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        return f" at line {text.count(chr(10), 0, position) + 1}"
    return ""


def check_shape(
    data: Any, origin: str, max_depth: int, max_nodes: int, error: type[ConsultGymError], what: str = "document"
) -> None:
    """Reject a parsed document nested deeper than `max_depth` or holding more than `max_nodes` values.

    Iterative, so it is safe on any depth; it stops at the first bound crossed, so repeated aliases cannot make it
    slow. The message names the field path where the bound was crossed.
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    seen = 0
    while stack:
        value, path = stack.pop()
        seen += 1
        if len(path) > max_depth:
            raise error(f"{origin}: {_path(path)}: nested deeper than {max_depth} levels, deeper than a {what} goes")
        if seen > max_nodes:
            raise error(
                f"{origin}: {_path(path)}: more than {max_nodes} values, more than a {what} holds "
                "(a YAML alias counts once per use)"
            )
        if isinstance(value, dict):
            stack.extend((child, (*path, key)) for key, child in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((child, (*path, index)) for index, child in enumerate(value))


def _path(path: tuple[Any, ...]) -> str:
    """A field path as an error names it ('turns.3.reply'); spelled only for the value that crossed a bound."""
    return ".".join(map(str, path)) or "(top level)"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with '...' when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
