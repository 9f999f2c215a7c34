"""Edits to scenario YAML that keep the author's comments and layout, without Streamlit (ruamel.yaml round trip).

The forms of the Author page never rebuild the file from parsed data (that drops every comment): each edit loads
the text with ruamel.yaml's round-trip loader, changes only the values edited, and dumps it with the file's own
indentation. ruamel re-wraps long lines its own way, so every top-level field, fact and must-ask item whose value
did not change keeps the author's exact text. Facts and must-ask items are edited as table rows (one per entry),
and a table edit is applied as the row changes Streamlit's data editor reports (edited, added and deleted rows).
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Mapping
from typing import Any

import yaml as plain_yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

OPTIONAL_FIELDS = {"icd10", "synonyms", "max_turns", "specialty"}  # an empty value removes these
WIDTH = 110  # where long values wrap: the width `dump_scenario` writes the library with
LIST_SEPARATOR = " | "  # list cells (keywords, examples, facts) in the tables
# Table columns -> how a cell becomes a YAML value; keys absent from a row's YAML get written only when not default.
FACT_COLUMNS = {"id": "text", "category": "text", "text": "text", "say": "text", "present": "bool", "keywords": "list"}
ITEM_COLUMNS = {"id": "text", "ask": "text", "priority": "text", "facts": "list", "examples": "list",
                "keywords": "list"}  # fmt: skip
DEFAULTS = {"say": "", "present": True, "keywords": [], "examples": [], "facts": [], "priority": "important"}


class EditError(ValueError):
    """The YAML cannot be edited this way (it does not parse, or is not a mapping of scenario fields)."""


def set_fields(text: str, paths: Mapping[str, tuple[str, ...]], values: Mapping[str, Any]) -> str:
    """The text with each named field set (`paths` maps a name to its path); other lines are kept as written.

    An empty value removes an optional field (`OPTIONAL_FIELDS`); an unchanged value is not rewritten.
    """
    data, dump = _load(text)
    for name, value in values.items():
        *parents, leaf = paths[name]
        node = data
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = CommentedMap()
            node = node[part]
        if value in (None, "", [], 0) and name in OPTIONAL_FIELDS:
            node.pop(leaf, None)
        elif node.get(leaf) != value:
            node[leaf] = _plain(value)
    return dump(data)


def table_rows(data: Any, section: str) -> list[dict[str, Any]]:
    """The entries of ``facts`` or ``must_ask`` as table rows (list cells joined with `LIST_SEPARATOR`)."""
    columns = FACT_COLUMNS if section == "facts" else ITEM_COLUMNS
    entries = data.get(section) if isinstance(data, dict) else None
    rows = []
    for entry in entries if isinstance(entries, list) else []:
        entry = entry if isinstance(entry, dict) else {}
        rows.append({column: _cell(entry.get(column, DEFAULTS.get(column)), kind) for column, kind in columns.items()})
    return rows


def apply_table_edits(text: str, section: str, edits: Mapping[str, Any]) -> str:
    """Apply a data editor's changes (``edited_rows``, ``added_rows``, ``deleted_rows``) to ``facts``/``must_ask``."""
    columns = FACT_COLUMNS if section == "facts" else ITEM_COLUMNS
    data, dump = _load(text)
    entries = data.get(section)
    if not isinstance(entries, list):
        entries = data[section] = CommentedSeq()
    for row, changes in sorted((int(k), v) for k, v in edits.get("edited_rows", {}).items()):
        if row < len(entries) and isinstance(entries[row], dict):
            for column, cell in changes.items():
                if column in columns:
                    _set_cell(entries[row], column, columns[column], cell)
    for added in edits.get("added_rows", []):
        entry = CommentedMap()
        for column, kind in columns.items():
            if column in added:
                _set_cell(entry, column, kind, added[column])
        if entry:
            entries.append(entry)
    for row in sorted(edits.get("deleted_rows", []), reverse=True):
        if 0 <= row < len(entries):
            del entries[row]
    return dump(data)


def _set_cell(entry: dict, column: str, kind: str, cell: Any) -> None:
    value = _value(cell, kind)
    if value == DEFAULTS.get(column, None) and column not in entry:
        return  # a default the YAML never spelled out stays implicit
    if value in ("", None, []) and column in DEFAULTS:
        entry.pop(column, None)
    elif entry.get(column) != value:
        entry[column] = value


def _cell(value: Any, kind: str) -> Any:
    if kind == "list":
        return (
            LIST_SEPARATOR.join(str(v) for v in value)
            if isinstance(value, list)
            else ("" if value is None else str(value))
        )
    if kind == "bool":
        return bool(value) if value is not None else True
    return "" if value is None else str(value)


def _value(cell: Any, kind: str) -> Any:
    if kind == "list":
        parts = [p.strip() for p in str(cell or "").split(LIST_SEPARATOR.strip())]
        return CommentedSeq(p for p in parts if p) if any(parts) else []
    if kind == "bool":
        return bool(cell) if cell is not None else True
    return "" if cell is None else str(cell)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()  # short lists (synonyms) read best on one line, as the template writes them
        return seq
    return value


def _load(text: str) -> tuple[CommentedMap, Any]:
    """The round-trip data of `text` and a function that dumps it back in the text's own style."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    try:
        _, sequence_indent, offset = load_yaml_guess_indent(text)
        data = yaml.load(text)
    except YAMLError as exc:
        raise EditError(f"the YAML does not parse ({' '.join(str(exc).split())}); fix it in the text first") from None
    if not isinstance(data, CommentedMap):
        raise EditError("the YAML is not a mapping of scenario fields; fix it in the text first")
    mapping_indent = _mapping_indent(text)
    yaml.indent(mapping=mapping_indent, sequence=sequence_indent or mapping_indent + 2, offset=offset or 0)

    def dump(value: Any) -> str:
        buffer = io.StringIO()
        yaml.dump(value, buffer)
        return keep_unchanged(text, buffer.getvalue())

    return data, dump


def _mapping_indent(text: str) -> int:
    """How far the text indents a nested mapping (``patient:`` then ``  age: 58``); 2 when it never does."""
    match = re.search(r"^[A-Za-z_][\w-]*:[ \t]*(?:#.*)?\n( +)[A-Za-z_][\w-]*:", text, re.MULTILINE)
    return len(match.group(1)) if match else 2


_TOP_KEY = re.compile(r"^(?![\s#-])([^:#]+):")
_ENTRY = re.compile(r"^(\s*)- ")


def keep_unchanged(old: str, new: str) -> str:
    """`new`, except that each top-level field (and each entry of a list field) whose value is the same as in `old`
    keeps its text from `old`, comments and line breaks included."""
    old_blocks = dict(_blocks(old))
    merged = []
    for key, block in _blocks(new):
        before = old_blocks.get(key)
        if before is not None and _same(before, block):
            merged.append(before)
        elif before is not None and key is not None:
            merged.append(_merge_entries(before, block))
        else:
            merged.append(block)
    return "".join(merged)


def _blocks(text: str) -> list[tuple[str | None, str]]:
    """The text cut at each top-level key: (key, its lines); leading comments form a block of key None."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if match:
            blocks.append((match.group(1).strip(), []))
        blocks[-1][1].append(line)
    return [(key, "".join(lines)) for key, lines in blocks if lines]


def _merge_entries(old: str, new: str) -> str:
    """A list field's new text, with each entry equal to an old one written as it was."""
    old_head, old_entries = _entries(old)
    new_head, new_entries = _entries(new)
    if not old_entries or not new_entries:
        return new
    unused = list(old_entries)
    merged = [old_head if _same_text(old_head, new_head) else new_head]
    for entry in new_entries:
        match = next((candidate for candidate in unused if _same_entry(candidate, entry)), None)
        if match is not None:
            unused.remove(match)
        merged.append(match if match is not None else entry)
    return "".join(merged)


def _entries(block: str) -> tuple[str, list[str]]:
    lines = block.splitlines(keepends=True)
    indents = [len(m.group(1)) for m in map(_ENTRY.match, lines) if m]
    if not indents:
        return block, []
    level = min(indents)
    head, entries = [], []
    for line in lines:
        match = _ENTRY.match(line)
        if match and len(match.group(1)) == level:
            entries.append([line])
        elif entries:
            entries[-1].append(line)
        else:
            head.append(line)
    return "".join(head), ["".join(entry) for entry in entries]


def _same(left: str, right: str) -> bool:
    return _parse(left) == _parse(right) is not _UNPARSEABLE


def _same_text(left: str, right: str) -> bool:
    return left.strip() == right.strip()


def _same_entry(left: str, right: str) -> bool:
    return _same(textwrap.dedent(left), textwrap.dedent(right))


_UNPARSEABLE = object()


def _parse(text: str) -> Any:
    try:
        return plain_yaml.safe_load(text)
    except plain_yaml.YAMLError:
        return _UNPARSEABLE
