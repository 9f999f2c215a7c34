"""Read scenarios from YAML files, folders and the shipped library, with errors that name file and field."""

from __future__ import annotations

import hashlib
import reprlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from consultgym.errors import ScenarioError
from consultgym.files import MAX_SCENARIO_BYTES, clip, load_yaml_bytes, read_capped
from consultgym.files import check_shape as check_document_shape
from consultgym.scenarios.schema import Scenario

LIBRARY_ROOT = Path(__file__).parent / "library"


# Bounds on a parsed document: YAML aliases can make a small file expand into billions of nodes ("billion laughs"),
# and deep nesting breaks recursive code; a real scenario has a few hundred nodes a few levels deep.
MAX_NODES = 100_000
MAX_DEPTH = 32
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60


def library_names() -> list[str]:
    """Names of the shipped libraries (sub-folders of scenarios/library), plus 'all'."""
    return sorted(p.name for p in LIBRARY_ROOT.iterdir() if p.is_dir()) + ["all"]


def shipped_library_of(scenario_id: str) -> str:
    """The shipped library a scenario id belongs to ('starter', 'generated', 'agentclinic'), or '' for any other."""
    return _shipped_ids().get(scenario_id, "")


@lru_cache(maxsize=1)
def _shipped_ids() -> dict[str, str]:
    # Shipped files are named after their scenario id, so the folder listing suffices (nothing is parsed).
    return {path.stem: path.parent.name for path in sorted(LIBRARY_ROOT.rglob("*.yaml"))}


def parse_scenario(data: Any, origin: str = "<scenario>") -> Scenario:
    """Validate a mapping as a Scenario, turning pydantic's report into one ScenarioError naming each field path."""
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{origin}: expected a mapping of scenario fields at the top level, got {type(data).__name__}"
        )
    check_shape(data, origin)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: " + format_validation_error(exc)) from None


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: 'facts.2.category: Input should be ... (got 'foo')'."""
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"])
        message = clip(err["msg"].removeprefix("Value error, "), 300)  # a validator may quote a 1 MB value
        got = "" if err["type"] in {"value_error", "missing"} else f" (got {_short(err.get('input'))})"
        lines.append(f"{path}: {message}{got}" if path else f"{message}{got}")
    return "; ".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    # reprlib bounds depth and length, so a deeply nested or self-referencing value cannot overflow the stack.
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_shape(data: Any, origin: str = "<scenario>") -> None:
    """Reject documents too deep or too large for a scenario, naming the field path where the bound was crossed.

    Raises:
        ScenarioError: the document nests deeper than MAX_DEPTH or holds more than MAX_NODES values.
    """
    check_document_shape(data, origin, MAX_DEPTH, MAX_NODES, ScenarioError, "scenario")


def load_scenario(path: str | Path) -> Scenario:
    """Load one scenario from a YAML (or JSON) file.

    Raises:
        ScenarioError: the file is missing, is not valid YAML, or does not match the schema; the message names the
            file and the field path.
    """
    path = Path(path)
    raw = read_capped(path, MAX_SCENARIO_BYTES, "scenario file", ScenarioError)
    key = (str(path), hashlib.blake2b(raw, digest_size=16).digest())
    if key in _PARSED:
        return _PARSED[key]  # the same bytes: the same frozen Scenario, so per-scenario caches stay warm
    scenario = _parse_bytes(path, raw)
    if len(_PARSED) >= MAX_PARSED:
        _PARSED.clear()
    _PARSED[key] = scenario
    return scenario


MAX_PARSED = 4096  # scenarios kept parsed per process (the shipped library has 373)
_PARSED: dict[tuple[str, bytes], Scenario] = {}


def _parse_bytes(path: Path, raw: bytes) -> Scenario:
    return parse_scenario(load_yaml_bytes(raw, str(path), ScenarioError), str(path))


def scenario_files(target: str | Path) -> list[Path]:
    """The scenario files behind a library name, a folder or a file, sorted for a stable order."""
    target_path = Path(target)
    if str(target) == "all":
        return sorted(LIBRARY_ROOT.rglob("*.yaml"))
    if not target_path.exists() and (LIBRARY_ROOT / str(target)).is_dir():
        target_path = LIBRARY_ROOT / str(target)
    if target_path.is_dir():
        return sorted([*target_path.rglob("*.yaml"), *target_path.rglob("*.yml")])
    if target_path.exists():  # a file, or something else that `load_scenario` will refuse by name
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
