"""Editing a scenario as YAML text, without Streamlit: validate (every problem at once, with its line), lint, save.

The YAML text is the source of truth (it keeps the author's comments); the forms and tables edit it through
`consultgym.app.yaml_edit`, which keeps comments too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from consultgym.app.catalog import USER_SCENARIO_DIR
from consultgym.app.problems import LineFinder, Problem, find_problems
from consultgym.authoring.gold import lint
from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import check_shape, parse_scenario
from consultgym.scenarios.schema import Scenario

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
    """What the editor shows about the current text: the scenario if valid, every problem, and lint warnings."""

    scenario: Scenario | None = None
    data: dict[str, Any] | None = None  # the parsed mapping, even when it does not validate
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [str(problem) for problem in self.problems]


def check_yaml(text: str, origin: str = "<editor>") -> Check:
    """Parse, validate and lint scenario YAML; every problem becomes a message with its line, never an exception."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        where = f" at column {mark.column + 1}" if mark else ""
        return Check(problems=[Problem("", mark.line + 1 if mark else 0, f"not valid YAML{where}: {problem}")])
    check = Check(data=data if isinstance(data, dict) else None)
    try:
        check_shape(data, origin)  # bounds first: a document built to be huge is not walked again below
        check.scenario = parse_scenario(data, origin)
    except ScenarioError:
        check.problems = find_problems(data, text, _template_data(), origin)
        return check
    check.warnings = lint(check.scenario)
    return check


def entry_lines(text: str, section: str, count: int) -> list[int | None]:
    """The line where each of the first `count` entries of ``facts`` or ``must_ask`` starts (None if unknown)."""
    finder = LineFinder(text)
    lines = [finder.line_of(f"{section}.{index}") for index in range(count)]
    section_line = finder.line_of(section)
    # line_of falls back to the parent's line for an entry it cannot find: that is no entry's line.
    return [line if line and (index == 0 or line != section_line) else None for index, line in enumerate(lines)]


def _template_data() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE)


def main_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The current values of the form's fields (None where the YAML has none)."""
    values = {}
    for name, path in MAIN_FIELDS.items():
        node: Any = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        values[name] = node
    return values


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
