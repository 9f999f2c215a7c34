"""Conduct checks: a reply must answer the doctor's question, as the patient (role breaks and non-answers).

The bad replies are the kinds SmolLM2-135M produced as the patient (tests/fixtures/real_llm_drafts.jsonl); the good
ones are what the offline patient says, which must never be flagged, over the whole starter library too.
"""

from __future__ import annotations

import json

import pytest

from consultgym.actions import parse_action
from consultgym.agents.base import Exchange, PatientContext
from consultgym.agents.guardian.conduct import conduct_issues
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.records import IssueKind
from consultgym.runner import run
from consultgym.settings import RunConfig

ROLE_BREAKS = [
    "This is a medical consultation. I'm a 58-year-old lorry driver, and I'm here to help you.",
    "How can I assist you today?",
    "As an AI, I cannot describe my symptoms.",
    "Doctor: Where does it hurt?",
    "## What you know about your health",
    "You should see a doctor about your symptoms.",
    "They're asking you to tell them about your health.",
    "I'm a doctor, I take a lot of medications.",
]
IN_ROLE = [
    "It started about 2 hours ago while I was watching TV.",
    "No, I haven't noticed anything like that.",
    "My wife made me come in; she worries.",
    "The doctor at the walk-in said to come here.",
    "Could you ask me one thing at a time?",
]


def ctx(scenario, question: str = "When did it start?", history: tuple[Exchange, ...] = ()) -> PatientContext:
    return PatientContext(scenario, parse_action(question), history, turn=len(history))


@pytest.mark.parametrize("reply", ROLE_BREAKS)
def test_speaking_as_the_doctor_or_an_assistant_is_a_role_break(chest_scenario, reply):
    issues = conduct_issues(reply, ctx(chest_scenario))
    assert [issue.kind for issue in issues][:1] == [IssueKind.role_break]
    assert reply[issues[0].start :].startswith(issues[0].text)  # the span quotes the reply


@pytest.mark.parametrize("reply", IN_ROLE)
def test_ordinary_patient_replies_are_in_role_and_answers(chest_scenario, reply):
    assert conduct_issues(reply, ctx(chest_scenario)) == []


def test_words_of_the_persona_are_not_a_role_break(chest_scenario):
    nurse = chest_scenario.model_copy(
        update={"patient": chest_scenario.patient.model_copy(update={"persona": "a retired nurse"})}
    )
    assert conduct_issues("I'm a nurse, so I know it's not nothing.", ctx(nurse)) == []
    assert conduct_issues("I'm a nurse, so I know it's not nothing.", ctx(chest_scenario)) != []


def test_a_looping_reply_is_a_non_answer_with_one_issue(chest_scenario):
    loop = "I'm a smoker. " * 12
    issues = OfflineGuardian().verdict(loop, chest_scenario, ctx(chest_scenario, "Do you smoke?")).issues
    non_answers = [i for i in issues if i.kind == IssueKind.non_answer]
    assert len(non_answers) == 1 and "12 times" in non_answers[0].detail
    invented = "It's a burning sort of pain that comes in waves. " * 2
    assert [i.kind for i in conduct_issues(invented, ctx(chest_scenario))] == [IssueKind.non_answer]


def test_three_denials_for_three_questions_are_answers(chest_scenario):
    denials = "No, nothing like that. No, nothing like that. No, nothing like that."
    assert conduct_issues(denials, ctx(chest_scenario, "Any fever? Any cough? Any rash?")) == []


def test_the_same_reply_to_a_different_question_is_a_non_answer_unless_it_answers_it(chest_scenario):
    onset = "It started about 2 hours ago while I was watching TV."
    history = (Exchange("When did it start?", onset),)
    [issue] = conduct_issues(onset, ctx(chest_scenario, "Do you take any medications?", history))
    assert issue.kind == IssueKind.non_answer and "repeats word for word" in issue.detail
    # Asked again about the onset, the same words answer it; the same question repeated gets the same answer.
    assert conduct_issues(onset, ctx(chest_scenario, "How long ago did the pain begin?", history)) == []
    assert conduct_issues(onset, ctx(chest_scenario, "When did it start?", history)) == []
    denial = "No, I haven't noticed anything like that."
    denied = (Exchange("Any fever?", denial),)
    assert conduct_issues(denial, ctx(chest_scenario, "Any rash?", denied)) == []


def test_the_offline_patient_is_never_flagged_for_conduct(tmp_path):
    out = tmp_path / "run.jsonl"
    for doctor in ("systematic", "knowledge"):
        run(RunConfig(out=out, scenarios=["starter"], doctor=doctor, progress=False))
        kinds = [
            issue["kind"]
            for line in out.read_text().splitlines()
            for turn in json.loads(line)["turns"]
            for verdict in turn["verdicts"]
            for issue in verdict["issues"]
        ]
        assert not {"non_answer", "role_break"} & set(kinds), doctor
        out.unlink()
