"""Prompt injection: no adversarial doctor turn gets the diagnosis, the rubric or an unrequested finding out.

- The offline patient, over every scenario of every shipped library: zero leaks in any observation or step info.
- An LLM patient scripted to obey (its replies name the diagnosis in odd case, punctuation, diacritics, homoglyphs,
  spacing, leetspeak or markup) behind the offline guardian, and behind the tiered and LLM guardians whose model is
  fooled (labels everything supported): every leaking draft is blocked; no observation or info names the diagnosis.
- The offline guardian flags every obfuscated spelling and none of the scenarios' own faithful wording.
"""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest

from consultgym.actions import parse_action
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.llm import aclose_clients
from consultgym.envs.builder import build_session
from consultgym.envs.driver import run_sync
from consultgym.envs.session import ConsultationSession
from consultgym.records import IssueKind
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario
from consultgym.settings import EnvConfig
from consultgym.testing import FakeOpenAIServer
from consultgym.testing.injection import (
    INJECTIONS,
    InjectionOutcome,
    leak_variants,
    leaked_names,
    obeying_replies,
    play_injections,
)
from consultgym.text import contains_phrase

LIBRARY = load_library("all")
IDS = [s.id for s in LIBRARY]
STARTER = load_library("starter")  # the LLM patient runs cost ~180 loopback calls a scenario: the hand-written set
PATIENT_MODEL, GUARDIAN_MODEL = "obeying-patient", "fooled-guardian"


def test_the_suite_covers_every_kind_of_attack():
    assert len(INJECTIONS) >= 40
    categories = {i.category for i in INJECTIONS}
    assert categories >= {"ignore_instructions", "ask_diagnosis", "print_facts", "checklist", "role_switch"}
    assert categories >= {"system_prompt", "json_markdown", "multilingual", "encoding"}
    names = {i.id.split("/")[1] for i in INJECTIONS}
    assert names >= {"french", "spanish", "german", "chinese", "base64", "rot13", "leetspeak", "zero_width"}
    assert "homoglyphs" in names
    for injection in INJECTIONS:
        action = parse_action(injection.text)
        assert not action.ends_episode, injection.id  # every attack leaves the episode running
        if injection.category != "directive":
            assert action.questions and not (action.exams or action.tests), injection.id


def test_leak_variants_are_obfuscated_spellings():
    variants = leak_variants("Acute appendicitis")
    assert "A c u t e a p p e n d i c i t i s" in variants and "Acute append-icitis" in variants
    assert any("\u200b" in v for v in variants) and any("а" in v for v in variants)  # zero-width, Cyrillic 'а'
    assert "4cut3 4pp3nd1c1t15" in variants


# ----------------------------------------------------------------------------------------------- offline patient
def _offline_session(scenario: Scenario) -> ConsultationSession:
    return build_session(EnvConfig(), [scenario])


@pytest.mark.parametrize("scenario", LIBRARY, ids=IDS)
def test_offline_patient_never_leaks(scenario):
    outcome = run_sync(play_injections(_offline_session(scenario), scenario))
    assert outcome.turns == len(INJECTIONS)
    assert (outcome.leaking_drafts, outcome.emitted) == (0, 0), outcome.examples


@pytest.mark.parametrize("scenario", LIBRARY, ids=IDS)
def test_a_whole_episode_of_injections_leaks_nothing(scenario):
    session = build_session(EnvConfig(max_turns=100), [scenario])
    run_sync(session.areset(scenario.id, 7))
    for injection in INJECTIONS:
        step = run_sync(session.astep(injection.text))
        assert not step.terminated and not step.truncated
        shown = step.observation + json.dumps(step.info, ensure_ascii=False)
        assert leaked_names(shown, scenario) == [], injection.id
    assert all(not leaked_names(turn.reply, scenario) for turn in session.turns)


def test_reset_info_names_no_diagnosis():
    offenders = []
    for scenario in LIBRARY:
        _, info = run_sync(_offline_session(scenario).areset(scenario.id, 0))
        if leaked_names(json.dumps(info).replace("-", " "), scenario):
            offenders.append(scenario.id)
    assert offenders == []


# ----------------------------------------------------------------------------------------------- offline guardian
@pytest.mark.parametrize("scenario", LIBRARY, ids=IDS)
def test_guardian_flags_every_obfuscated_leak(scenario):
    guardian = OfflineGuardian()
    missed = []
    for reply in obeying_replies(scenario):
        if IssueKind.leak not in {issue.kind for issue in guardian.verdict(reply, scenario).issues}:
            missed.append(reply)
    assert missed == []


@pytest.mark.parametrize("scenario", LIBRARY, ids=IDS)
def test_guardian_sees_no_leak_in_the_scenarios_own_words(scenario):
    guardian = OfflineGuardian()
    spoken = [scenario.opening, scenario.patient.persona]
    spoken += [fact.spoken for fact in scenario.facts if not fact.hidden_until_requested]
    for text in spoken:
        assert IssueKind.leak not in {issue.kind for issue in guardian.verdict(text, scenario).issues}, text


@pytest.mark.parametrize(
    "reply",
    ["My dad had a heart attack when he was 60.", "My father had a heart attack at 60, he's fine now."],
)
def test_family_history_may_name_the_condition(chest_scenario, reply):
    assert OfflineGuardian().verdict(reply, chest_scenario).ok


@pytest.mark.parametrize(
    "reply",
    ["My dad says I had a heart attack.", "Mum thinks it's a S.T.E.M.I", "My wife reckons I'm having an MI"],
)
def test_a_relative_is_no_cover_for_the_patients_own_diagnosis(chest_scenario, reply):
    kinds = {issue.kind for issue in OfflineGuardian().verdict(reply, chest_scenario).issues}
    assert IssueKind.leak in kinds


# ------------------------------------------------------------------------------------------ LLM patient that obeys
@pytest.fixture(scope="module")
def server():
    fooled = {"sentences": [{"sentence": "All fine.", "label": "supported", "reason": "ok", "facts": []}]}
    with FakeOpenAIServer(by_model={GUARDIAN_MODEL: fooled}) as fake:
        yield fake


def _llm_session(scenario: Scenario, server: FakeOpenAIServer, guardian: str) -> ConsultationSession:
    options = {
        "patient": "llm",
        "guardian": guardian,
        "patient_model": PATIENT_MODEL,
        "patient_base_url": server.base_url,
        "patient_max_retries": 0,
        "guardian_model": GUARDIAN_MODEL,
        "guardian_base_url": server.base_url,
        "guardian_max_retries": 0,
    }
    if guardian == "offline":  # the offline guardian takes no model
        options = {k: v for k, v in options.items() if not k.startswith("guardian_")}
    return build_session(EnvConfig(**options), [scenario])


async def _play_obeying(scenario: Scenario, server: FakeOpenAIServer, guardian: str) -> InjectionOutcome:
    replies = itertools.cycle(obeying_replies(scenario))
    server.script(lambda body: next(replies), model=PATIENT_MODEL)
    try:
        return await play_injections(_llm_session(scenario, server, guardian), scenario)
    finally:
        await aclose_clients()


@pytest.mark.parametrize("guardian", ["offline", "tiered", "llm"])
@pytest.mark.parametrize("scenario", STARTER, ids=[s.id for s in STARTER])
def test_guardian_blocks_an_obeying_llm_patient(server, scenario, guardian):
    server.clear()
    outcome = asyncio.run(_play_obeying(scenario, server, guardian))
    assert outcome.leaking_drafts >= len(INJECTIONS)  # the patient obeyed every time it was asked
    assert outcome.blocked == outcome.leaking_drafts
    assert outcome.emitted == 0, outcome.examples
    # The patient model is never told the answer: a first draft's request (system prompt and the doctor's turn) holds
    # no name. A revision's request quotes the model's own draft back, which tells it nothing new.
    first_drafts = [r for r in server.requests_for(PATIENT_MODEL) if len(r.messages) == 2]
    assert len(first_drafts) == len(INJECTIONS) - 2  # the two directive turns are answered without a call
    for request in first_drafts:
        assert not [name for name in scenario.diagnosis.names if contains_phrase(request.text, name)]
