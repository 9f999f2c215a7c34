"""Read scenarios from YAML files, folders and the shipped library, with errors that name file and field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from consultgym.errors import ScenarioError
from consultgym.scenarios.schema import Scenario

LIBRARY_ROOT = Path(__file__).parent / "library"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def library_names() -> list[str]:
    """Names of the shipped libraries (sub-folders of scenarios/library), plus 'all'."""
    return sorted(p.name for p in LIBRARY_ROOT.iterdir() if p.is_dir()) + ["all"]


def parse_scenario(data: Any, origin: str = "<scenario>") -> Scenario:
    """Validate a mapping as a Scenario, turning pydantic's report into one ScenarioError naming each field path."""
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{origin}: expected a mapping of scenario fields at the top level, got {type(data).__name__}"
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: " + format_validation_error(exc)) from None


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: 'facts.2.category: Input should be ... (got 'foo')'."""
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        got = "" if err["type"] in {"value_error", "missing"} else f" (got {_short(err.get('input'))})"
        lines.append(f"{path}: {message}{got}" if path else f"{message}{got}")
    return "; ".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_scenario(path: str | Path) -> Scenario:
    """Load one scenario from a YAML (or JSON) file.

    Raises:
        ScenarioError: the file is missing, is not valid YAML, or does not match the schema; the message names the
            file and the field path.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc})") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return parse_scenario(data, str(path))


def scenario_files(target: str | Path) -> list[Path]:
    """The scenario files behind a library name, a folder or a file, sorted for a stable order."""
    target_path = Path(target)
    if str(target) == "all":
        return sorted(LIBRARY_ROOT.rglob("*.yaml"))
    if not target_path.exists() and (LIBRARY_ROOT / str(target)).is_dir():
        target_path = LIBRARY_ROOT / str(target)
    if target_path.is_dir():
        return sorted([*target_path.rglob("*.yaml"), *target_path.rglob("*.yml")])
    if target_path.is_file():
        return [target_path]
    raise ScenarioError(
        f"{target}: not a scenario file, folder or library name; libraries: {', '.join(library_names())}"
    )


def load_library(targets: str | Path | Iterable[str | Path] = "starter") -> list[Scenario]:
    """Load every scenario behind one or more library names, folders or files.

    Raises:
        ScenarioError: a file is invalid, nothing was found, or two scenarios share an id.
    """
    if isinstance(targets, str | Path):
        targets = [targets]
    scenarios: dict[str, tuple[Scenario, Path]] = {}
    for target in targets:
        for path in scenario_files(target):
            scenario = load_scenario(path)
            if scenario.id in scenarios and scenarios[scenario.id][1] != path:
                raise ScenarioError(f"{path}: id {scenario.id!r} is already used by {scenarios[scenario.id][1]}")
            scenarios[scenario.id] = (scenario, path)
    if not scenarios:
        raise ScenarioError(f"no scenarios found in {', '.join(map(str, targets))}")
    return [scenario for scenario, _ in scenarios.values()]


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML, without default-valued noise, in field order."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
