"""Author: edit a scenario as YAML (validated as you type, every problem with its line), as a form of its main
fields, and as tables of its facts and must-ask items; lint, gold check and save. Edits keep the YAML's comments."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from consultgym.app import widgets
from consultgym.app.authoring import (
    MAIN_FIELDS,
    TEMPLATE,
    Check,
    check_yaml,
    default_path,
    entry_lines,
    main_fields,
    save_yaml,
)
from consultgym.app.catalog import scenario_paths
from consultgym.app.editor import typed, yaml_editor
from consultgym.app.safe import escape
from consultgym.app.yaml_edit import LIST_SEPARATOR, EditError, apply_table_edits, set_fields, table_rows
from consultgym.authoring.gold import gold_check
from consultgym.scenarios.schema import FactCategory, Priority

NEW = "(new scenario)"
SOURCE_KEY, TEXT_KEY, GOLD_KEY = "author_source", "author_text", "author_gold"
REVISION_KEY, EDITOR_KEY, EDIT_ERROR_KEY = "author_revision", "author_editor", "author_edit_error"
TABLE_KEYS = {"facts": "author_facts_table", "must_ask": "author_items_table"}
SEXES = ["female", "male", "other"]


def render() -> None:
    st.title("Author")
    sources = [NEW, *map(str, scenario_paths(Path.cwd()))]
    widgets.remembered(
        st.selectbox, "Start from", sources, SOURCE_KEY, format_func=widgets.run_label, then=_load_source
    )
    if TEXT_KEY not in st.session_state:
        _load_source()
    origin = st.session_state.get("author_path") or "<editor>"
    text = st.session_state[TEXT_KEY]
    check = check_yaml(text, origin)
    edit, report = st.columns([3, 2], gap="large")
    with edit:
        problem = st.session_state.pop(EDIT_ERROR_KEY, None)
        if problem:
            st.error(escape(problem))
        yaml_tab, fields_tab, facts_tab, items_tab = st.tabs(["YAML", "Main fields", "Facts", "Must-ask items"])
        with yaml_tab:
            marks = _marks(check)
            yaml_editor(text, st.session_state.get(REVISION_KEY, 0), marks, EDITOR_KEY, on_change=_typed)
            st.caption("Checked as you type. Red line numbers have problems (hover for the message).")
        with fields_tab:
            _fields_form(check, text)
        with facts_tab:
            _table(check, text, "facts")
        with items_tab:
            _table(check, text, "must_ask")
    with report:
        _validation(check)
        _gold(check, text)
        _save(check, text)


def _marks(check: Check) -> dict[int, str]:
    marks: dict[int, str] = {}
    for problem in check.problems:
        if problem.line:
            marks[problem.line] = "\n".join(filter(None, [marks.get(problem.line), str(problem)]))
    return marks


def _typed() -> None:
    text = typed(EDITOR_KEY)
    if text is not None:
        st.session_state[TEXT_KEY] = text


def _load_source() -> None:
    """Put the chosen file (or the template) in the editor."""
    source = st.session_state.get(SOURCE_KEY, NEW)
    _replace_text(TEMPLATE if source == NEW else Path(source).read_text(encoding="utf-8"))


def _replace_text(text: str) -> None:
    """Python changed the text: the editor must show it, and the tables' pending edits refer to the old rows."""
    st.session_state[TEXT_KEY] = text
    st.session_state[REVISION_KEY] = st.session_state.get(REVISION_KEY, 0) + 1
    st.session_state.pop(GOLD_KEY, None)
    for key in TABLE_KEYS.values():
        st.session_state.pop(key, None)


def _fields_form(check: Check, text: str) -> None:
    """The main fields, prefilled from the YAML; submitting writes them into the YAML (comments kept)."""
    if check.data is None:
        st.info("Fix the YAML to edit the main fields in a form.")
        return
    with st.form("author_fields", border=False):
        new = _field_inputs(main_fields(check.data))
        applied = st.form_submit_button("Apply to the YAML")
    if applied:
        _apply(lambda: set_fields(text, MAIN_FIELDS, new))


def _apply(edit: Any) -> None:
    try:
        new_text = edit()
    except EditError as exc:
        st.session_state[EDIT_ERROR_KEY] = f"Not applied: {exc}"
        st.rerun()
    _replace_text(new_text)
    st.rerun()


def _field_inputs(values: dict[str, Any]) -> dict[str, Any]:
    left, right = st.columns(2)
    new = {
        "id": left.text_input("Id (slug)", values["id"] or ""),
        "title": right.text_input("Title", values["title"] or ""),
        "specialty": left.text_input("Specialty", values["specialty"] or ""),
        "age": right.number_input("Age", 0, 120, _int(values["age"], 40)),
        "sex": left.selectbox("Sex", SEXES, SEXES.index(values["sex"]) if values["sex"] in SEXES else 0),
        "persona": right.text_input("Persona", values["persona"] or ""),
        "diagnosis": left.text_input("Diagnosis", values["diagnosis"] or ""),
        "icd10": right.text_input("ICD-10", values["icd10"] or ""),
    }
    synonyms = st.text_input("Synonyms (comma-separated)", ", ".join(map(str, values["synonyms"] or [])))
    new["synonyms"] = [s.strip() for s in synonyms.split(",") if s.strip()]
    new["opening"] = st.text_area("Opening (the patient's first words)", values["opening"] or "", height=80)
    new["max_turns"] = st.number_input("Turn limit (0 = default)", 0, 100, _int(values["max_turns"], 0))
    return new


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _table(check: Check, text: str, section: str) -> None:
    """Facts or must-ask items as an editable table; applying writes only the changed entries into the YAML."""
    if check.data is None:
        st.info("Fix the YAML to edit this section as a table.")
        return
    rows = pd.DataFrame(table_rows(check.data, section))
    rows.insert(0, "line", entry_lines(text, section, len(rows)))
    if section == "facts":
        choices = {"category": st.column_config.SelectboxColumn(options=[c.value for c in FactCategory])}
    else:
        choices = {"priority": st.column_config.SelectboxColumn(options=[p.value for p in Priority])}
    st.data_editor(
        rows,
        key=TABLE_KEYS[section],
        num_rows="dynamic",
        hide_index=True,
        disabled=["line"],
        column_config={"line": st.column_config.NumberColumn(help="where the entry starts in the YAML"), **choices},
    )
    st.caption(f"Lists are separated by “{LIST_SEPARATOR.strip()}”. The line column finds an entry an error names.")
    if st.button("Apply table edits to the YAML", key=f"{TABLE_KEYS[section]}_apply"):
        edits = st.session_state.get(TABLE_KEYS[section], {})
        _apply(lambda: apply_table_edits(text, section, edits))


def _validation(check: Check) -> None:
    st.subheader("Validation")
    if check.problems:
        count = len(check.problems)
        st.error(f"**Invalid scenario: {count} problem{'s' if count > 1 else ''}**  \n"
                 + "  \n".join("• " + escape(e) for e in check.errors))  # fmt: skip
        return
    scenario = check.scenario
    assert scenario is not None
    st.success(
        f"Valid: {len(scenario.facts)} facts, {len(scenario.must_ask)} must-ask items "
        f"(total weight {scenario.total_weight:g})."
    )
    if check.warnings:
        st.warning("**Lint**  \n" + "  \n".join("• " + escape(w) for w in check.warnings))
    else:
        st.caption("Lint: no warnings.")


def _gold(check: Check, text: str) -> None:
    st.subheader("Gold check")
    st.caption("A doctor who asks each must-ask item's first example must reach full coverage.")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if st.button("Run the gold check", disabled=check.scenario is None, key="author_gold_run"):
        assert check.scenario is not None
        st.session_state[GOLD_KEY] = (digest, gold_check(check.scenario))
    result = st.session_state.get(GOLD_KEY)
    if result is None or result[0] != digest:  # results of an older text would mislead
        return
    if result[1]:
        st.error("**Gold check fails**  \n" + "  \n".join("• " + escape(p) for p in result[1]))
    else:
        st.success("Gold check passes.")


def _save(check: Check, text: str) -> None:
    st.subheader("Save")
    scenario_id = check.scenario.id if check.scenario else None
    path = st.text_input("Save to", key="author_path", placeholder=str(default_path(scenario_id)))
    overwrite = st.checkbox("Overwrite if the file exists", key="author_overwrite")
    if not st.button("Save", type="primary", key="author_save"):
        return
    if check.problems:
        st.error("Not saved: fix the validation errors first.")
        return
    target = Path(path) if path.strip() else default_path(scenario_id)
    try:
        saved = save_yaml(text, target, overwrite)
    except (OSError, FileExistsError) as exc:
        st.error("Not saved: " + escape(exc))
        return
    st.success("Saved to " + escape(saved))


if __name__ == "__main__":
    render()
