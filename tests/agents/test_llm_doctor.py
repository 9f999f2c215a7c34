"""LLMDoctor: a chat model drives a whole consultation with the offline patient."""

from __future__ import annotations

import asyncio

import pytest

from consultgym.agents.doctor.llm import LLMDoctor
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.judge.offline import RubricJudge
from consultgym.agents.llm import aclose_clients
from consultgym.agents.patient.offline import OfflinePatient
from consultgym.config import LLMSettings
from consultgym.envs.session import ConsultationSession
from consultgym.errors import BackendError
from consultgym.testing import FaultSpec

PLAN = ["When did the pain start?", "Does it spread anywhere?", "TEST: ECG", "DIAGNOSIS: inferior STEMI"]


def test_the_llm_doctor_plays_a_consultation_as_the_assistant(chest_scenario, fake_openai):
    fake_openai.script(PLAN)
    doctor = LLMDoctor(LLMSettings(model="d", base_url=fake_openai.base_url, timeout=0.5))
    session = ConsultationSession([chest_scenario], OfflinePatient(), OfflineGuardian(), RubricJudge())

    async def play():
        try:
            observation, _ = await session.areset(seed=0)
            doctor.reset(observation)
            while not session.done:
                observation = (await session.astep(await doctor.act(observation))).observation
        finally:
            await aclose_clients()

    asyncio.run(play())
    assert [t.doctor for t in session.turns] == PLAN
    assert session.judgement is not None and session.judgement.diagnosis_correct
    last = fake_openai.chat_requests[-1].messages
    assert [m["role"] for m in last] == ["system"] + ["user", "assistant"] * 3 + ["user"]
    assert last[1]["content"] == chest_scenario.opening
    system = last[0]["content"]
    assert all(convention in system for convention in ("DIAGNOSIS:", "EXAMINE:", "TEST:", "END INQUIRY", "at most 3"))
    assert not doctor.offline and doctor.usage.calls == 4


def test_a_failed_doctor_call_leaves_the_conversation_unchanged(fake_openai):
    fake_openai.script([FaultSpec.http(503), "Hello, what brings you in?"])
    settings = LLMSettings(model="d", base_url=fake_openai.base_url, timeout=0.5, max_retries=0)
    doctor = LLMDoctor(settings)
    doctor.reset("I feel unwell.")

    async def act():
        try:
            return await doctor.act("I feel unwell.")
        finally:
            await aclose_clients()

    with pytest.raises(BackendError):
        asyncio.run(act())
    assert len(doctor.messages) == 1  # only the system prompt
    assert asyncio.run(act()) == "Hello, what brings you in?" and len(doctor.messages) == 3
