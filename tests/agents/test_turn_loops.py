"""The two drivers of a patient turn, the direct loop (default) and the LangGraph graph, give identical transcripts."""

from __future__ import annotations

import asyncio
import json

import pytest

from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.agents.llm import aclose_clients
from consultgym.agents.patient.turn import LOOPS, PatientTurn, mermaid
from consultgym.cli import main
from consultgym.envs.builder import build_session
from consultgym.envs.driver import play_episode
from consultgym.errors import ConfigError
from consultgym.scenarios.loader import load_library
from consultgym.settings import EnvConfig

INVENTED = "I also take warfarin 5 mg every night."


def server_script(body: dict) -> str:
    """Deterministic replies that exercise every branch: emit, revise then emit, and fall back after two revisions.

    The patient invents a drug on its first draft of every turn; after guidance it answers plainly, except for
    questions about smoking, where it keeps inventing (so the turn falls back). The guardian labels a sentence with
    a drug name unsupported, every other sentence supported.
    """
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name", "")
    messages = body["messages"]
    if "Guardian" in schema:
        reply = messages[-1]["content"]
        label = "unsupported" if "warfarin" in reply else "supported"
        return json.dumps({"sentences": [{"sentence": reply[:80], "label": label, "reason": "r", "facts": []}]})
    revising = len(messages) >= 2 and messages[-2]["role"] == "assistant" and "warfarin" in messages[-2]["content"]
    asked = messages[-1]["content"] if not revising else messages[-3]["content"]
    if not revising or "smoke" in asked.lower():
        return f"It started a while ago. {INVENTED}"
    return "It started a while ago, I'm not sure exactly."


def episode_turns(loop: str, base_url: str | None, scenario: str, events: list[tuple[str, list[str]]]) -> list[dict]:
    options = {}
    if base_url:
        options = {
            f"{role}_{key}": value
            for role in ("patient", "guardian")
            for key, value in {"model": "m", "base_url": base_url, "timeout": 5.0, "max_retries": 0}.items()
        }
    library = load_library("starter")
    kinds = {"patient": "llm", "guardian": "llm"} if base_url else {}
    session = build_session(EnvConfig(loop=loop, **kinds, **options), library)
    session.turn_loop.on_node = lambda node, update: events.append((node, sorted(update)))

    async def play():
        try:
            return await play_episode(session, SystematicDoctor(), scenario, seed=3)
        finally:
            await aclose_clients()

    result = asyncio.run(play())
    assert not result.error
    # Latency is wall time: everything else in the record must match byte for byte.
    return [turn.model_dump(mode="json", exclude={"usage"}) for turn in result.transcript] + [
        {role: u.model_dump(exclude={"latency_s"}) for role, u in turn.usage.items()} for turn in result.transcript
    ]


@pytest.mark.parametrize("scenario", ["chest-pain-58m", "back-pain-42m"])
def test_offline_episodes_are_identical_through_both_loops(scenario):
    events: dict[str, list] = {loop: [] for loop in LOOPS}
    transcripts = {loop: episode_turns(loop, None, scenario, events[loop]) for loop in LOOPS}
    assert transcripts["direct"] == transcripts["graph"]
    assert events["direct"] == events["graph"] and events["direct"][0][0] == "draft"


def test_llm_episodes_with_revisions_and_fallbacks_are_identical_through_both_loops(fake_openai):
    fake_openai.script(server_script)
    events: dict[str, list] = {loop: [] for loop in LOOPS}
    transcripts = {loop: episode_turns(loop, fake_openai.base_url, "chest-pain-58m", events[loop]) for loop in LOOPS}
    assert transcripts["direct"] == transcripts["graph"]
    assert not fake_openai.script_errors
    nodes = [node for node, _ in events["direct"]]
    assert events["direct"] == events["graph"]
    assert {"draft", "guard", "revise", "emit", "fallback"} <= set(nodes)  # every branch was taken, in both loops
    turns = transcripts["direct"][: len(transcripts["direct"]) // 2]
    assert any(t["fallback"] for t in turns) and any(len(t["drafts"]) == 2 and not t["fallback"] for t in turns)


def test_the_direct_loop_is_the_default_and_a_bad_loop_is_refused():
    library = load_library("starter")
    assert build_session(EnvConfig(), library).turn_loop.loop == "direct"
    with pytest.raises(ConfigError, match="loop='dag' is not one of 'direct' or 'graph'"):
        EnvConfig(loop="dag")


def test_the_direct_loop_never_imports_langgraph():
    import subprocess
    import sys

    code = (
        "import sys, gymnasium as gym, consultgym\n"
        "env = gym.make('consultgym/Consultation-v0')\n"
        "env.reset(seed=0); env.step('When did it start?')\n"
        "print('langgraph' in sys.modules)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_consultgym_graph_prints_the_turn_graph_as_mermaid(capsys):
    assert main(["graph"]) == 0
    printed = capsys.readouterr().out
    assert printed == mermaid() and printed.lstrip().startswith("---") and "graph TD;" in printed
    for edge in ("draft --> guard;", "guard -.-> revise;", "guard -.-> fallback;", "revise --> guard;"):
        assert edge in printed


def test_patient_turn_refuses_an_unknown_loop():
    from consultgym.agents.guardian.offline import OfflineGuardian
    from consultgym.agents.patient.offline import OfflinePatient

    with pytest.raises(ConfigError, match="direct, graph"):
        PatientTurn(OfflinePatient(), OfflineGuardian(), loop="langgraph")


def test_gym_envs_take_the_loop_and_step_the_same_either_way():
    import gymnasium as gym

    import consultgym  # noqa: F401

    observed = {}
    for loop in LOOPS:
        env = gym.make("consultgym/Consultation-v0", loop=loop)
        try:
            env.reset(seed=1, options={"scenario": "chest-pain-58m"})
            observed[loop] = [env.step(q)[:4] for q in ("When did it start?", "Do you smoke?", "DIAGNOSIS: angina")]
        finally:
            env.close()
    assert observed["direct"] == observed["graph"]
