"""Scenario editing helpers: every problem at once with its line, the main fields, saving."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from consultgym.app.authoring import TEMPLATE, check_yaml, default_path, entry_lines, main_fields, save_yaml
from consultgym.app.problems import split_problems


def test_template_is_valid_and_clean() -> None:
    check = check_yaml(TEMPLATE)
    assert check.scenario is not None and not check.problems and not check.warnings


def test_every_problem_at_once_with_its_line() -> None:
    """Field errors, a duplicate id and unknown references are reported together, each at its own line."""
    text = (
        TEMPLATE.replace("category: ros", "category: rumour")  # line 15: a field error inside fact 1
        .replace("age: 30", "age: 300")  # line 6
        .replace("- id: no_fever", "- id: onset")  # line 14: a duplicate id, hidden by the field error in pydantic
        .replace("facts: [onset]", "facts: [onset, nope, nope2]")  # line 24: two unknown references
    )
    found = {(p.path, p.line) for p in check_yaml(text, "x.yaml").problems}
    assert found >= {
        ("patient.age", 6),
        ("facts.1.category", 15),
        ("facts.1.id", 14),
        ("must_ask.0.facts", 24),
    }
    messages = check_yaml(text, "x.yaml").errors
    assert sum("unknown fact id" in m for m in messages) == 3  # nope, nope2, and no_fever (renamed to onset)
    assert not any("duplicate-" in m or "placeholder" in m for m in messages)  # repairs never leak into messages
    assert all(m.startswith("line ") for m in messages)


def test_missing_field_points_at_its_parent() -> None:
    problems = check_yaml(TEMPLATE.replace("  name: Post-viral cough\n", "")).problems
    assert [(p.path, p.line) for p in problems] == [("diagnosis.name", 32)]  # the line of "diagnosis:"


def test_split_keeps_semicolons_inside_a_problem() -> None:
    message = "x.yaml: must_ask.0.facts: unknown fact id 'a' in item 'b'; known ids: c, d; title: Field required"
    assert split_problems(message, "x.yaml") == [
        "must_ask.0.facts: unknown fact id 'a' in item 'b'; known ids: c, d",
        "title: Field required",
    ]


def test_not_a_mapping_and_bad_yaml() -> None:
    assert "expected a mapping" in check_yaml("- a\n- b\n").errors[0]
    assert check_yaml("- a\n").data is None
    assert check_yaml("a: 1\nb: ]\n").errors == [
        "line 2: not valid YAML at column 4: did not find expected node content"
    ]


def test_main_fields_and_entry_lines() -> None:
    check = check_yaml(TEMPLATE)
    values = main_fields(check.data)
    assert values["age"] == 30 and values["diagnosis"] == "Post-viral cough" and values["icd10"] is None
    assert entry_lines(TEMPLATE, "facts", 3) == [9, 14, None]
    assert entry_lines(TEMPLATE, "must_ask", 2) == [21, 26]


def test_save(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "s.yaml"
    save_yaml("id: x", target)
    assert target.read_text(encoding="utf-8") == "id: x\n"
    with pytest.raises(FileExistsError):
        save_yaml("id: y", target)
    save_yaml("id: y\n", target, overwrite=True)
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == {"id": "y"}
    assert default_path("abc") == Path("scenarios/abc.yaml")
