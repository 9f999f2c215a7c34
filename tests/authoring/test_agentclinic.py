"""AgentClinic-MedQA import: reading the JSONL, atomic facts, wording, must-ask items and the shipped library."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from consultgym.actions import parse_action
from consultgym.authoring.build_library import DEFAULT_AGENTCLINIC
from consultgym.authoring.gold import gold_check
from consultgym.authoring.importers import agentclinic
from consultgym.authoring.importers.agentclinic import convert_case, import_agentclinic, import_command, read_cases
from consultgym.authoring.importers.voice import first_person, patient_wording
from consultgym.authoring.importers.wording import denial_items, sentences
from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import LIBRARY_ROOT, dump_scenario, load_library, load_scenario
from consultgym.scenarios.retrieval import facts_for_question, facts_for_request
from consultgym.scenarios.schema import FactCategory, Priority
from consultgym.text import contains_phrase

SOURCE = DEFAULT_AGENTCLINIC
needs_source = pytest.mark.skipif(not SOURCE.exists(), reason="AgentClinic JSONL not shipped")

CASE = {
    "OSCE_Examination": {
        "Objective_for_Doctor": "Assess the patient.",
        "Patient_Actor": {
            "Demographics": "35-year-old female",
            "History": "The patient reports a 1-month history of double vision. She was told it may be myasthenia "
            "gravis. She denies chest pain or fever.",
            "Symptoms": {
                "Primary_Symptom": "Double vision",
                "Secondary_Symptoms": ["Weakness in upper limbs", "No pain"],
            },
            "Past_Medical_History": "No significant past medical history.",
            "Social_History": "Non-smoker, drinks wine occasionally. Works as a graphic designer.",
            "Review_of_Systems": "Denies palpitations, shortness of breath, or recent infections.",
        },
        "Physical_Examination_Findings": {
            "Vital_Signs": {"Blood_Pressure": "125/80 mmHg", "Heart_Rate": "72 bpm"},
            "Cardiovascular_Examination": {"Heart_Sounds": "Normal S1 and S2, no murmurs."},
        },
        "Test_Results": {"Complete_Blood_Count": {"WBC": "7,000/mm3"}, "MRI_Brain": {"Optional": "Consider later."}},
        "Correct_Diagnosis": "Myasthenia gravis",
    }
}


def write_jsonl(path: Path, cases: list, trailing_newline: bool = True) -> Path:
    text = "\n".join(c if isinstance(c, str) else json.dumps(c) for c in cases)
    path.write_text(text + ("\n" if trailing_newline else ""), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def imported() -> list:
    if not SOURCE.exists():
        pytest.skip("AgentClinic JSONL not shipped")
    return import_agentclinic(SOURCE)


@needs_source
def test_all_214_cases_import_and_validate(imported):
    assert len(imported) == 214
    assert [s.id for s in imported] == [f"agentclinic-medqa-{n:03d}" for n in range(1, 215)]
    assert {s.source.license for s in imported} == {"MIT"}
    assert all(s.source.dataset == "agentclinic-medqa-extended" and "line" in s.source.reference for s in imported)
    first = imported[0]
    assert first.diagnosis.name == "Myasthenia gravis" and "Myasthenia gravis" in first.tags  # a DDXPlus condition


@needs_source
def test_every_imported_case_passes_the_gold_check(imported):
    assert {s.id: gold_check(s) for s in imported if gold_check(s)} == {}


def test_last_line_without_newline_and_blank_lines_are_read(tmp_path):
    path = write_jsonl(tmp_path / "cases.jsonl", [CASE, "", CASE], trailing_newline=False)
    assert [number for number, _ in read_cases(path)] == [1, 3]
    scenarios = import_agentclinic(path)
    assert [s.id for s in scenarios] == ["agentclinic-medqa-001", "agentclinic-medqa-003"]


def test_malformed_line_names_the_line_number(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [CASE, '{"OSCE_Examination": {"Patient_Actor": '])
    with pytest.raises(ScenarioError, match=r"bad\.jsonl: line 2: not valid JSON"):
        read_cases(path)
    missing = copy.deepcopy(CASE)
    del missing["OSCE_Examination"]["Correct_Diagnosis"]
    with pytest.raises(ScenarioError, match=r"line 3: OSCE_Examination\.Correct_Diagnosis is missing"):
        read_cases(write_jsonl(tmp_path / "missing.jsonl", [CASE, CASE, missing]))
    with pytest.raises(ScenarioError, match="line 1: expected an object"):
        read_cases(write_jsonl(tmp_path / "list.jsonl", ["[1, 2]"]))
    with pytest.raises(ScenarioError, match="cannot read"):
        read_cases(tmp_path / "nope.jsonl")


def test_statements_become_atomic_facts_with_categories():
    scenario = convert_case(copy.deepcopy(CASE), 5)
    by_category: dict[str, list] = {}
    for fact in scenario.facts:
        by_category.setdefault(fact.category.value, []).append(fact)
    assert scenario.id == "agentclinic-medqa-005"
    assert [f.say for f in by_category["hpi"] if f.present][0] == "For the past month, I've had double vision."
    denied = {f.text for f in scenario.facts if not f.present}
    assert {
        "Denies chest pain.",
        "Denies fever.",
        "Denies palpitations.",
        "Denies shortness of breath.",
        "Denies recent infections.",
        "Denies pain.",
        "Denies significant past medical history.",
    } <= denied
    social = {f.say for f in by_category["social"]}
    assert {"I don't smoke.", "I drink wine occasionally.", "I work as a graphic designer."} <= social
    assert any("smoking" in f.topics for f in by_category["social"])
    assert scenario.patient.age == 35 and scenario.patient.sex == "female"
    assert "graphic designer" in scenario.patient.persona


def test_examination_and_test_results_are_flattened_and_requestable():
    scenario = convert_case(copy.deepcopy(CASE), 1)
    exams = [f for f in scenario.facts if f.category == FactCategory.exam]
    assert {f.text for f in exams} == {
        "Vital signs - blood pressure: 125/80 mmHg",
        "Vital signs - heart rate: 72 bpm",
        "Cardiovascular examination - heart sounds: Normal S1 and S2, no murmurs.",
    }
    heart = next(f for f in exams if "heart sounds" in f.text)
    assert {"cardiovascular", "heart"} <= set(heart.keywords)
    assert {f.id for f in facts_for_request(scenario, "heart", FactCategory.exam)} >= {heart.id}
    assert len(facts_for_request(scenario, "blood pressure", FactCategory.exam)) >= 1
    labs = [f for f in scenario.facts if f.category == FactCategory.lab]
    assert [f.text for f in labs] == ["Complete blood count - wbc: 7,000/mm3"]  # 'Optional' advice is not a result
    assert facts_for_request(scenario, parse_action("TEST: CBC").tests[0], FactCategory.lab) == labs


def test_statements_naming_the_diagnosis_are_dropped():
    scenario = convert_case(copy.deepcopy(CASE), 1)
    for fact in scenario.facts:
        if not fact.hidden_until_requested:
            assert not contains_phrase(fact.spoken, "myasthenia gravis"), fact.spoken
    assert not any("told it may be" in f.text for f in scenario.facts)
    leaky = copy.deepcopy(CASE)
    leaky["OSCE_Examination"]["Patient_Actor"]["Symptoms"]["Primary_Symptom"] = "Myasthenia gravis flare"
    assert convert_case(leaky, 1).opening == "I haven't been feeling well."


def test_must_ask_items_follow_the_case():
    scenario = convert_case(copy.deepcopy(CASE), 1)
    items = {item.id: item for item in scenario.must_ask}
    assert {
        "ask_onset_duration",
        "ask_symptom_weakness_in_upper_limbs",
        "ask_past_history",
        "ask_social_history",
        "examine_vital_signs",
        "examine_cardiovascular",
        "test_complete_blood_count",
    } <= set(items)
    assert any(i.id.startswith("ask_review_of_systems") for i in scenario.must_ask)
    assert items["examine_cardiovascular"].examples[0] == "EXAMINE: cardiovascular"
    for item in scenario.must_ask:
        if item.examples[0].startswith(("EXAMINE", "TEST")):
            continue
        assert set(item.facts) <= {f.id for f in facts_for_question(scenario, item.examples[0])}, item.id
    assert gold_check(scenario) == []


@needs_source
def test_ddxplus_conditions_add_discriminating_items(imported):
    mapped = [s for s in imported if len(s.tags) == 3]
    assert len(mapped) >= 10
    assert any(item.id.startswith("ddx_") and item.priority == Priority.critical for s in mapped for item in s.must_ask)
    assert all(item.priority != Priority.critical for s in imported if len(s.tags) == 2 for item in s.must_ask)


def test_diagnosis_synonyms():
    assert set(agentclinic.diagnosis_synonyms("Chronic lymphocytic leukemia (CLL)")) >= {
        "Chronic lymphocytic leukemia",
        "CLL",
    }
    assert "Hirschsprung disease" in agentclinic.diagnosis_synonyms("Hirschsprung’s disease")
    assert "Legg-Calve-Perthes disease" in agentclinic.diagnosis_synonyms("Legg-Calvé-Perthes disease (LCPD)")
    assert agentclinic.ddxplus_condition("Asthma") == "Bronchospasm / acute asthma exacerbation"
    assert agentclinic.ddxplus_condition("Pneumonia") == "Pneumonia"
    assert agentclinic.ddxplus_condition("Vitiligo") is None


def test_children_are_described_by_a_parent():
    child = copy.deepcopy(CASE)
    actor = child["OSCE_Examination"]["Patient_Actor"]
    actor["Demographics"] = "4-year-old boy"
    actor["History"] = "The patient has had a cough for 3 days. His mother reports that he is eating less."
    scenario = convert_case(child, 2)
    assert scenario.patient.age == 4 and scenario.patient.informant == "mother"
    assert scenario.opening.startswith("I've brought my son in because of")
    says = [f.say for f in scenario.facts if f.category == FactCategory.hpi]
    assert says[0] == "My son has had a cough for 3 days."


def test_wording_helpers():
    assert sentences("Seen by Dr. Smith. Lost 5.4 kg. Information not provided.") == [
        "Seen by Dr. Smith.",
        "Lost 5.4 kg.",
    ]
    assert denial_items("Denies fever, cough, or recent travel.") == ["fever", "cough", "recent travel"]
    assert denial_items("Reports no significant weight loss, no night sweats, and no recent travel.") == [
        "significant weight loss",
        "night sweats",
        "recent travel",
    ]
    assert denial_items("The patient reports a cough.") is None
    assert first_person("She notes that her symptoms worsen after activity.", "female") == (
        "My symptoms worsen after activity."
    )
    assert first_person("He has a history of hypertension for which he takes clopamide.", "male") == (
        "I have a history of hypertension for which I take clopamide."
    )
    assert patient_wording("Insulin.", "medication", "male") == "I take insulin."
    assert patient_wording("Hypertension.", "pmh", "female") == "I have hypertension."


def test_import_command_writes_one_file_per_case(tmp_path):
    source = write_jsonl(tmp_path / "cases.jsonl", [CASE, CASE])
    assert import_command(source, tmp_path / "out") == f"wrote 2 scenarios to {tmp_path / 'out'}"
    loaded = load_library(tmp_path / "out")
    assert sorted(s.id for s in loaded) == ["agentclinic-medqa-001", "agentclinic-medqa-002"]


SHIPPED = sorted((LIBRARY_ROOT / "agentclinic").glob("*.yaml"))


def test_shipped_agentclinic_library_is_complete():
    scenarios = load_library("agentclinic")
    assert len(scenarios) == len(SHIPPED) == 214


@needs_source
def test_shipped_agentclinic_library_is_current(imported):
    for scenario in imported:
        path = LIBRARY_ROOT / "agentclinic" / f"{scenario.id}.yaml"
        assert path.read_text(encoding="utf-8") == dump_scenario(scenario), path.name


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_agentclinic_scenario_passes_the_gold_check(path):
    assert gold_check(load_scenario(path)) == []
