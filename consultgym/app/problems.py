"""Every problem of a scenario draft at once, each with the line it is on, without Streamlit.

`parse_scenario` stops at a layer: field errors hide the cross-field checks (duplicate ids, unknown fact references,
a spoken text naming the diagnosis), and the first unknown reference hides the next. So the author would fix one
pass only to meet the next. Here a copy of the draft is repaired after each pass (a bad entry replaced by a neutral
placeholder that keeps its id, an unknown reference dropped, a missing field filled) and validated again, until it
passes or nothing more can be repaired; every problem met on the way is reported, against the author's own text.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import yaml

from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import parse_scenario

MAX_PASSES = 12
# parse_scenario joins its problems with "; ", and a problem starts with its field path ("facts.2.category: ...").
_PROBLEM_SPLIT = re.compile(r"; (?=[A-Za-z_][\w.]*: )")
_DUPLICATE = re.compile(r"^(\d+)\.id: (duplicate .*)$")
_UNKNOWN_FACT = re.compile(r"unknown fact id '([^']*)'")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_REPAIR_ID = re.compile(r"(?:, )?\b[\w-]*-duplicate-\d+\b|(?:, )?\bplaceholder-\d+\b")
_PLACEHOLDER_FACT = {"category": "hpi", "text": "placeholder"}
_PLACEHOLDER_ITEM = {"ask": "placeholder"}


@dataclass(frozen=True)
class Problem:
    """One problem: the field path ("facts.1.category"), the line it is on (1-based; 0 when unknown), the message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


def split_problems(message: str, origin: str) -> list[str]:
    """A `ScenarioError` message as one line per field problem, without the repeated origin."""
    return _PROBLEM_SPLIT.split(message.removeprefix(f"{origin}: "))


def find_problems(data: Any, text: str, template: dict[str, Any], origin: str = "<editor>") -> list[Problem]:
    """All problems of the parsed draft `data` (of YAML `text`); `template` supplies values for missing fields."""
    work = copy.deepcopy(data)
    found: list[tuple[str, str]] = []
    for _ in range(MAX_PASSES):
        try:
            parse_scenario(work, origin)
            break
        except ScenarioError as exc:
            current = [_normalise(line) for line in split_problems(str(exc), origin)]
        new = [problem for problem in current if problem not in found]
        found += new
        if not new or not isinstance(work, dict) or not any([_repair(work, path, msg, template) for path, msg in new]):
            break
    lines = LineFinder(text)
    return [Problem(path, lines.line_of(path), _without_repairs(message)) for path, message in found]


def _without_repairs(message: str) -> str:
    """A message as the author's text would give it: ids the repairs made up are not among the "known ids"."""
    return _REPAIR_ID.sub("", message).replace(": , ", ": ").rstrip(", ")


def _normalise(problem: str) -> tuple[str, str]:
    """("facts.1.id", "duplicate ...") from "facts: 1.id: duplicate ...", else the path before the first ": "."""
    path, _, message = problem.partition(": ")
    if not message:
        return ("", problem)
    duplicate = _DUPLICATE.match(message)
    if duplicate:
        return (f"{path}.{duplicate.group(1)}.id", duplicate.group(2))
    return (path, message)


def _repair(work: dict[str, Any], path: str, message: str, template: dict[str, Any]) -> bool:
    """Change the copy so that this problem cannot be reported again; False when it cannot be repaired."""
    parts = [int(p) if p.isdigit() else p for p in path.split(".")] if path else []
    if len(parts) >= 2 and parts[0] in ("facts", "must_ask") and isinstance(parts[1], int):
        return _repair_entry(work, parts[0], parts[1], parts[2:], message)
    if not parts:
        return False
    if "Extra inputs are not permitted" in message:
        return _delete(work, parts)
    if "names the diagnosis" in message:
        return _set(work, parts, _get(template, parts) or "placeholder")
    replacement = _get(template, parts)
    return _set(work, parts, replacement) if replacement is not None else _delete(work, parts)


def _repair_entry(work: dict[str, Any], section: str, index: int, rest: list, message: str) -> bool:
    entries = work.get(section)
    if not isinstance(entries, list) or index >= len(entries):
        return False
    entry = entries[index]
    unknown = _UNKNOWN_FACT.search(message)
    if unknown and isinstance(entry, dict) and isinstance(entry.get("facts"), list):
        entry["facts"] = [f for f in entry["facts"] if f != unknown.group(1)]
        return True
    if message.startswith("duplicate") and isinstance(entry, dict):
        entry["id"] = f"{entry.get('id')}-duplicate-{index}"
        return True
    if "names the diagnosis" in message and isinstance(entry, dict):
        entry["say"] = "placeholder"
        return True
    # Any other problem inside an entry: a neutral entry with the same id, so references to it still resolve.
    old_id = entry.get("id") if isinstance(entry, dict) else None
    keep_id = old_id if isinstance(old_id, str) and _SLUG.match(old_id) and rest != ["id"] else f"placeholder-{index}"
    if section == "facts":
        entries[index] = {"id": keep_id, **_PLACEHOLDER_FACT}
    else:
        facts = entry.get("facts") if isinstance(entry, dict) else None
        kept = [f for f in facts if isinstance(f, str)] if isinstance(facts, list) else []
        entries[index] = {"id": keep_id, **_PLACEHOLDER_ITEM, "facts": kept}
    return entries[index] != entry


def _get(data: Any, parts: list) -> Any:
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return copy.deepcopy(data)


def _set(work: dict[str, Any], parts: list, value: Any) -> bool:
    node: Any = work
    for part in parts[:-1]:
        if not isinstance(node, dict):
            return False
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict) or node.get(parts[-1]) == value:
        return False
    node[parts[-1]] = value
    return True


def _delete(work: dict[str, Any], parts: list) -> bool:
    parent = _get_node(work, parts[:-1])
    if isinstance(parent, dict) and parts[-1] in parent:
        del parent[parts[-1]]
        return True
    return False


def _get_node(data: Any, parts: list) -> Any:
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


class LineFinder:
    """The line (1-based) of a field path in YAML text; a missing field gives the line of its nearest parent."""

    def __init__(self, text: str) -> None:
        try:
            self.root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            self.root = None

    def line_of(self, path: str) -> int:
        node = self.root
        if node is None:
            return 0
        line = node.start_mark.line + 1
        for part in path.split(".") if path else []:
            node = self._child(node, part)
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    @staticmethod
    def _child(node: yaml.Node, part: str) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if getattr(key, "value", None) == part:
                    # A scalar value sits on its key's line; a block value starts below it: show the key's line.
                    return value if not isinstance(value, yaml.ScalarNode) else key
            return None
        if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            return node.value[int(part)]
        return None
