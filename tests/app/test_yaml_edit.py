"""Comment-preserving edits of scenario YAML: main fields, table rows, and untouched text kept exactly."""

from __future__ import annotations

import difflib

import pytest
import yaml

from consultgym.app.authoring import MAIN_FIELDS, TEMPLATE, check_yaml
from consultgym.app.yaml_edit import EditError, apply_table_edits, set_fields, table_rows
from consultgym.scenarios.loader import LIBRARY_ROOT

COMMENTED = TEMPLATE.replace("  - id: onset\n", "  - id: onset  # the start of the cough\n").replace(
    "must_ask:\n", "# what a good doctor asks\nmust_ask:\n"
)


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_main_fields_change_only_their_lines_and_keep_comments() -> None:
    values = {
        "title": "Dry cough in a teacher",
        "icd10": "R05",
        "synonyms": ["post-infectious cough", "PIC"],
        "max_turns": 0,
    }
    edited = set_fields(COMMENTED, MAIN_FIELDS, values)
    assert "# the start of the cough" in edited and "# what a good doctor asks" in edited
    assert changed_lines(COMMENTED, edited) == [
        "-title: Cough in a 30-year-old woman",
        "+title: Dry cough in a teacher",
        "-  synonyms: [postinfectious cough]",
        "+  synonyms: [post-infectious cough, PIC]",
        "+  icd10: R05",
    ]
    assert check_yaml(edited).scenario is not None


def test_table_edits_add_change_and_delete_entries() -> None:
    edits = {
        "edited_rows": {"0": {"text": "Cough began 4 weeks ago.", "keywords": "onset | start"}},
        "added_rows": [{"id": "smoker", "category": "social", "text": "Smokes 10 a day.", "present": True}],
        "deleted_rows": [1],
    }
    edited = apply_table_edits(COMMENTED, "facts", edits)
    data = yaml.safe_load(edited)
    assert [f["id"] for f in data["facts"]] == ["onset", "smoker"]
    assert data["facts"][0]["keywords"] == ["onset", "start"] and "present" not in data["facts"][1]
    assert "# the start of the cough" in edited and edited.split("must_ask:")[1] == COMMENTED.split("must_ask:")[1]


def test_rows_round_trip() -> None:
    rows = table_rows(check_yaml(TEMPLATE).data, "must_ask")
    assert rows[0] == {"id": "ask_onset", "ask": "When the cough started", "priority": "important",
                       "facts": "onset", "examples": "When did it start?", "keywords": ""}  # fmt: skip
    assert table_rows(check_yaml(TEMPLATE).data, "facts")[1]["present"] is False
    assert table_rows({"facts": "oops"}, "facts") == []


@pytest.mark.parametrize("name", ["starter/chest-pain-58m.yaml", "agentclinic/agentclinic-medqa-001.yaml"])
def test_an_untouched_library_file_keeps_every_other_line(name: str) -> None:
    """ruamel wraps long lines its own way; fields whose value did not change keep the author's text."""
    text = (LIBRARY_ROOT / name).read_text(encoding="utf-8")
    edited = set_fields(text, MAIN_FIELDS, {"title": "A new title"})
    assert len(changed_lines(text, edited)) == 2


def test_unparseable_text_is_a_clear_error() -> None:
    with pytest.raises(EditError, match="does not parse"):
        set_fields("id: [\n", MAIN_FIELDS, {"title": "x"})
    with pytest.raises(EditError, match="not a mapping"):
        apply_table_edits("- a\n", "facts", {})
