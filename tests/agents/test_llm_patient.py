"""LLMPatient through the env and the patient-turn graph, against the loopback server."""

from __future__ import annotations

import asyncio

import gymnasium as gym

import consultgym  # noqa: F401 - registers the env ids
from consultgym.actions import parse_action
from consultgym.agents.base import Exchange, PatientContext
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.llm import aclose_clients
from consultgym.agents.patient.llm import LLMPatient, guidance
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.agents.patient.turn import PatientTurn
from consultgym.config import LLMSettings
from consultgym.text import contains_phrase, normalize

HALLUCINATION = "I take metformin 500 mg twice a day. I think it's a heart attack."
GROUNDED = "I take ramipril, 5 mg every day, for my blood pressure."


def make_env(scenario, fast_llm, **kwargs):
    options = fast_llm("patient") | kwargs
    return gym.make("consultgym/Consultation-v0", scenarios=[scenario], patient="llm", **options)


def names_in(text: str, scenario) -> list[str]:
    return [name for name in scenario.diagnosis.names if contains_phrase(text, name)]


def test_a_hallucinated_draft_is_flagged_revised_and_never_observed(chest_scenario, fake_openai, fast_llm):
    fake_openai.script([HALLUCINATION, GROUNDED])
    env = make_env(chest_scenario, fast_llm)
    try:
        env.reset(seed=0)
        observation, _, _, _, info = env.step("Are you on any tablets at the moment?")
        turn = env.unwrapped.session.turns[-1]
    finally:
        env.close()
    first = turn.verdicts[0]
    assert not first.ok and {i.kind.value for i in first.issues} >= {"unsupported", "leak"}
    assert turn.drafts == [HALLUCINATION, GROUNDED] and turn.verdicts[-1].ok and not turn.fallback
    assert observation == GROUNDED
    assert "metformin" not in observation.lower() and not names_in(observation, chest_scenario)
    assert info["guardian"]["flagged"] and info["guardian"]["attempts"] == 2
    assert turn.usage["patient"].calls == 2  # the draft and the revision


def test_the_revision_request_names_the_offending_spans_and_the_bearing_facts(chest_scenario, fake_openai, fast_llm):
    fake_openai.script(["I take aspirin 75 mg and it's a heart attack.", GROUNDED])
    env = make_env(chest_scenario, fast_llm)
    try:
        env.reset(seed=0)
        env.step("Are you on any tablets at the moment?")
    finally:
        env.close()
    revision = fake_openai.chat_requests[1].messages
    guidance = revision[-1]["content"]
    assert revision[-2]["role"] == "assistant" and revision[-1]["role"] == "user"
    assert '"I take aspirin 75 mg' in guidance and "unsupported" in guidance
    # The leak is worded like any claim without a fact behind it: guidance never confirms which guess was right.
    problems = guidance.split("Answer the doctor's last message again")[0]
    assert "leak" not in problems and "diagnos" not in problems


def test_guidance_words_a_leak_exactly_like_an_illness_the_facts_lack(chest_scenario):
    from consultgym.records import GuardianIssue, IssueKind, Verdict

    def guidance_for(clause: str, kind: IssueKind, detail: str) -> str:
        issue = GuardianIssue(kind=kind, text=clause, start=0, detail=detail)
        return guidance(chest_scenario, Verdict(ok=False, issues=[issue])).replace(clause, "<clause>")

    leak = guidance_for("I have a heart attack", IssueKind.leak, "names the diagnosis")
    other = guidance_for("I have costochondritis", IssueKind.unsupported, "no fact mentions 'costochondriti'")
    assert leak == other


def test_a_patient_that_always_leaks_ends_in_the_fact_only_fallback(chest_scenario, fake_openai, fast_llm):
    fake_openai.script("Honestly I'm sure it's a heart attack, doctor.")
    env = make_env(chest_scenario, fast_llm, max_revisions=2)
    question = "When did all this begin?"
    try:
        env.reset(seed=0)
        observation, _, _, _, info = env.step(question)
        session = env.unwrapped.session
        turn = session.turns[-1]
    finally:
        env.close()
    # the draft and two revisions, all rejected; then the fact-only fallback, checked and accepted
    assert len(turn.drafts) == 4 and [v.ok for v in turn.verdicts] == [False, False, False, True]
    assert turn.fallback and info["guardian"]["fallback"] and not turn.fallback_issue
    ctx = PatientContext(chest_scenario, parse_action(question), (), 0, session.seed)
    assert observation == fact_only_reply(ctx)[0] and not names_in(observation, chest_scenario)
    assert fake_openai.request_count == 3


def test_patient_requests_never_carry_the_diagnosis_its_synonyms_or_the_rubric(chest_scenario, fake_openai, fast_llm):
    def patient_model(request):
        system = request["messages"][0]["content"]
        asked = request["messages"][-1]["content"].lower()
        if "family" in asked:  # repeat the family fact, placeholder and all
            return next(line[len("- (family) ") :] for line in system.splitlines() if line.startswith("- (family)"))
        if "heart" in asked or "tablets" in asked:
            return "My doctor said it might be a heart attack."
        return "I'm not sure."

    fake_openai.script(patient_model)
    turns = [
        "Any illnesses in your family?",
        "Has anyone mentioned a heart attack or STEMI to you?",
        "EXAMINE: cardiovascular\nTEST: ECG",
        "Are you on any tablets at the moment?",
    ]
    env = make_env(chest_scenario, fast_llm)
    try:
        env.reset(seed=0)
        observations = [env.step(turn)[0] for turn in turns]
    finally:
        env.close()
    assert "My father had a heart attack when he was 60." in observations[0]  # family history, as the fact says
    assert "ST elevation" in observations[2]  # findings come from the facts, without a call
    requests = fake_openai.chat_requests
    assert requests and all(r.model == "m" for r in requests)
    rubric = [text for item in chest_scenario.must_ask for text in (item.ask, *item.examples)]
    system = requests[0].messages[0]["content"]
    # A name reaches the model only where the family-history fact or the doctor put it, never as the patient's own.
    assert names_in(system, chest_scenario) == ["heart attack"] and "My father had a heart attack" in system
    for request in requests:
        said = system + "".join(m["content"] for m in request.messages if m["role"] != "system")
        assert not set(names_in(request.text, chest_scenario)) - set(names_in(said, chest_scenario))
        assert "[CONDITION" not in request.text
        assert not [t for t in rubric if normalize(t) in normalize(request.text)]
        assert "ST elevation" not in request.text and "troponin" not in request.text.lower()  # findings stay out


def test_nothing_in_a_request_marks_which_candidate_is_the_diagnosis(chest_scenario, fake_openai, fast_llm):
    # The echo probe: the same question about the diagnosis and four other illnesses. The requests must differ by the
    # candidate's own words only, or the patient model would know which one is real.
    fake_openai.script("No, I've never been told that.")
    candidates = ["STEMI", "pneumonia", "costochondritis", "a chest infection", "aortic dissection"]
    env = make_env(chest_scenario, fast_llm)
    try:
        for candidate in candidates:
            env.reset(seed=0)
            env.step(f"Have you ever been told you have {candidate}?")
    finally:
        env.close()
    bodies = [r.text.replace(c, "<candidate>") for r, c in zip(fake_openai.chat_requests, candidates, strict=True)]
    assert len(set(bodies)) == 1


def test_exam_and_test_turns_cost_no_call_and_mixed_turns_append_the_findings(chest_scenario, fake_openai):
    patient = LLMPatient(LLMSettings(model="m", base_url=fake_openai.base_url, timeout=0.5))
    fake_openai.script("It's been about 2 hours.")

    async def answers():
        try:
            only = PatientContext(chest_scenario, parse_action("TEST: ECG"), (), 0, 0)
            mixed = PatientContext(chest_scenario, parse_action("How long has it been?\nTEST: troponin"), (), 1, 0)
            return await patient.respond(only), await patient.respond(mixed)
        finally:
            await aclose_clients()

    only, mixed = asyncio.run(answers())
    assert "ST elevation" in only
    assert mixed.startswith("It's been about 2 hours.") and "Troponin" in mixed
    assert fake_openai.request_count == 1 and patient.usage.calls == 1


def test_the_langgraph_path_runs_the_llm_patient(chest_scenario, fake_openai):
    fake_openai.script([HALLUCINATION, GROUNDED])
    patient = LLMPatient(LLMSettings(model="m", base_url=fake_openai.base_url, timeout=0.5))
    turn = PatientTurn(patient, OfflineGuardian(), max_revisions=2)
    assert not patient.offline and not turn.offline
    history = (Exchange("When did it start?", "About 2 hours ago."),)
    ctx = PatientContext(chest_scenario, parse_action("Are you on any tablets?"), history, 1, 0)

    async def run():
        try:
            return await turn.run_graph(ctx)
        finally:
            await aclose_clients()

    result = asyncio.run(run())
    assert result.drafts == [HALLUCINATION, GROUNDED] and result.reply == GROUNDED and not result.fallback
    first = fake_openai.chat_requests[0].messages
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user"]  # doctor = user, patient = assistant


def test_describe_has_the_settings_and_no_key(fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    patient = LLMPatient(LLMSettings(model="m", base_url=fake_openai.base_url, temperature=0.3))
    described = patient.describe()
    assert described["kind"] == "llm" and described["model"] == "m" and described["temperature"] == 0.3
    assert "sk-very-secret" not in str(described)
