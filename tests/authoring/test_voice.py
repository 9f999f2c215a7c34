"""The imported patient speaks in the first person, grammatically; a parent speaks for a child; examiner remarks and
clinicians' observations are not the patient's to say."""

from __future__ import annotations

import re

import pytest

from consultgym.authoring.importers.fragments import Speaker, fragment_wording
from consultgym.authoring.importers.statements import Kind, classify, denial_say
from consultgym.authoring.importers.voice import first_person, parent_voice, patient_wording
from consultgym.authoring.importers.wording import clauses_with_but, denial_items
from consultgym.scenarios.loader import load_library

IMPORTED = load_library("agentclinic")


@pytest.mark.parametrize(
    ("text", "category", "sex", "said"),
    [
        ("The patient’s medication regimen includes enalapril.", "hpi", "male",
         "My medication regimen includes enalapril."),
        ("Ramipril 10 mg daily.", "medication", "male", "I take ramipril 10 mg daily."),
        ("Retired school teacher.", "social", "female", "I'm a retired school teacher."),
        ("Non-smoker and drinks wine occasionally.", "social", "female",
         "I don't smoke, and I drink wine occasionally."),
        ("Sexually active with one partner.", "social", "male", "I'm sexually active with one partner."),
        ("Use illicit drugs.", "social", "male", "I use illicit drugs."),
        ("Past cocaine use.", "social", "male", "I used cocaine in the past."),
        ("Epilepsy: Taking phenytoin.", "pmh", "male", "I have epilepsy; I'm taking phenytoin."),
        ("Hypertension.", "pmh", "female", "I have hypertension."),
        ("For his osteoarthritis, he occasionally takes acetaminophen.", "hpi", "male",
         "For my osteoarthritis, I occasionally take acetaminophen."),
        ("Since then, she has been hearing voices urging her to harm herself.", "hpi", "female",
         "Since then, I have been hearing voices urging me to harm myself."),
        ("The patient reports the appearance of small bumps on his left thigh.", "hpi", "male",
         "I've noticed small bumps on my left thigh."),
        ("The patient presents with a complaint of severe vulvar itching.", "hpi", "female",
         "I've had severe vulvar itching."),
        ("Over the past month, the patient has also developed difficulty swallowing.", "hpi", "male",
         "Over the past month, I have also developed difficulty swallowing."),
        ("The patient presents with her mother due to bizarre behavior.", "hpi", "female",
         "I've come in with my mother due to bizarre behavior."),
        ("Menarche at 13 years.", "pmh", "female", "My periods started at 13."),
        ("Unverified vaccination status.", "pmh", "male", "I'm not sure my vaccinations are up to date."),
    ],
)  # fmt: skip
def test_the_patient_speaks_in_the_first_person(text, category, sex, said):
    assert patient_wording(text, category, sex) == said


@pytest.mark.parametrize(
    ("text", "category", "child", "informant", "sex", "said"),
    [
        ("The mother reports that the infant has not passed meconium since birth.", "hpi", "baby", "mother", "male",
         "My baby has not passed meconium since birth."),
        ("The patient's mother reports noticing papules on the child's abdomen.", "hpi", "daughter", "mother", "female",
         "I've noticed papules on my daughter's abdomen."),
        ("His mother reports that despite the feeding difficulties, she believes the child is gaining weight.", "hpi",
         "baby", "mother", "male", "Despite the feeding difficulties, I believe my baby is gaining weight."),
        ("Bilious vomiting.", "symptom", "baby", "mother", "male", "My baby has had bilious vomiting."),
        ("Inability to pass meconium.", "symptom", "baby", "mother", "male",
         "My baby has been unable to pass meconium."),
        ("Birth was uneventful.", "pmh", "son", "mother", "male", "His birth was uneventful."),
        ("First child to young parents.", "social", "son", "mother", "male",
         "My son is the first child to young parents."),
        ("Mother has noticed a change in the child's play patterns.", "hpi", "son", "mother", "male",
         "We've noticed a change in my son's play patterns."),
    ],
)  # fmt: skip
def test_a_parent_speaks_for_a_child(text, category, child, informant, sex, said):
    assert patient_wording(text, category, sex, child, informant) == said
    assert parent_voice(text, category, child, informant, sex) == said


def test_remarks_summaries_and_observations_are_sorted_out():
    assert classify("Information not provided but may include details about diet.", "social") == Kind.remark
    assert classify("Unable to perform due to patient's unconscious state.", "ros") == Kind.remark
    assert classify("All other systems reviewed are within normal limits.", "ros") == Kind.nothing_else
    assert classify("Past medical history is unremarkable.", "hpi") == Kind.unremarkable
    assert classify("During the physical exam, the patient is noted to be diaphoretic.", "ros") == Kind.observation
    assert classify("Mild lymphadenopathy is noted.", "ros") == Kind.observation
    assert classify("The patient reports a cough.", "hpi") == Kind.statement


def test_denials_read_as_denials():
    assert denial_items("Denies a fever.") == ["fever"]
    assert denial_items("Denies skin, cardiac, or respiratory symptoms.") == [
        "skin symptoms",
        "cardiac symptoms",
        "respiratory symptoms",
    ]
    assert denial_items("Denies significant past medical or psychiatric history.") == [
        "significant past medical history",
        "psychiatric history",
    ]
    assert denial_items("Roommates did not report any fever or vomiting.") == ["fever", "vomiting"]
    assert clauses_with_but("Denies diabetes but is concerned about her kidneys.") == [
        "Denies diabetes.",
        "The patient is concerned about her kidneys.",
    ]
    assert denial_say("using alcohol", Speaker.patient()) == "I don't use alcohol."
    assert denial_say("fever", Speaker.child("son", "male")) == "No fever."


def test_fragments_with_a_subject_are_left_to_the_sentence_rules():
    assert fragment_wording("The patient reports a cough.", "hpi", Speaker.patient()) is None
    assert first_person("She notes that her symptoms worsen after activity.", "female") == (
        "My symptoms worsen after activity."
    )


# Whole-library checks: what no imported reply may contain.
_NOT_FIRST_PERSON = re.compile(
    r"\b(the patient|patient's|pt)\b|\bI ['’]s\b|\b(me|my) (is|was|has|does|starts)\b|\bmy (to|and|negatively)\b|"
    r"\bI (is|has|does|takes|reports|mentions|notes)\b|\bmy [a-z]+ my\b|\bmy (son|daughter|baby)'s (mother|father)\b|"
    r"\b(may include|not provided|information not)\b|^No (a|an) |\bhas newborn\b",
    re.IGNORECASE,
)


def test_no_imported_reply_speaks_of_the_patient_in_the_third_person_or_breaks_grammar():
    bad = [
        (s.id, f.id, f.spoken)
        for s in IMPORTED
        for f in s.facts
        if not f.hidden_until_requested and _NOT_FIRST_PERSON.search(f.spoken)
    ]
    assert bad == []


def test_every_imported_reply_is_a_sentence():
    for scenario in IMPORTED:
        for fact in scenario.facts:
            if not fact.hidden_until_requested:
                assert fact.spoken[:1].isupper() and fact.spoken.rstrip()[-1] in ".!?'\")", (scenario.id, fact.spoken)


def test_adults_do_not_speak_of_themselves_as_he_or_she():
    pronoun = re.compile(r"^(He|She) (is|has|was|reports|notes)\b")
    for scenario in (s for s in IMPORTED if not s.patient.informant):
        for fact in scenario.facts:
            assert fact.hidden_until_requested or not pronoun.match(fact.spoken), (scenario.id, fact.spoken)


def test_rubric_questions_ask_about_a_thing_not_a_sentence():
    for scenario in IMPORTED:
        for item in scenario.must_ask:
            for example in item.examples:
                assert not re.search(r"\bany (the|a|an|patient)\b", example, re.IGNORECASE), (scenario.id, example)
