"""Author: edit a scenario as a form and as YAML, with live validation and lint, a gold check, and save."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import streamlit as st

from consultgym.app import widgets
from consultgym.app.authoring import (
    TEMPLATE,
    Check,
    apply_fields,
    check_yaml,
    default_path,
    main_fields,
    save_yaml,
    to_yaml,
)
from consultgym.app.catalog import scenario_paths
from consultgym.app.safe import escape
from consultgym.authoring.gold import gold_check

NEW = "(new scenario)"
SOURCE_KEY, TEXT_KEY, GOLD_KEY = "author_source", "author_text", "author_gold"
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
    edit, report = st.columns([3, 2], gap="large")
    with edit:
        _fields_form(check_yaml(st.session_state[TEXT_KEY], origin))
        text = _yaml_editor()
    check = check_yaml(text, origin)
    with report:
        _validation(check)
        _gold(check, text)
        _save(check, text)


def _load_source() -> None:
    """Put the chosen file (or the template) in the editor."""
    source = st.session_state.get(SOURCE_KEY, NEW)
    text = TEMPLATE if source == NEW else Path(source).read_text(encoding="utf-8")
    st.session_state[TEXT_KEY] = text
    st.session_state.pop(GOLD_KEY, None)


def _yaml_editor() -> str:
    # The text lives under a plain key too, so that it survives a visit to another page.
    st.session_state["_" + TEXT_KEY] = st.session_state[TEXT_KEY]
    return st.text_area(
        "Scenario YAML", key="_" + TEXT_KEY, height=560, on_change=_copy_text, help="The whole scenario; see schema.py"
    )


def _copy_text() -> None:
    st.session_state[TEXT_KEY] = st.session_state["_" + TEXT_KEY]


def _fields_form(check: Check) -> None:
    """The main fields, prefilled from the YAML; submitting writes them back into the YAML."""
    if check.data is None:
        st.info("Fix the YAML below to edit the main fields in a form.")
        return
    values = main_fields(check.data)
    with st.expander("Main fields", expanded=True), st.form("author_fields", border=False):
        new = _field_inputs(values)
        applied = st.form_submit_button("Apply to the YAML")
    if applied:
        st.session_state[TEXT_KEY] = to_yaml(apply_fields(check.data, new))
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


def _validation(check: Check) -> None:
    st.subheader("Validation")
    if check.errors:
        st.error("**Invalid scenario**  \n" + "  \n".join("• " + escape(e) for e in check.errors))
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
    if check.errors:
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
