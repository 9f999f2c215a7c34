"""A diagnosis is one candidate: named, within a small margin of words, and not hedged with another disease."""

from __future__ import annotations

import pytest

from consultgym.agents.judge.diagnosis import LENGTH_MARGIN, is_correct
from consultgym.agents.judge.diseases import build_library_terms, is_disease_word, library_terms, other_diseases
from consultgym.agents.judge.offline import diagnosis_matches
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Diagnosis
from consultgym.testing.gaming import HEDGE_SEPARATORS

APPENDICITIS = Diagnosis(name="Acute appendicitis", synonyms=["appendicitis", "inflamed appendix"])
LIBRARY = load_library("all")


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("inferior STEMI", True),
        ("Inferior ST-elevation myocardial infarction", True),
        ("Probably an acute inferior STEMI due to right coronary artery occlusion", True),
        ("likely MI", True),
        ("STEMI or unstable angina or aortic dissection", False),  # a hedge, even with the right name first
        ("unstable angina or STEMI", False),
        ("STEMI unstable angina", False),  # a list without separators
        ("STEMI with pericarditis", False),  # a disease word the lexicon does not list, by its suffix
        ("STEMI unlikely", False),
        ("anything but STEMI", False),
        ("not STEMI", False),
        ("", False),
    ],
)
def test_diagnosis_matching(chest_scenario, given, correct):
    assert diagnosis_matches(chest_scenario, given) is correct


@pytest.mark.parametrize("separator", list(HEDGE_SEPARATORS.values()), ids=list(HEDGE_SEPARATORS))
def test_hedges_with_every_separator_are_wrong(separator):
    for other in ("mesenteric adenitis", "gastroenteritis", "Crohn's disease", "ovarian torsion", "pneumonia"):
        assert not is_correct(APPENDICITIS, separator.join(["Acute appendicitis", other]))
        assert not is_correct(APPENDICITIS, separator.join([other, "Acute appendicitis"]))


def test_a_bag_of_words_is_not_a_diagnosis():
    bag = "acute appendicitis pneumonia infection syndrome chronic disease viral bacterial"
    assert not is_correct(APPENDICITIS, bag)
    modifiers = ["perforated", "gangrenous", "retrocaecal", "suppurative", "complicated", "early", "severe"]
    padded = "acute appendicitis " + " ".join(modifiers[: LENGTH_MARGIN + 2])
    assert not is_correct(APPENDICITIS, padded)
    assert is_correct(APPENDICITIS, "acute appendicitis, perforated")  # a modifier within the margin


def test_a_more_specific_form_of_the_name_is_not_a_hedge():
    assert is_correct(Diagnosis(name="Pneumonia"), "community acquired pneumonia")
    pneumonia = [frozenset({"pneumonia"})]
    assert other_diseases("community acquired pneumonia", pneumonia, pneumonia) == []
    assert other_diseases("pneumonia and localized edema", pneumonia, pneumonia) == ["localized edema"]


def test_names_that_hold_separators_match_whole():
    copd = Diagnosis(name="Acute COPD exacerbation / infection")
    assert is_correct(copd, "Acute COPD exacerbation / infection")


def test_disease_words():
    assert is_disease_word("adenitis") and is_disease_word("lymphoma") and is_disease_word("anaemia")
    assert not is_disease_word("diagnosis") and not is_disease_word("inferior") and not is_disease_word("syndrome")


def test_every_shipped_name_is_judged_correct_and_no_other_name_is():
    for scenario in LIBRARY:
        assert diagnosis_matches(scenario, scenario.diagnosis.name), scenario.id
        for differential in scenario.diagnosis.differentials:
            hedge = f"{scenario.diagnosis.name} or {differential}"
            if not diagnosis_matches(scenario, differential):
                assert not diagnosis_matches(scenario, hedge), (scenario.id, hedge)


def test_the_shipped_diagnosis_vocabulary_is_current():
    # After the library changes: python -m consultgym.agents.judge.diseases
    assert library_terms() == build_library_terms()
