"""LLMGuardian: structured verdicts, tiering, and failing closed on bad or missing replies."""

from __future__ import annotations

import asyncio
import json

import gymnasium as gym

import consultgym  # noqa: F401 - registers the env ids
from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.llm import LLMGuardian
from consultgym.agents.llm import aclose_clients
from consultgym.config import LLMSettings
from consultgym.testing import FaultSpec

CLEAN = "It started about 2 hours ago while I was sitting watching TV."
INVENTED = "I take metformin 500 mg twice a day."
UNGROUNDED = "Honestly it kind of snuck up on me while relaxing."  # nothing the offline check flags, few scenario words


def guardian(server, tiered: bool = False, **overrides) -> LLMGuardian:
    values = {"model": "g", "base_url": server.base_url, "timeout": 0.3, "max_retries": 1, "backoff": 0.01}
    return LLMGuardian(LLMSettings(**(values | overrides)), tiered=tiered)


def check(guard: LLMGuardian, scenario, reply: str, question: str = "When did it start?"):
    async def run():
        try:
            return await guard.check(reply, PatientContext(scenario, parse_action(question)))
        finally:
            await aclose_clients()

    return asyncio.run(run())


def labels(*pairs: tuple[str, str], facts: tuple[str, ...] = ()) -> dict:
    return {"sentences": [{"sentence": s, "label": lab, "reason": "r", "facts": list(facts)} for s, lab in pairs]}


def test_sentence_labels_become_a_verdict_with_source_llm(chest_scenario, fake_openai):
    reply = f"{CLEAN} Also my legs are swollen."
    fake_openai.script(labels((CLEAN, "supported"), ("Also my legs are swollen.", "unsupported"), facts=("onset", "x")))
    verdict = check(guardian(fake_openai), chest_scenario, reply)
    assert not verdict.ok and verdict.source == "llm" and not verdict.error
    [issue] = verdict.issues
    assert issue.kind.value == "unsupported" and issue.text == "Also my legs are swollen."
    assert issue.start == reply.index("Also") and issue.facts == ["onset"]  # unknown fact ids are dropped
    request = fake_openai.chat_requests[0]
    assert request.structured and reply in request.text


def test_an_all_supported_report_passes(chest_scenario, fake_openai):
    fake_openai.script(labels((CLEAN, "supported")))
    verdict = check(guardian(fake_openai), chest_scenario, CLEAN)
    assert verdict.ok and verdict.source == "llm"


def test_malformed_json_fails_closed_and_is_recorded(chest_scenario, fake_openai):
    fake_openai.script("Looks fine to me! {not json")
    guard = guardian(fake_openai)
    verdict = check(guard, chest_scenario, INVENTED)
    assert not verdict.ok  # the offline check decides, and it catches the invented drug
    assert verdict.source == "llm-failed:offline" and "does not validate" in verdict.error
    assert fake_openai.request_count == 2 and guard.usage.errors == 2 and guard.usage.calls == 2


def test_a_timed_out_guardian_fails_closed_and_is_recorded(chest_scenario, fake_openai):
    fake_openai.script(FaultSpec.timeout())
    guard = guardian(fake_openai)
    verdict = check(guard, chest_scenario, INVENTED)
    assert not verdict.ok and verdict.source == "llm-failed:offline" and "timed out" in verdict.error
    assert fake_openai.request_count == 2 and guard.usage.errors == 2
    # A reply the offline check accepts is accepted by it, not by a silent pass: the source and error say so.
    clean = check(guard, chest_scenario, CLEAN)
    assert clean.ok and clean.source == "llm-failed:offline" and clean.error


def test_an_empty_report_for_a_real_reply_is_not_a_pass(chest_scenario, fake_openai):
    fake_openai.script({"sentences": []})
    verdict = check(guardian(fake_openai), chest_scenario, INVENTED)
    assert not verdict.ok and verdict.source == "llm-failed:offline" and "no sentence" in verdict.error


def test_tiered_skips_the_call_when_the_offline_check_already_flags(chest_scenario, fake_openai):
    guard = guardian(fake_openai, tiered=True)
    flagged = check(guard, chest_scenario, INVENTED)
    assert not flagged.ok and flagged.source == "tiered:offline" and fake_openai.request_count == 0
    grounded = check(guard, chest_scenario, CLEAN)  # the facts' own words: the offline pass stands
    assert grounded.ok and grounded.source == "tiered:offline-grounded" and fake_openai.request_count == 0
    fake_openai.script(labels((UNGROUNDED, "contradicts")))
    asked = check(guard, chest_scenario, UNGROUNDED)
    assert not asked.ok and asked.source == "tiered:llm" and fake_openai.request_count == 1
    fake_openai.script(FaultSpec.http(500))
    failed = check(guard, chest_scenario, UNGROUNDED)
    assert failed.source == "tiered:llm-failed:offline" and "HTTP 500" in failed.error


def test_the_env_records_the_llm_guardian_verdicts(chest_scenario, fake_openai, fast_llm):
    def guardian_model(request):
        reply = request["messages"][0]["content"].split('The patient replied: "')[1].split('"\n')[0]
        label = "leak" if "heart attack" in reply else "supported"
        return json.dumps(labels((reply, label)))

    fake_openai.script(guardian_model, model="g")
    fake_openai.script(["I think it's a heart attack.", "About 2 hours ago."], model="p")
    options = fast_llm("patient", model="p") | fast_llm("guardian", model="g")
    env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario], patient="llm", guardian="llm", **options)
    try:
        env.reset(seed=0)
        observation, _, _, _, info = env.step("When did it start?")
        turn = env.unwrapped.session.turns[-1]
    finally:
        env.close()
    assert observation == "About 2 hours ago."
    assert [v.source for v in turn.verdicts] == ["llm", "llm"] and turn.verdicts[0].issues[0].kind.value == "leak"
    assert info["guardian"]["issues"] == [{"kind": "leak", "text": "[redacted]"}]
    assert turn.usage["guardian"].calls == 2 and turn.usage["patient"].calls == 2
