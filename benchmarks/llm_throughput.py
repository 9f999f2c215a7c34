"""LLM-path throughput against a loopback OpenAI-compatible server with a fixed latency per call.

    python benchmarks/llm_throughput.py [--latency 0.1] [--episodes-per-slot 2]

Roles: LLM patient, tiered guardian (LLM behind the offline check), one LLM judge, scripted doctor, over the starter
library. The patient model is faithful: it answers with the facts' own words (what the offline patient would say),
so the guardian rarely needs its LLM call. A second pass uses a paraphrasing patient (a filler sentence of words the
scenario lacks before every answer) to show how often the tiered guardian escalates then.

Prints episodes per second at concurrency 1 and 32, LLM calls per patient turn, judge calls per episode, tokens per
episode, the share of wall time spent outside the server at concurrency 1 (env overhead), and the client-side CPU
time per patient turn spent in orchestration (LangGraph vs the direct loop) against a zero-latency server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.factory import make_guardian, make_patient
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.agents.patient.turn import PatientTurn
from consultgym.records import Episode
from consultgym.report import summarize
from consultgym.runfile import load_run
from consultgym.runner import arun
from consultgym.scenarios.loader import load_library
from consultgym.settings import EnvConfig, RunConfig
from consultgym.testing import FakeOpenAIServer

LIBRARY = load_library("starter")
FILLER = "Gosh, what a week it has been, honestly."


def scripted_models(paraphrase: bool):
    """A server script: faithful patient replies, all-supported guardian labels, an all-uncovered judge report."""

    def reply(body: dict) -> str:
        schema = (body.get("response_format") or {}).get("json_schema", {}).get("name", "")
        messages = body["messages"]
        if "Guardian" in schema:
            return json.dumps({"sentences": [{"sentence": "x", "label": "supported", "reason": "ok", "facts": []}]})
        if "Judge" in schema:
            return json.dumps({"items": [], "diagnosis": {"correct": False, "reason": "benchmark"}})
        system = messages[0]["content"]
        scenario = next(s for s in LIBRARY if s.opening in system)
        answer = fact_only_reply(PatientContext(scenario, parse_action(messages[-1]["content"])))[0]
        return f"{FILLER} {answer}" if paraphrase else answer

    return reply


@contextmanager
def server_process(paraphrase: bool, latency: float) -> Iterator[str]:
    """The fake server in a process of its own, so that its CPU does not count as the env's overhead."""
    urls: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(paraphrase, latency, urls, stop), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=30)
    finally:
        stop.set()
        process.join(timeout=10)


def _serve(paraphrase: bool, latency: float, urls: multiprocessing.Queue, stop) -> None:
    with FakeOpenAIServer(scripted_models(paraphrase), latency=latency) as server:
        urls.put(server.base_url)
        stop.wait()


def options(base_url: str) -> dict:
    return {
        f"{role}_{key}": value
        for role in ("patient", "guardian", "judge")
        for key, value in {"model": "m", "base_url": base_url, "timeout": 30.0}.items()
    }


async def run_at(base_url: str, concurrency: int, episodes: int, folder: Path) -> tuple[float, list[Episode]]:
    out = folder / f"c{concurrency}-{time.monotonic_ns()}.jsonl"
    spec = RunConfig(
        out=out,
        scenarios=["starter"],
        episodes=episodes,
        concurrency=concurrency,
        patient="llm",
        guardian="tiered",
        judge="llm",
        **options(base_url),
        progress=False,
    )
    started = time.perf_counter()
    summary = await arun(spec)
    wall = time.perf_counter() - started
    assert summary.completed + summary.errored == episodes
    return wall, load_run(out).episodes


def calls(episodes: list[Episode], *roles: str) -> int:
    return sum(e.usage[role].calls for e in episodes for role in roles if role in e.usage)


def patient_turns(episodes: list[Episode]) -> int:
    """Turns in which the patient answered (a diagnosis turn has no reply, so no patient-side call)."""
    return sum(bool(t.verdicts) for e in episodes for t in e.turns)


async def orchestration_cpu(base_url: str, turns: int = 300) -> tuple[float, float]:
    """Client-thread CPU per patient turn through LangGraph and through the direct loop (zero-latency server)."""
    config = EnvConfig(patient="llm", guardian="tiered", judge="llm", **options(base_url))
    loop = PatientTurn(make_patient(config.patient), make_guardian(config.guardian))
    scenario = LIBRARY[0]
    ctxs = [PatientContext(scenario, parse_action(q)) for q in ("When did it start?", "Do you smoke?", "Any fever?")]
    results = []
    for runner in (loop.run_graph, loop.run_direct):
        await runner(ctxs[0])  # warm up: client pool, compiled graph
        started = time.thread_time()
        for i in range(turns):
            await runner(ctxs[i % len(ctxs)])
        results.append((time.thread_time() - started) / turns)
    return results[0], results[1]


async def main(latency: float, per_slot: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="consultgym-llm-bench-"))
    with server_process(paraphrase=False, latency=latency) as base_url:
        # Warm up once per scenario (imports, client pool, per-scenario prompts and caches), as a training run would
        # after its first pass over the library: what follows measures the steady state.
        await run_at(base_url, 32, len(LIBRARY), folder)
        wall1, serial = await run_at(base_url, 1, len(LIBRARY), folder)
        wall32, parallel = await run_at(base_url, 32, 32 * per_slot, folder)
    with server_process(paraphrase=True, latency=latency) as base_url:
        _, paraphrased = await run_at(base_url, 32, 32, folder)
    with server_process(paraphrase=False, latency=0.0) as base_url:
        graph_cpu, direct_cpu = await orchestration_cpu(base_url)

    eps1, eps32 = len(serial) / wall1, len(parallel) / wall32
    report = summarize(parallel)
    # Calls are sequential at concurrency 1: wall time minus the time spent waiting on calls is the env's own share.
    in_calls = sum(u.latency_s for e in serial for u in e.usage.values())
    print(
        f"server (own process) latency {latency * 1000:.0f} ms per call; "
        "tiered guardian, LLM patient and judge, scripted doctor"
    )
    print(f"episodes/s: concurrency 1 {eps1:.3f}, concurrency 32 {eps32:.3f} (x{eps32 / eps1:.1f})")
    for name, episodes in (("faithful", parallel), ("paraphrasing", paraphrased)):
        per_turn = calls(episodes, "patient", "guardian") / patient_turns(episodes)
        print(
            f"patient-side LLM calls per patient turn, {name} patient: {per_turn:.2f} "
            f"(patient {calls(episodes, 'patient') / patient_turns(episodes):.2f}, "
            f"guardian {calls(episodes, 'guardian') / patient_turns(episodes):.2f})"
        )
    print(f"judge calls per episode: {report['judge_calls_per_episode']:.2f}")
    print(f"tokens per episode: {report['tokens_per_episode']:.0f}")
    print(f"errors: {sum(bool(e.error) for e in serial + parallel)} of {len(serial) + len(parallel)} episodes")
    in_episodes = sum(e.duration_s for e in serial)  # from building the roles to the judgement, per episode
    n_calls = calls(serial, "patient", "guardian", "judge")
    print(
        f"env overhead at concurrency 1: {(1 - in_calls / in_episodes) * 100:.2f}% of episode wall time outside LLM "
        f"calls ({n_calls / len(serial):.1f} calls per episode, {in_calls / n_calls * 1000:.1f} ms per call as the "
        f"client saw it); {(1 - in_calls / wall1) * 100:.2f}% of the whole run's wall time, which also loads the "
        "library and opens the client"
    )
    print(
        f"client CPU per patient turn (zero-latency server): LangGraph {graph_cpu * 1000:.2f} ms, direct loop "
        f"{direct_cpu * 1000:.2f} ms, orchestration {max(0.0, graph_cpu - direct_cpu) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per call")
    parser.add_argument("--episodes-per-slot", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.latency, args.episodes_per_slot))
