"""The lazy scenario catalog: only what is asked for is parsed; the user's files win; broken files are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import FIXTURES

from consultgym.app import catalog as catalog_module
from consultgym.app.catalog import Catalog, read_listing
from consultgym.scenarios.loader import scenario_files


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the catalog parses, in order."""
    seen: list[Path] = []
    real = catalog_module.load_scenario

    def counting(path):
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(catalog_module, "load_scenario", counting)
    return seen


def test_only_the_scenarios_asked_for_are_parsed(parsed: list[Path]) -> None:
    library = scenario_files("all")
    catalog = Catalog(library)
    found = catalog.get_many(["chest-pain-58m", "rash-71f"])
    assert sorted(found) == ["chest-pain-58m", "rash-71f"]
    assert [p.stem for p in parsed] == ["chest-pain-58m", "rash-71f"]  # not the other files of the library
    assert catalog.get("chest-pain-58m") is found["chest-pain-58m"]


def test_a_file_not_named_after_its_id_is_found_by_its_id_line(tmp_path: Path, parsed: list[Path]) -> None:
    user = tmp_path / "mine.yaml"
    shutil.copy(FIXTURES / "chest_pain.yaml", user)
    catalog = Catalog(scenario_files("starter"), [user])
    assert catalog.get("fixture-chest-pain").id == "fixture-chest-pain" and parsed == [user]
    assert catalog.get("no-such-scenario") is None
    assert {entry.scenario_id for entry in catalog.listings()} >= {"fixture-chest-pain", "chest-pain-58m"}


def test_the_users_file_wins_and_a_broken_one_is_reported(tmp_path: Path) -> None:
    library = scenario_files("starter")
    override = tmp_path / "other-name.yaml"
    override.write_text(
        (library[0]).read_text(encoding="utf-8").replace("title: ", "title: MINE ", 1), encoding="utf-8"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken-one\ntitle: [\n", encoding="utf-8")
    catalog = Catalog(library, [override, broken])
    assert catalog.get(library[0].stem).title.startswith("MINE ")
    assert catalog.get("broken-one") is None and "not valid YAML" in catalog.errors[str(broken)]


def test_listing_reads_id_and_title_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text('# c\nid: "my-case"  # note\ntitle: Cough: a story\nfacts: []\n', encoding="utf-8")
    listing = read_listing(path)
    assert (listing.scenario_id, listing.title) == ("my-case", "Cough: a story")
    path.write_text("facts: []\n", encoding="utf-8")
    assert read_listing(path) is None
