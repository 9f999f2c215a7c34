"""Editing a scenario as YAML text, without Streamlit: validate, lint, gold-check, edit the main fields, save.

The YAML text is the source of truth (it keeps the author's comments); the main-fields form edits its parsed data
and writes it back.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from consultgym.app.catalog import USER_SCENARIO_DIR
from consultgym.authoring.gold import lint
from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import parse_scenario
from consultgym.scenarios.schema import Scenario

# parse_scenario joins its problems with "; ", and a problem starts with its field path ("facts.2.category: ...").
_PROBLEM_SPLIT = re.compile(r"; (?=[A-Za-z_][\w.]*: )")

TEMPLATE = """\
# A new scenario. The fields are described in consultgym/scenarios/schema.py.
id: new-scenario
title: Cough in a 30-year-old woman
specialty: general
source: {dataset: my-scenarios, license: CC-BY-4.0, reference: ""}
patient: {age: 30, sex: female, persona: "a teacher, talks plainly", style: plain}
opening: I've had this cough for a while and it won't go away.
facts:
  - id: onset
    category: hpi
    text: Cough began 3 weeks ago.
    say: It started about three weeks ago.
    keywords: [onset]
  - id: no_fever
    category: ros
    text: No fever.
    say: "No, no fever."
    present: false
    keywords: [fever]
must_ask:
  - id: ask_onset
    ask: When the cough started
    priority: important
    facts: [onset]
    examples: ["When did it start?"]
  - id: ask_fever
    ask: Whether there is a fever
    priority: routine
    facts: [no_fever]
    examples: ["Any fever?"]
diagnosis:
  name: Post-viral cough
  synonyms: [postinfectious cough]
"""

# The main fields the form edits: label -> path in the scenario mapping.
MAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title",),
    "specialty": ("specialty",),
    "opening": ("opening",),
    "age": ("patient", "age"),
    "sex": ("patient", "sex"),
    "persona": ("patient", "persona"),
    "diagnosis": ("diagnosis", "name"),
    "icd10": ("diagnosis", "icd10"),
    "synonyms": ("diagnosis", "synonyms"),
    "max_turns": ("max_turns",),
}


@dataclass
class Check:
    """What the editor shows about the current text: the scenario if valid, its errors and lint warnings."""

    scenario: Scenario | None = None
    data: dict[str, Any] | None = None  # the parsed mapping, even when it does not validate
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_yaml(text: str, origin: str = "<editor>") -> Check:
    """Parse, validate (`parse_scenario`) and lint scenario YAML; problems become messages, never exceptions."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return Check(errors=[f"{origin}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"])
    check = Check(data=data if isinstance(data, dict) else None)
    try:
        check.scenario = parse_scenario(data, origin)
    except ScenarioError as exc:
        check.errors = split_problems(str(exc), origin)
        return check
    check.warnings = lint(check.scenario)
    return check


def split_problems(message: str, origin: str) -> list[str]:
    """A `ScenarioError` message as one line per field problem, without the repeated origin."""
    return _PROBLEM_SPLIT.split(message.removeprefix(f"{origin}: "))


def main_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The current values of the form's fields (None where the YAML has none)."""
    values = {}
    for name, path in MAIN_FIELDS.items():
        node: Any = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        values[name] = node
    return values


def apply_fields(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of `data` with the form's values set; an empty value removes an optional field."""
    result = copy.deepcopy(data)
    for name, value in values.items():
        *parents, leaf = MAIN_FIELDS[name]
        node = result
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if value in (None, "", [], 0) and name in {"icd10", "synonyms", "max_turns", "specialty"}:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return result


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def default_path(scenario_id: str | None) -> Path:
    """Where a scenario is saved unless the author says otherwise: ``./scenarios/<id>.yaml``."""
    return Path(USER_SCENARIO_DIR) / f"{scenario_id or 'new-scenario'}.yaml"


def save_yaml(text: str, path: str | Path, overwrite: bool = False) -> Path:
    """Write the YAML text as it is (comments kept).

    Raises:
        FileExistsError: the file exists and `overwrite` is False.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; tick 'overwrite' to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path
