"""The author page: live validation and lint, the gold check, the main-fields form, and saving."""

from __future__ import annotations

from pathlib import Path

import yaml

from consultgym.app.authoring import TEMPLATE
from consultgym.app.safe import escape
from consultgym.scenarios.loader import load_scenario

TEXT = "author_text"  # the editor's text as the page holds it (the browser's editor sends it as the author types)


def edit(at, text: str) -> None:
    at.session_state[TEXT] = text
    at.run()
    assert not at.exception


def save(at, path: Path, overwrite: bool = False) -> None:
    at.text_input(key="author_path").input(str(path))
    at.checkbox(key="author_overwrite").set_value(overwrite)
    at.button(key="author_save").click().run()
    assert not at.exception


def test_starts_from_a_valid_template(app) -> None:
    at = app(page="author")
    assert at.session_state[TEXT] == TEMPLATE
    assert at.success[0].value.startswith("Valid: 2 facts, 2 must-ask items")
    facts, items = (table.value for table in at.dataframe)  # the structured editors, with the line of each entry
    assert facts["line"].tolist() == [9, 14] and facts["id"].tolist() == ["onset", "no_fever"]
    assert items["line"].tolist() == [21, 26] and items["priority"].tolist() == ["important", "routine"]


def test_invalid_scenario_is_rejected_with_the_field_path(app, workdir: Path) -> None:
    at = app(page="author")
    edit(at, TEMPLATE.replace("category: ros", "category: rumour").replace("facts: [onset]", "facts: [onset, gone]"))
    message = at.error[0].value
    assert "Invalid scenario: 2 problems" in message
    assert escape("line 15: facts.1.category: Input should be") in message
    assert escape("line 24: must_ask.0.facts: unknown fact id 'gone'") in message
    target = workdir / "scenarios" / "bad.yaml"
    save(at, target)
    assert any("Not saved" in e.value for e in at.error)
    assert not target.exists()


def test_yaml_syntax_error_names_the_line(app) -> None:
    at = app(page="author")
    edit(at, "id: x\nfacts: [\n")
    assert escape("line 3: not valid YAML") in at.error[0].value
    assert any("Fix the YAML" in i.value for i in at.info)  # the form and tables wait for parseable YAML


def test_valid_scenario_is_saved_as_written(app, workdir: Path) -> None:
    at = app(page="author")
    text = TEMPLATE.replace("id: new-scenario", "id: my-cough")
    edit(at, text)
    target = workdir / "scenarios" / "my-cough.yaml"
    save(at, target)
    assert any("Saved to" in s.value for s in at.success)
    assert target.read_text(encoding="utf-8") == text  # comments kept
    assert load_scenario(target).id == "my-cough"


def test_existing_file_needs_overwrite(app, workdir: Path) -> None:
    target = workdir / "scenarios" / "taken.yaml"
    target.write_text("old\n", encoding="utf-8")
    at = app(page="author")
    save(at, target)
    assert any("exists" in e.value for e in at.error)
    assert target.read_text(encoding="utf-8") == "old\n"
    save(at, target, overwrite=True)
    assert target.read_text(encoding="utf-8") == TEMPLATE


def test_gold_check(app) -> None:
    at = app(page="author")
    at.button(key="author_gold_run").click().run()
    assert any(s.value == "Gold check passes." for s in at.success)
    # An item whose first example asks about something no fact answers.
    edit(at, TEMPLATE.replace('examples: ["Any fever?"]', 'examples: ["What is your favourite colour?"]'))
    assert not any(s.value == "Gold check passes." for s in at.success)  # results of the old text are gone
    at.button(key="author_gold_run").click().run()
    problem = escape("must_ask ask_fever: 'What is your favourite colour?' does not reveal no_fever")
    assert any("Gold check fails" in e.value and problem in e.value for e in at.error)


def test_lint_warnings_are_live(app) -> None:
    at = app(page="author")
    assert not at.warning and any(c.value == "Lint: no warnings." for c in at.caption)
    edit(at, TEMPLATE.replace("    keywords: [fever]\n", ""))
    assert escape("fact no_fever: no keywords, so no question can reveal it") in at.warning[0].value


def test_main_fields_form_writes_the_yaml_and_keeps_comments(app) -> None:
    at = app(page="author")
    edit(at, TEMPLATE.replace("  - id: onset\n", "  - id: onset  # keep me\n"))
    revision = at.session_state["author_revision"]
    next(t for t in at.text_input if t.label == "Title").input("Dry cough in a teacher")
    next(b for b in at.button if b.label == "Apply to the YAML").click().run()
    assert not at.exception
    text = at.session_state[TEXT]
    assert yaml.safe_load(text)["title"] == "Dry cough in a teacher"
    assert "# A new scenario." in text and "  - id: onset  # keep me\n" in text  # comments kept, as they were
    assert at.session_state["author_revision"] == revision + 1  # the editor is told to show the new text


def test_a_library_file_can_be_loaded(app, workdir: Path) -> None:
    at = app(page="author")
    source = str((workdir / "scenarios" / "chest_pain.yaml").resolve())
    options = at.selectbox(key="_author_source").options
    match = next(o for o in options if o.endswith("chest_pain.yaml"))
    at.selectbox(key="_author_source").set_value(source if source in options else match).run()
    assert "fixture-chest-pain" in at.session_state[TEXT]
