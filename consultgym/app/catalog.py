"""The scenarios the app knows: the shipped library plus the user's own files under ``./scenarios``.

Unlike `load_library`, one broken file does not hide the others: it is reported and skipped, because the app is
where a broken file gets fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import load_scenario, scenario_files
from consultgym.scenarios.schema import Scenario

USER_SCENARIO_DIR = "scenarios"  # under the working directory; the author page saves here by default


@dataclass
class Catalog:
    """Scenarios by id, the file each came from, and the files that failed to load."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def scenario_paths(root: str | Path) -> list[Path]:
    """Every scenario file: the shipped library, then ``<root>/scenarios`` (whose files win on a shared id)."""
    paths = scenario_files("all")
    user_dir = Path(root) / USER_SCENARIO_DIR
    if user_dir.is_dir():
        paths += scenario_files(user_dir)
    return paths


def signature(paths: list[Path]) -> tuple[tuple[str, int], ...]:
    """What a cached catalog is keyed by: each file's path and modification time."""
    stamps = []
    for path in paths:
        try:
            stamps.append((str(path), path.stat().st_mtime_ns))
        except OSError:
            continue  # deleted since it was listed; the next listing drops it
    return tuple(stamps)


def build_catalog(paths: list[Path]) -> Catalog:
    """Load each file on its own; a file that fails becomes a message in `errors`."""
    catalog = Catalog()
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            catalog.errors.append(str(exc))
            continue
        catalog.scenarios[scenario.id] = scenario
        catalog.paths[scenario.id] = path
    return catalog
