"""Scenario editing helpers: validation messages, the main-fields round trip, saving."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from consultgym.app.authoring import (
    TEMPLATE,
    apply_fields,
    check_yaml,
    default_path,
    main_fields,
    save_yaml,
    split_problems,
    to_yaml,
)


def test_template_is_valid_and_clean() -> None:
    check = check_yaml(TEMPLATE)
    assert check.scenario is not None and not check.errors and not check.warnings


def test_one_message_per_field_problem() -> None:
    text = TEMPLATE.replace("category: ros", "category: nope").replace("age: 30", "age: 300")
    errors = check_yaml(text, "x.yaml").errors
    assert [e.split(":")[0] for e in errors] == ["patient.age", "facts.1.category"]


def test_split_keeps_semicolons_inside_a_problem() -> None:
    message = "x.yaml: must_ask.0.facts: unknown fact id 'a' in item 'b'; known ids: c, d; title: Field required"
    assert split_problems(message, "x.yaml") == [
        "must_ask.0.facts: unknown fact id 'a' in item 'b'; known ids: c, d",
        "title: Field required",
    ]


def test_not_a_mapping_and_bad_yaml() -> None:
    assert "expected a mapping" in check_yaml("- a\n- b\n").errors[0]
    assert check_yaml("- a\n").data is None
    assert "at line 2, column 4" in check_yaml("a: 1\nb: ]\n").errors[0]


def test_main_fields_round_trip() -> None:
    data = check_yaml(TEMPLATE).data
    values = main_fields(data)
    assert values["age"] == 30 and values["diagnosis"] == "Post-viral cough" and values["icd10"] is None
    changed = apply_fields(data, {**values, "title": "T", "icd10": "R05", "synonyms": [], "max_turns": 0})
    assert changed["title"] == "T" and changed["diagnosis"] == {"name": "Post-viral cough", "icd10": "R05"}
    assert "max_turns" not in changed and data["title"] != "T"  # a copy
    assert check_yaml(to_yaml(changed)).scenario is not None


def test_apply_fields_builds_missing_sections() -> None:
    assert apply_fields({"patient": "oops"}, {"age": 3})["patient"] == {"age": 3}


def test_save(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "s.yaml"
    save_yaml("id: x", target)
    assert target.read_text(encoding="utf-8") == "id: x\n"
    with pytest.raises(FileExistsError):
        save_yaml("id: y", target)
    save_yaml("id: y\n", target, overwrite=True)
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == {"id": "y"}
    assert default_path("abc") == Path("scenarios/abc.yaml")
