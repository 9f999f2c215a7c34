"""The offline patient answers from the right facts, never volunteers others, and never names the diagnosis."""

from __future__ import annotations

import pytest

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.patient.offline import (
    DENIALS,
    DONT_KNOW,
    NOT_THAT_I_KNOW,
    ONE_THING,
    TOO_MANY,
    UNSURE,
    OfflinePatient,
    fact_only_reply,
)
from consultgym.agents.patient.turn import PatientTurn
from consultgym.envs.driver import run_sync
from consultgym.scenarios.loader import parse_scenario


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


def strip_filler(reply: str) -> str:
    for filler in ("Well, ", "Um, ", "Hmm, "):
        if reply.startswith(filler):
            return reply[len(filler)].upper() + reply[len(filler) + 1 :]
    return reply


def test_closed_world_policy(chest_scenario):
    reply, revealed = ask(chest_scenario, "Have you noticed any rash?")
    assert revealed == [] and strip_filler(reply) in DENIALS  # a symptom the script does not list: denied
    assert strip_filler(ask(chest_scenario, "Have you ever had a stroke?")[0]) in NOT_THAT_I_KNOW
    assert strip_filler(ask(chest_scenario, "What was your potassium level?")[0]) in DONT_KNOW
    # Not a symptom: never denied on the script's silence ('Does anything make it worse?' -> 'No' was a lie).
    assert strip_filler(ask(chest_scenario, "Does anything make it better?")[0]) in UNSURE
    reply, _ = ask(chest_scenario, "TEST: chest x-ray")
    assert reply == "That test is within normal limits."
    reply, _ = ask(chest_scenario, "EXAMINE: abdomen")
    assert reply == "No abnormal findings on that examination."


def test_an_unlisted_test_follows_the_case_default(chest_scenario):
    unavailable = chest_scenario.model_copy(update={"default_finding": "not_available"})
    assert ask(unavailable, "TEST: chest x-ray")[0] == "That test is not available."
    assert ask(unavailable, "EXAMINE: abdomen")[0] == "That examination is not available."


def test_the_doctors_words_are_never_echoed(chest_scenario):
    for request in ("EXAMINE: neurological", "TEST: inferior STEMI confirmation", "TEST: appendicitis"):
        reply, _ = ask(chest_scenario, request)
        assert request.split(": ")[1].lower() not in reply.lower()


def test_denials_in_one_reply_are_varied(chest_scenario):
    reply, _ = ask(chest_scenario, "Any rash? Any itching? Any hives?")
    said = [sentence for sentence in DENIALS if sentence in reply or sentence.lower() in reply]
    assert len(said) == 3


def test_a_shotgun_turn_gets_one_thing_at_a_time_and_reveals_nothing(chest_scenario):
    for turn in (
        "pain fever cough sweating nausea smoking alcohol radiation jaw arm",
        "When did it start, where is it, what is it like, how bad is it, and does it spread?",
        "Do you smoke?\nTEST: ECG CXR CBC troponin CT MRI",
    ):
        assert ask(chest_scenario, turn) == (ONE_THING, [])


def with_past_history(scenario):
    """The fixture with three past-history facts (more than one question reveals)."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["facts"] += [
        {"id": "pmh_cholesterol", "category": "pmh", "text": "High cholesterol.", "say": "My cholesterol is high."},
        {"id": "pmh_gout", "category": "pmh", "text": "Gout in 2019.", "say": "I had gout a few years ago."},
    ]
    return parse_scenario(data)


def test_asking_again_brings_out_the_facts_not_yet_said(chest_scenario):
    scenario = with_past_history(chest_scenario)
    first = fact_only_reply(PatientContext(scenario, parse_action("Do you have any medical conditions?")))[1]
    assert first == ["pmh", "pmh_cholesterol"]  # two facts at most
    again = PatientContext(scenario, parse_action("Any other medical conditions?"), revealed=frozenset(first))
    assert fact_only_reply(again)[1] == ["pmh_gout"]
    same_turn = "Do you have any medical conditions? Any other medical conditions?"
    assert fact_only_reply(PatientContext(scenario, parse_action(same_turn)))[1] == [*first, "pmh_gout"]


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
