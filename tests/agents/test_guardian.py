"""The offline guardian flags hallucinated replies and passes faithful paraphrases of the facts."""

from __future__ import annotations

import pytest

from consultgym.agents.guardian.offline import OfflineGuardian, clauses, numbers_in
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
