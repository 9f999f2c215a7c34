"""The DDXPlus knowledge graph: contents, lookups, differentials, discriminating evidences and the doctor helpers."""

from __future__ import annotations

import math

import pytest

from consultgym.errors import ConsultGymError, ScenarioError
from consultgym.scenarios import knowledge
from consultgym.scenarios.knowledge import load_knowledge


@pytest.fixture(scope="module")
def kb() -> knowledge.KnowledgeBase:
    return load_knowledge()


def test_graph_holds_every_condition_and_evidence(kb):
    kinds = [data["kind"] for _, data in kb.graph.nodes(data=True)]
    assert kinds.count("condition") == 49 and len(kb.conditions()) == 49
    assert kinds.count("evidence") == 223 and len(kb.evidences()) == 223
    relations = {data["relation"] for _, _, data in kb.graph.edges(data=True)}
    assert relations == {"symptom", "antecedent", "follow_up"}


def test_evidence_nodes_carry_the_release_fields_in_english(kb):
    fever = kb.graph.nodes["E_91"]
    assert fever["question_en"].startswith("Do you have a fever")
    assert fever["data_type"] == "B" and fever["is_antecedent"] is False
    location = kb.evidence("E_55")
    assert location.data_type == "M" and "iliac wing(R)" in location.values.values()
    assert kb.evidence("E_79").is_antecedent  # smoking is a risk factor


def test_condition_edges_are_typed_by_symptom_or_antecedent(kb):
    assert kb.graph.edges["Pneumonia", "E_91"]["relation"] == "symptom"
    assert kb.graph.edges["Pneumonia", "E_79"]["relation"] == "antecedent"
    assert set(kb.evidences_of("Pneumonia")) == kb.condition("Pneumonia").evidences
    assert kb.condition("Pneumonia").icd10 == "J17, J18"  # upper-cased from 'j17, j18'


def test_follow_ups_link_to_their_parent_question(kb):
    assert {"E_54", "E_55", "E_56", "E_57", "E_58", "E_59"} <= set(kb.follow_ups("E_53"))
    assert kb.evidence("E_56").parent == "E_53"
    assert kb.graph.edges["E_53", "E_56"]["relation"] == "follow_up"
    # E_69 names a parent (E_68) that the release does not contain: it is a top-level question.
    assert kb.evidence("E_69").parent is None and kb.evidence("E_69").is_root


def test_lookup_is_case_insensitive_and_knows_synonyms(kb):
    assert kb.resolve("pneumonia") == "Pneumonia"
    assert kb.resolve("  COMMON   cold ") == "URTI"
    assert kb.resolve("laryngospasm") == "Larygospasm"  # the release misspells it
    assert kb.condition("Larygospasm").display_name == "Laryngospasm"
    assert kb.resolve("guillain-barre syndrome") == "Guillain-Barré syndrome"


def test_unknown_condition_suggests_close_names(kb):
    with pytest.raises(ScenarioError, match=r"unknown DDXPlus condition 'pnemonia'; did you mean 'Pneumonia'") as info:
        kb.resolve("pnemonia")
    assert isinstance(info.value, ConsultGymError)
    with pytest.raises(ScenarioError, match="known conditions: .*URTI"):
        knowledge.evidences_of("not a disease at all")


def test_differentials_rank_by_shared_evidence(kb):
    ranked = kb.differentials("Pneumonia", k=5)
    assert "Bronchitis" == ranked[0]
    assert "Pneumonia" not in ranked and len(ranked) == 5
    similarities = [kb.similarity("Pneumonia", other) for other in ranked]
    assert similarities == sorted(similarities, reverse=True)
    assert kb.differentials("Stable angina", k=2) == ["Unstable angina", "Possible NSTEMI / STEMI"]


def test_discriminating_evidences_exclude_what_every_differential_shares(kb):
    found = kb.discriminating_evidences("Unstable angina", ["Stable angina"])
    stable = kb.condition("Stable angina").evidences
    assert {"E_13", "E_14"} <= set(found)  # worsening with less effort, pain at rest: what makes it unstable
    assert all(code in kb.condition("Unstable angina").evidences and code not in stable for code in found)
    assert "E_218" not in found  # exertional symptoms: both anginas have them
    # Stable angina has nothing unstable angina lacks, so nothing separates it.
    assert kb.discriminating_evidences("Stable angina", ["Unstable angina"]) == []


def test_discriminating_evidences_are_ranked_by_separation(kb):
    differentials = kb.differentials("Pneumonia")
    found = kb.discriminating_evidences("Pneumonia", differentials)
    scores = [kb.discrimination("Pneumonia", code, differentials) for code in found]
    assert scores == sorted(scores, reverse=True) and min(scores) > 0
    assert "E_204" not in found  # travel: every condition lists it, so it separates nothing


def test_score_conditions_favours_the_matching_condition(kb):
    pneumonia_like = ["E_91", "E_201", "E_77", "E_220", "E_94"]
    ranked = kb.score_conditions(present=pneumonia_like)
    assert ranked[0][0] == "Pneumonia"
    assert math.isclose(sum(p for _, p in ranked), 1.0)
    with_denial = dict(kb.score_conditions(present=pneumonia_like, absent=["E_220"]))
    assert with_denial["Pneumonia"] < dict(ranked)["Pneumonia"]
    subset = kb.score_conditions(present=["E_201"], candidates=["Bronchitis", "GERD"])
    assert [name for name, _ in subset] == ["Bronchitis", "GERD"]


def test_information_gain_is_the_entropy_of_the_yes_no_split(kb):
    candidates = ["Pneumonia", "Bronchitis", "GERD", "Cluster headache"]
    linked = sum("E_201" in kb.condition(c).evidences for c in candidates)  # cough: 3 of 4
    p = linked / len(candidates)
    expected = -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
    assert math.isclose(kb.information_gain("E_201", candidates), expected)
    assert kb.information_gain("E_204", candidates) == 0.0  # every candidate lists travel
    assert math.isclose(knowledge.information_gain("E_91", ["Pneumonia", "GERD"]), 1.0)  # an even split: one bit
    skewed = kb.information_gain("E_91", ["Pneumonia", "GERD"], weights={"Pneumonia": 0.9, "GERD": 0.1})
    assert skewed < 1.0


def test_rank_questions_skips_asked_and_orders_by_gain(kb):
    candidates = kb.differentials("Pneumonia") + ["Pneumonia"]
    ranked = kb.rank_questions(candidates, k=5)
    gains = [gain for _, gain in ranked]
    assert gains == sorted(gains, reverse=True) and len(ranked) == 5
    best = ranked[0][0]
    assert best not in [code for code, _ in kb.rank_questions(candidates, asked=[best], k=5)]


def test_knowledge_base_is_built_once():
    assert load_knowledge() is load_knowledge()
    assert knowledge.conditions() == load_knowledge().conditions()
    assert knowledge.differentials("URTI", 3) == load_knowledge().differentials("URTI", 3)
    assert knowledge.discriminating_evidences("URTI") == load_knowledge().discriminating_evidences("URTI")
    assert knowledge.score_conditions(["E_181"])[0][1] > 0
