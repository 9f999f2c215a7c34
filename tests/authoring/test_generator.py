"""Scenarios generated from DDXPlus: determinism, contents, wording, must-ask items and the shipped library."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from consultgym.authoring import ddxplus_tables
from consultgym.authoring.ddxplus_wording import third_person
from consultgym.authoring.generator import generate_command, generate_many, generate_scenario
from consultgym.authoring.gold import gold_check
from consultgym.authoring.topics import fact_topics
from consultgym.errors import ScenarioError
from consultgym.scenarios.knowledge import CITATION, load_knowledge
from consultgym.scenarios.loader import LIBRARY_ROOT, dump_scenario, load_library, load_scenario
from consultgym.scenarios.retrieval import facts_for_question
from consultgym.scenarios.schema import Fact, FactCategory, Priority, RubricItem, Scenario
from consultgym.text import contains_phrase

KB = load_knowledge()
CODE_OF_FACT = {KB.evidence(code).fact_id: code for code in KB.evidences()}
STANDARD_ITEMS = {
    "ask_onset",
    "ask_medications",
    "ask_allergies",
    "ask_past_history",
    "ask_family_history",
    "ask_social_history",
}


@pytest.fixture(scope="module")
def every_condition() -> list[Scenario]:
    return generate_many(per_condition=1)


def test_same_seed_gives_the_same_scenario_and_seeds_differ():
    first = generate_scenario("Pneumonia", seed=7)
    assert generate_scenario("Pneumonia", seed=7) == first
    assert dump_scenario(generate_scenario("pneumonia", seed=7)) == dump_scenario(first)
    others = {dump_scenario(generate_scenario("Pneumonia", seed=s)) for s in range(1, 6)}
    assert len(others) == 5
    assert generate_scenario("Pneumonia", seed=8).id == "ddxplus-35-8"


def test_condition_names_resolve_like_the_knowledge_base():
    assert generate_scenario("common cold", 2) == generate_scenario("URTI", 2)
    with pytest.raises(ScenarioError, match="did you mean 'Pneumonia'"):
        generate_scenario("pnemonia", 1)


def test_diagnosis_source_and_tags(every_condition):
    for scenario in every_condition:
        name = scenario.tags[1]
        record = KB.condition(name)
        assert scenario.tags == ["ddxplus", name]
        assert scenario.diagnosis.name == record.display_name and scenario.diagnosis.icd10 == record.icd10
        assert scenario.diagnosis.differentials == [KB.condition(d).display_name for d in KB.differentials(name)]
        assert scenario.source.dataset == "ddxplus" and scenario.source.license == "CC-BY-4.0"
        assert CITATION in scenario.source.reference and name in scenario.source.reference
        assert scenario.specialty == ddxplus_tables.PROFILES[name].specialty
    urti = generate_scenario("URTI", 1)
    assert "common cold" in urti.diagnosis.synonyms
    assert generate_scenario("Larygospasm", 1).diagnosis.name == "Laryngospasm"


def test_facts_come_from_the_condition_and_negatives_from_its_differentials(every_condition):
    for scenario in every_condition:
        name = scenario.tags[1]
        own = KB.condition(name).evidences
        differential_only = set().union(*(KB.condition(d).evidences for d in KB.differentials(name))) - own
        for fact in scenario.facts:
            code = CODE_OF_FACT.get(fact.id)
            if code is None or code == "E_204":  # standard history facts, travel (every condition lists it)
                continue
            if fact.present:
                assert code in own, (scenario.id, fact.id)
            elif code not in own:
                assert code in differential_only, (scenario.id, fact.id)
        negatives = [f for f in scenario.facts if not f.present and CODE_OF_FACT.get(f.id) in differential_only]
        assert 3 <= len(negatives) <= 4, scenario.id


def test_scales_and_multiple_choice_values_are_rendered():
    scenario = generate_scenario("Possible NSTEMI / STEMI", 1)
    severity = scenario.fact("pain_severity")
    level = int(re.search(r"(\d+)/10", severity.text).group(1))
    low, high = ddxplus_tables.PROFILES["Possible NSTEMI / STEMI"].pain.intensity
    assert low <= level <= high and f"{level} out of 10" in severity.say
    pain = scenario.fact("pain")
    assert pain.say.startswith("I have pain in ") and "chest" in pain.keywords
    character = scenario.fact("pain_character")
    assert character.say.startswith("The pain feels ")
    assert not {"heartbreaking", "a pulse", "tedious"} & set(character.keywords)  # release wording is reworded


def test_travel_matters_where_the_condition_is_acquired_abroad():
    chagas = generate_scenario("Chagas", 1)
    assert chagas.fact("travel").present and "America" in chagas.fact("travel").text
    assert any(item.id == "ask_travel" and item.priority == Priority.critical for item in chagas.must_ask)
    assert not generate_scenario("GERD", 1).fact("travel").present


def test_no_spoken_fact_names_the_diagnosis(every_condition):
    for scenario in every_condition:
        spoken = [scenario.opening] + [
            f.spoken for f in scenario.facts if not f.hidden_until_requested and f.category != FactCategory.family
        ]
        for text in spoken:
            assert not any(contains_phrase(text, name) for name in scenario.diagnosis.names), (scenario.id, text)


def test_children_are_described_by_a_parent():
    for seed in (1, 2, 3):
        croup = generate_scenario("Croup", seed)
        assert croup.patient.age < 5 and croup.patient.informant in {"mother", "father"}
        assert "I've brought my" in croup.opening
        for fact in croup.facts:
            if fact.category != FactCategory.family and not fact.hidden_until_requested:
                assert not re.match(r"^(I've|I have|I'm|My )", fact.spoken), fact.spoken
    assert third_person("No, I haven't had a fever.", "she", "her", "her") == "No, she hasn't had a fever."
    assert third_person("I wheeze when I breathe out.", "he", "his", "him") == "He wheezes when he breathes out."
    assert third_person("My nose is blocked.", "he", "his", "him") == "His nose is blocked."


def test_must_ask_items_cover_discriminating_evidence_and_standard_history(every_condition):
    for scenario in every_condition:
        ids = {item.id for item in scenario.must_ask}
        assert STANDARD_ITEMS <= ids, (scenario.id, STANDARD_ITEMS - ids)
        assert any(item.priority == Priority.critical for item in scenario.must_ask), scenario.id
        name = scenario.tags[1]
        ranked = KB.discriminating_evidences(name, KB.differentials(name))
        critical = [i for i in scenario.must_ask if i.priority == Priority.critical and i.id != "ask_travel"]
        for item in critical:
            assert CODE_OF_FACT[item.facts[0]] in ranked and scenario.fact(item.facts[0]).present


def test_first_examples_reveal_every_linked_fact(every_condition):
    for scenario in every_condition:
        for item in scenario.must_ask:
            revealed = {f.id for f in facts_for_question(scenario, item.examples[0])}
            assert set(item.facts) <= revealed, (scenario.id, item.id)
        assert gold_check(scenario) == []


def test_every_evidence_question_reaches_its_own_fact():
    """The phrasing table's keywords must let a question about the evidence find the fact: the clinician's question
    (one compound DDXPlus question, E_173, asks about three places at once and is a checklist), else the item's
    plain wording, which the generator then puts first."""
    unreached = []
    for code in KB.evidences():
        evidence = KB.evidence(code)
        category = FactCategory(evidence.category)
        fact = Fact(
            id="f",
            category=category,
            text=evidence.label,
            say=evidence.phrasing["pos"],
            keywords=evidence.keywords,
            topics=fact_topics(category.value, evidence.label, evidence.phrasing["pos"]),
        )
        case = Scenario(
            id="probe",
            title="probe",
            source={"dataset": "t", "license": "MIT"},
            patient={"age": 40, "sex": "female", "persona": "p"},
            opening="Hello.",
            facts=[fact],
            must_ask=[RubricItem(id="i", ask="a")],
            diagnosis={"name": "Zzz"},
        )
        asked = [evidence.question, evidence.question_en, f"Have you had {evidence.label}?"]
        assert any(facts_for_question(case, question) for question in asked), (code, asked)
        if not facts_for_question(case, evidence.question):
            unreached.append(code)
    assert unreached == ["E_173"]


def test_tables_use_release_values():
    location_names = set(KB.evidence("E_55").values.values())
    characters = set(KB.evidence("E_54").values.values())
    for name, profile in ddxplus_tables.PROFILES.items():
        assert name in KB.conditions()
        assert set(profile.presenting) <= KB.condition(name).evidences, name
        for entry in [
            *(profile.pain.sites + profile.pain.radiation if profile.pain else ()),
            *(profile.rash.sites if profile.rash else ()),
            *profile.swelling,
        ]:
            base = re.sub(r"\((L|R|both)\)$", "", entry)
            if entry != "nowhere":
                assert base in ddxplus_tables.SITES, entry
                assert {base, f"{base}(R)"} & location_names, entry
        assert set(profile.pain.character if profile.pain else ()) <= characters
    painful = [c for c in KB.conditions() if "E_55" in KB.condition(c).evidences]
    assert all(ddxplus_tables.PROFILES[c].pain for c in painful)


def test_generate_command_prints_or_writes(tmp_path):
    text = generate_command("Pneumonia", seed=3)
    assert yaml.safe_load(text)["id"] == "ddxplus-35-3"
    target = tmp_path / "one.yaml"
    assert generate_command("URTI", seed=1, out=target) == f"wrote {target}"
    assert load_scenario(target) == generate_scenario("URTI", 1)
    assert generate_command("Croup", seed=1, count=2, out=tmp_path / "croup").endswith(
        "2 scenarios to " + str(tmp_path / "croup")
    )
    assert generate_command(all_conditions=True, per_condition=1, out=tmp_path / "all") == (
        f"wrote 49 scenarios to {tmp_path / 'all'}"
    )
    assert len(list((tmp_path / "all").glob("*.yaml"))) == 49
    with pytest.raises(ScenarioError, match="--out"):
        generate_command(all_conditions=True)


SHIPPED = sorted((LIBRARY_ROOT / "generated").glob("*.yaml"))


def test_shipped_generated_library_is_complete_and_current():
    scenarios = load_library("generated")
    assert len(scenarios) == len(SHIPPED) >= 147
    per_condition: dict[str, int] = {}
    for scenario in scenarios:
        per_condition[scenario.tags[1]] = per_condition.get(scenario.tags[1], 0) + 1
        seed = int(scenario.id.rsplit("-", 1)[1])
        path = Path(LIBRARY_ROOT / "generated" / f"{scenario.id}.yaml")
        assert path.read_text(encoding="utf-8") == dump_scenario(generate_scenario(scenario.tags[1], seed)), path.name
    assert len(per_condition) == 49 and min(per_condition.values()) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_generated_scenario_passes_the_gold_check(path):
    assert gold_check(load_scenario(path)) == []
