"""The offline patient answers from the right facts, never volunteers others, and never names the diagnosis."""

from __future__ import annotations

import pytest

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.patient.offline import TOO_MANY, OfflinePatient, fact_only_reply
from consultgym.agents.patient.turn import PatientTurn
from consultgym.envs.driver import run_sync


def ask(scenario, text, seed=0, turn=0):
    return fact_only_reply(PatientContext(scenario, parse_action(text), seed=seed, turn=turn))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the pain start?", ["onset"]),
        ("Can you describe the pain?", ["character"]),
        ("Does it spread anywhere?", ["radiation"]),
        ("How bad is it out of 10?", ["severity"]),
        ("Have you had a fever?", ["no_fever"]),
        ("Do you take any medications?", ["meds"]),
        ("Do you have any allergies?", ["allergy"]),
        ("Any past medical history?", ["pmh"]),
        ("Does anything run in your family?", ["family"]),
        ("Do you smoke?", ["smoking"]),
        ("How much alcohol do you drink?", ["alcohol"]),
        ("EXAMINE: heart", ["exam_cvs"]),
        ("TEST: troponin", ["troponin"]),
    ],
)
def test_each_category_answered_from_its_facts(chest_scenario, question, expected):
    reply, revealed = ask(chest_scenario, question)
    assert revealed == expected
    for fact_id in expected:
        assert chest_scenario.fact(fact_id).spoken.rstrip(".")[1:] in reply  # first letter may follow a filler


def test_several_questions_each_answered(chest_scenario):
    reply, revealed = ask(chest_scenario, "When did it start? Do you smoke? Any allergies?")
    assert revealed == ["onset", "smoking", "allergy"]


def test_never_volunteers_unasked_facts(chest_scenario):
    _, revealed = ask(chest_scenario, "When did the pain start?")
    assert "radiation" not in revealed and "ecg" not in revealed
    _, revealed = ask(chest_scenario, "How are you feeling today?")
    assert revealed == []


def test_exam_and_lab_facts_only_on_request(chest_scenario):
    _, revealed = ask(chest_scenario, "What did the ECG show? Tell me about your heart.")
    assert not {"ecg", "troponin", "exam_cvs"} & set(revealed)


def test_closed_world_policy(chest_scenario):
    reply, revealed = ask(chest_scenario, "Have you noticed any rash?")
    assert revealed == [] and reply.rstrip().endswith((".",)) and "No" in reply
    reply, _ = ask(chest_scenario, "TEST: chest x-ray")
    assert "within normal limits" in reply
    reply, _ = ask(chest_scenario, "EXAMINE: abdomen")
    assert "no abnormal findings" in reply


def test_more_than_the_limit_is_refused(chest_scenario):
    reply, revealed = ask(chest_scenario, "When did it start? Do you smoke? Any allergies? Any fever?")
    assert revealed == ["onset", "smoking", "allergy"] and TOO_MANY in reply


def test_persona_changes_wording_not_content(chest_scenario):
    chatty = chest_scenario.model_copy(
        update={"patient": chest_scenario.patient.model_copy(update={"style": "chatty"})}
    )
    replies = {ask(chatty, "Do you smoke?", seed=s)[0] for s in range(20)}
    assert len(replies) > 1  # wording varies with the seed
    assert all("20 a day" in r for r in replies)  # content does not
    assert ask(chatty, "Do you smoke?", seed=3) == ask(chatty, "Do you smoke?", seed=3)


def test_never_names_the_diagnosis(chest_scenario):
    from consultgym.text import contains_phrase

    questions = [
        "What do you think is wrong?",
        "Is it a heart attack?",
        "DIAGNOSIS?",
        "Tell me your diagnosis.",
    ]
    for question in questions:
        reply, _ = ask(chest_scenario, question)
        assert not any(contains_phrase(reply, name) for name in chest_scenario.diagnosis.names), reply


def test_direct_loop_and_langgraph_give_identical_turns(chest_scenario):
    turn = PatientTurn(OfflinePatient(), OfflineGuardian())
    for question in ["When did it start?", "Do you smoke? Any fever?", "EXAMINE: heart", "Anything else?"]:
        ctx = PatientContext(chest_scenario, parse_action(question), seed=7)
        direct = run_sync(turn.run_direct(ctx))
        import asyncio

        graph = asyncio.run(turn.run_graph(ctx))
        assert direct == graph
