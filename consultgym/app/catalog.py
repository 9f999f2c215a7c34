"""The scenarios the app knows, loaded one at a time when a page needs them.

The shipped library plus the user's own files under ``./scenarios`` (which win on a shared id). Nothing is parsed up
front: opening a 12-episode run parses the 12 scenarios it references, whatever the size of the library. A file is
found by its name first (the library names each file after its scenario id) and otherwise by the ``id:`` line of
each file, read as text. Unlike `load_library`, one broken file does not hide the others: it is reported and skipped,
because the app is where a broken file gets fixed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import load_scenario, scenario_files
from consultgym.scenarios.schema import Scenario

USER_SCENARIO_DIR = "scenarios"  # under the working directory; the author page saves here by default
_TOP_LEVEL = r"^{key}:[ \t]*(?P<q>['\"]?)(?P<value>[^\n#]*?)(?P=q)[ \t]*(?:#.*)?$"
_ID_LINE = re.compile(_TOP_LEVEL.format(key="id").encode(), re.MULTILINE)
_TITLE_LINE = re.compile(_TOP_LEVEL.format(key="title").encode(), re.MULTILINE)


def scenario_paths(root: str | Path) -> list[Path]:
    """Every scenario file: the shipped library, then ``<root>/scenarios`` (whose files win on a shared id)."""
    paths = scenario_files("all")
    user_dir = Path(root) / USER_SCENARIO_DIR
    if user_dir.is_dir():
        paths += scenario_files(user_dir)
    return paths


@dataclass(frozen=True)
class Listing:
    """What the top-level ``id:`` and ``title:`` lines of a file say, read as text (the file is not validated)."""

    path: Path
    scenario_id: str
    title: str


class Catalog:
    """Scenarios by id, parsed on first use (and re-parsed when a file's bytes change).

    Safe to share between Streamlit sessions (threads): a lock guards the caches.
    """

    def __init__(self, paths: Iterable[Path], user_paths: Iterable[Path] = ()) -> None:
        user_paths = list(user_paths)
        self.paths = [*paths, *user_paths]
        self.errors: dict[str, str] = {}  # file -> why it could not be loaded
        self._by_stem: dict[str, Path] = {path.stem: path for path in self.paths}  # later (the user's) win
        # The user's few files are read up front, so that theirs win on a shared id whatever they are called.
        self._user_ids = {listing.scenario_id: listing.path for listing in map(read_listing, user_paths) if listing}
        self._found: dict[str, Path] = {}
        self._listings: list[Listing] | None = None
        self._lock = threading.RLock()

    def get(self, scenario_id: str) -> Scenario | None:
        """The scenario with this id, or None when no file holds it (or its file is broken: see `errors`)."""
        with self._lock:
            quick = [self._user_ids.get(scenario_id), self._found.get(scenario_id), self._by_stem.get(scenario_id)]
            tried = set()
            for candidate in [p for p in quick if p is not None]:
                tried.add(candidate)
                if (scenario := self._load_as(candidate, scenario_id)) is not None:
                    return scenario
            for listing in self.listings():  # a file not named after its id: read every file's id line, once
                if listing.scenario_id == scenario_id and listing.path not in tried:
                    return self._load_as(listing.path, scenario_id)
        return None

    def get_many(self, scenario_ids: Iterable[str]) -> dict[str, Scenario]:
        """The scenarios among `scenario_ids` that could be loaded, by id."""
        found = {sid: self.get(sid) for sid in dict.fromkeys(scenario_ids)}
        return {sid: scenario for sid, scenario in found.items() if scenario is not None}

    def path_of(self, scenario_id: str) -> Path | None:
        """The file the scenario was loaded from (None when it cannot be loaded)."""
        return self._found.get(scenario_id) if self.get(scenario_id) is not None else None

    def listings(self) -> list[Listing]:
        """Every file's id and title, read from its text (for pickers); a file without an ``id:`` line is left out."""
        with self._lock:
            if self._listings is None:
                by_id: dict[str, Listing] = {}
                for path in self.paths:
                    listing = read_listing(path)
                    if listing is not None:
                        by_id[listing.scenario_id] = listing  # later files win, as in `get`
                self._listings = sorted(by_id.values(), key=lambda listing: listing.scenario_id)
            return list(self._listings)

    def _load_as(self, path: Path, scenario_id: str) -> Scenario | None:
        try:
            scenario = load_scenario(path)  # parses again only when the file's bytes changed
        except ScenarioError as exc:
            self.errors[str(path)] = str(exc)
            return None
        self.errors.pop(str(path), None)
        if scenario.id != scenario_id:
            return None
        self._found[scenario_id] = path
        return scenario


def read_listing(path: Path) -> Listing | None:
    """The id and title a scenario file declares on its top-level lines, without parsing the YAML."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    found = _ID_LINE.search(raw)
    if found is None:
        return None
    title = _TITLE_LINE.search(raw)
    decode = lambda match: match.group("value").decode("utf-8", "replace").strip()  # noqa: E731
    return Listing(path, decode(found), decode(title) if title else "")
