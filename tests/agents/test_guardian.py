"""The offline guardian flags hallucinated replies and passes faithful paraphrases of the facts."""

from __future__ import annotations

import unicodedata

import pytest

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.guardian import leaks
from consultgym.agents.guardian.offline import OfflineGuardian, clauses, numbers_in, reply_check
from consultgym.records import IssueKind

HALLUCINATED = [
    ("I take metformin 500 mg twice a day.", IssueKind.unsupported),  # unsupported drug and dose
    ("I'm on aspirin every morning.", IssueKind.unsupported),
    ("I take ramipril, 10 mg every day.", IssueKind.unsupported),  # wrong dose
    ("It started about 3 days ago.", IssueKind.unsupported),  # wrong duration
    ("It started 5 days ago.", IssueKind.unsupported),
    ("I've had a high fever since yesterday.", IssueKind.contradicts),  # flipped negation
    ("Yes, I've been coughing a lot.", IssueKind.contradicts),
    ("The pain doesn't go down my left arm at all.", IssueKind.contradicts),
    ("I'm not sweating at all.", IssueKind.contradicts),
    ("My mother had diabetes.", IssueKind.unsupported),  # invented family history
    ("My brother died of a stroke.", IssueKind.unsupported),
    ("I think I'm having a heart attack.", IssueKind.leak),  # names the diagnosis
    ("The doctor before said it was a STEMI.", IssueKind.leak),
    ("Could this be a myocardial infarction?", IssueKind.leak),
    ("I have asthma and use an inhaler.", IssueKind.unsupported),
    ("I've also got a pounding headache.", IssueKind.unsupported),
    ("I've been coughing up blood.", IssueKind.unsupported),
    ("I had surgery on my knee last year.", IssueKind.unsupported),
    ("I smoke about 40 a day.", IssueKind.unsupported),
    ("I'm allergic to penicillin.", IssueKind.unsupported),
    ("I feel dizzy and short of breath.", IssueKind.unsupported),
    ("I was diagnosed with high cholesterol last year.", IssueKind.unsupported),
]

FAITHFUL = [
    "It came on about two hours ago, I was just sitting watching telly.",
    "Around 2 hours ago, while I was sitting down.",
    "It's like a really heavy weight pressing on my chest.",
    "It goes into my left arm and up to my jaw.",
    "The pain travels down the left arm.",
    "About 8 out of 10, it's bad.",
    "I've been sweating a lot with it.",
    "I feel a bit sick to my stomach.",
    "No, I haven't had a fever.",
    "No, I haven't been coughing.",
    "I take ramipril 5 mg daily for my blood pressure.",
    "Just the ramipril, five mg every day.",
    "No allergies that I know of.",
    "I've had high blood pressure for about ten years.",
    "My dad had a heart attack when he was 60.",
    "I smoke around 20 a day and have done for 30 years.",
    "A few pints at the weekend, about 10 units a week.",
    "No, I haven't noticed anything like that.",
    "I'm not sure, nothing comes to mind.",
    "I drive a lorry for a living.",
    "I don't have diabetes.",
    "No, I've never had asthma.",
]


@pytest.mark.parametrize(("reply", "kind"), HALLUCINATED, ids=[r for r, _ in HALLUCINATED])
def test_hallucinations_are_flagged(chest_scenario, reply, kind):
    verdict = OfflineGuardian().verdict(reply, chest_scenario)
    assert not verdict.ok
    assert kind in {issue.kind for issue in verdict.issues}, verdict.issues
    for issue in verdict.issues:
        assert issue.text and issue.text in reply  # the span is quoted from the reply
        assert reply[issue.start : issue.start + len(issue.text)] == issue.text


@pytest.mark.parametrize("reply", FAITHFUL)
def test_faithful_paraphrases_pass(chest_scenario, reply):
    verdict = OfflineGuardian().verdict(reply, chest_scenario)
    assert verdict.ok, verdict.issues
    assert verdict.source == "offline"


def test_guardian_works_on_any_patients_reply(chest_scenario):
    reply = "Well, it started two hours ago. Also my mother had cancer and I take warfarin."
    verdict = OfflineGuardian().verdict(reply, chest_scenario)
    flagged = [issue.text for issue in verdict.issues]
    assert len(flagged) == 2
    assert "mother had cancer" in flagged[0] and "warfarin" in flagged[1]


def test_clauses_and_numbers():
    assert [c for c, _ in clauses("It hurts, and temperature 37.4 today. No.")] == [
        "It hurts",
        "temperature 37.4 today",
        "No",
    ]
    assert numbers_in("a couple of days, 500 mg, two tablets, one of them") == [2.0, 500.0, 2.0]


# An echo repeats the doctor's own words in a denial or a question. The patient does not know the diagnosis, so an
# honest echo reads the same whichever illness the doctor names: blocking it only for the diagnosis would name it.
def asked(scenario, question: str) -> PatientContext:
    return PatientContext(scenario, parse_action(question))


ECHOES = [
    ("Have you ever been told you have a STEMI?", "No, I've never been told I have a STEMI."),
    ("Have you ever been told you have costochondritis?", "No, I've never been told I have costochondritis."),
    ("Is it a heart attack, do you think?", "A heart attack? I really don't know."),
    ("Have you had a heart attack before?", "No, I've never had a heart attack."),  # the father's is family history
    ("Do you take metformin?", "Metformin? No."),
]


@pytest.mark.parametrize(("question", "reply"), ECHOES, ids=[r for _, r in ECHOES])
def test_an_echo_of_the_doctors_own_words_is_no_issue(chest_scenario, question, reply):
    verdict = OfflineGuardian().verdict(reply, chest_scenario, asked(chest_scenario, question))
    assert verdict.ok, verdict.issues


@pytest.mark.parametrize(
    ("question", "reply", "kind"),
    [
        ("Any other problems?", "No, I've never been told I have a STEMI.", IssueKind.leak),  # nobody asked
        ("Is it a STEMI?", "Yes, it's a STEMI.", IssueKind.leak),  # affirmed: a claim, not an echo
        ("Was it a STEMI or a heart attack?", "Not a STEMI, it was a heart attack.", IssueKind.leak),
        ("Is it costochondritis?", "Yes, I've been told I have costochondritis.", IssueKind.unsupported),
        ("What did they say it was?", "They said it was croup.", IssueKind.unsupported),  # any illness needs a fact
    ],
)
def test_what_is_not_an_echo_is_still_flagged(chest_scenario, question, reply, kind):
    verdict = OfflineGuardian().verdict(reply, chest_scenario, asked(chest_scenario, question))
    assert kind in {issue.kind for issue in verdict.issues}, verdict.issues


def test_an_echoed_denial_never_depends_on_which_candidate_is_the_diagnosis(chest_scenario):
    candidates = ["STEMI", "heart attack", "pneumonia", "costochondritis", "a chest infection", "croup", "GERD"]
    guardian = OfflineGuardian()
    echo = "No, I've never been told I have {}."
    verdicts = [
        guardian.verdict(echo.format(c), chest_scenario, asked(chest_scenario, f"Told {c}?")).ok for c in candidates
    ]
    assert verdicts == [True] * len(candidates)


def test_ascii_text_has_nothing_to_fold_but_case():
    # `leak_fold` returns ASCII text lowercased without the Unicode steps; they must change no ASCII character.
    for code in range(128):
        char = chr(code)
        assert unicodedata.normalize("NFKD", char) == char
        assert unicodedata.category(char) not in ("Mn", "Me", "Cf")
        assert char.lower().translate(leaks._HOMOGLYPHS) == char.lower()
    assert leaks.leak_fold("Acute APPENDICITIS`s") == "acute appendicitis's"
    assert leaks.leak_fold("Аppéndi\u200bcitis") == "appendicitis"


def test_a_clause_met_again_is_placed_where_this_reply_has_it(chest_scenario):
    # Clause checks are kept per clause; where a clause starts, and whether it sits in a question, are this reply's.
    first = reply_check("It hurts a lot.", chest_scenario).clauses[0]
    again = reply_check("So. It hurts a lot?", chest_scenario).clauses[1]
    assert (first.text, first.start, first.echoable) == ("It hurts a lot", 0, False)
    assert (again.text, again.start, again.echoable) == ("It hurts a lot", 4, True)
    assert reply_check("It hurts a lot.", chest_scenario).clauses[0] == first


def test_a_reply_in_the_facts_own_words_is_faithful_and_nothing_else_is(chest_scenario):
    # `review` stops at a faithful reply: every clause verbatim, no diagnosis named, none spelled across clauses.
    verbatim = "It started about 2 hours ago while I was sitting watching TV. I've been sweating buckets."
    assert reply_check(verbatim, chest_scenario).faithful
    assert OfflineGuardian().verdict(verbatim, chest_scenario).ok
    for reply in (
        "It started about 2 hours ago. I also have a rash.",  # a clause no fact says
        "I've been sweating buckets. My doctor said it is a heart attack.",  # names the diagnosis
        "S.T.E.M.I.",  # spelled across clauses
    ):
        assert not reply_check(reply, chest_scenario).faithful, reply
        assert not OfflineGuardian().verdict(reply, chest_scenario).ok, reply
