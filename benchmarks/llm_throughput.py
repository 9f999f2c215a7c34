"""LLM-path client CPU per episode and per call, as a ratio to a raw aiohttp request measured in the same run.

    python benchmarks/llm_throughput.py [--latency 0.0] [--concurrency 1 32] [--episodes 96] [--loops direct graph]

Roles: LLM patient, tiered guardian (LLM behind the offline check), one LLM judge, scripted doctor, over the starter
library, through the runner (`runner.arun`, what ``consultgym run`` does). The loopback server runs in a process of its
own; the patient model is faithful (it answers with the facts' own words, what the offline patient would say), so the
tiered guardian rarely needs its LLM call. A second pass uses a paraphrasing patient (a filler sentence of words the
scenario lacks before every answer) to show how often the tiered guardian escalates then.

Figures, per concurrency and per patient-turn loop (``direct``, the default, or ``graph``, LangGraph):

- client CPU per episode and per LLM call: `time.process_time` of this process (every thread) over the whole run,
  divided by episodes and by the calls the run file records;
- the same per call as a multiple of the floor: the CPU of a raw aiohttp request (pre-encoded body, bytes read) to
  the same server at the same number of requests in flight, measured in this run;
- episodes per wall-second, secondary (it moves with the machine's load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import Measured, ServerProcess, cpu, machine_line, raw_request_floor

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.records import Episode
from consultgym.report import summarize
from consultgym.runfile import load_run
from consultgym.runner import arun
from consultgym.scenarios.loader import load_library
from consultgym.settings import RunConfig

FILLER = "Gosh, what a week it has been, honestly."
_LIBRARY: list[Any] = []


@dataclass(frozen=True)
class ScriptedModels:
    """The server's script (picklable, for the server's process): faithful or paraphrasing patient replies,
    all-supported guardian labels, an all-uncovered judge report."""

    paraphrase: bool

    def __call__(self, body: dict) -> str:
        schema = (body.get("response_format") or {}).get("json_schema", {}).get("name", "")
        messages = body["messages"]
        if "Guardian" in schema:
            return json.dumps({"sentences": [{"sentence": "x", "label": "supported", "reason": "ok", "facts": []}]})
        if "Judge" in schema:
            return json.dumps({"items": [], "diagnosis": {"correct": False, "reason": "benchmark"}})
        if not _LIBRARY:
            _LIBRARY.extend(load_library("starter"))
        system = messages[0]["content"]
        scenario = next(s for s in _LIBRARY if s.opening in system)
        answer = fact_only_reply(PatientContext(scenario, parse_action(messages[-1]["content"])))[0]
        return f"{FILLER} {answer}" if self.paraphrase else answer


def options(base_url: str) -> dict:
    return {
        f"{role}_{key}": value
        for role in ("patient", "guardian", "judge")
        for key, value in {"model": "m", "base_url": base_url, "timeout": 60.0}.items()
    }


@dataclass
class RunFigures:
    measured: Measured  # count = episodes
    calls: int
    episodes: list[Episode]

    @property
    def cpu_per_call(self) -> float:
        return self.measured.cpu_s / self.calls


async def run_at(base_url: str, concurrency: int, episodes: int, folder: Path, loop: str | None) -> RunFigures:
    out = folder / f"c{concurrency}-{loop}-{time.monotonic_ns()}.jsonl"
    extra = {"loop": loop} if loop and loop != "default" else {}  # "default": the runner's own choice
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
        **extra,
    )
    wall, started = time.perf_counter(), cpu()
    summary = await arun(spec)
    measured = Measured(episodes, cpu() - started, time.perf_counter() - wall)
    assert summary.completed + summary.errored == episodes
    finished = load_run(out).episodes
    return RunFigures(measured, calls(finished, "patient", "guardian", "judge"), finished)


def calls(episodes: list[Episode], *roles: str) -> int:
    return sum(e.usage[role].calls for e in episodes for role in roles if role in e.usage)


def patient_turns(episodes: list[Episode]) -> int:
    """Turns in which the patient answered (a diagnosis turn has no reply, so no patient-side call)."""
    return sum(bool(t.verdicts) for e in episodes for t in e.turns)


def print_calls(name: str, episodes: list[Episode]) -> None:
    turns = patient_turns(episodes)
    print(
        f"  patient-side LLM calls per patient turn, {name} patient: "
        f"{calls(episodes, 'patient', 'guardian') / turns:.2f} (patient {calls(episodes, 'patient') / turns:.2f}, "
        f"guardian {calls(episodes, 'guardian') / turns:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.0, help="server seconds per call")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--episodes", type=int, default=96, help="episodes per measured run")
    parser.add_argument("--loops", nargs="+", default=["direct", "graph"], help="patient-turn loops to compare")
    parser.add_argument("--floor-calls", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consultgym-llm-bench-"))
    print(machine_line())
    print(
        f"server in its own process, {args.latency * 1000:.0f} ms per call; LLM patient, tiered guardian, LLM judge, "
        "scripted doctor; starter library; CPU = this process, every thread"
    )
    library_size = len(load_library("starter"))
    with ServerProcess(args.latency, default=ScriptedModels(paraphrase=False)) as server:
        # Warm up once per scenario and loop (imports, client pool, per-scenario prompts and caches), as a training
        # run would after its first pass over the library: what follows measures the steady state.
        for loop in args.loops:
            asyncio.run(run_at(server.base_url, 32, library_size, folder, loop))
        for concurrency in args.concurrency:
            floor = raw_request_floor(server.base_url, concurrency, args.floor_calls)
            print(f"\nconcurrency {concurrency}: raw aiohttp request {floor.cpu_per * 1e3:.3f} ms CPU (the floor)")
            for loop in args.loops:
                episodes = max(args.episodes, concurrency) if concurrency > 1 else max(8, args.episodes // 4)
                run = asyncio.run(run_at(server.base_url, concurrency, episodes, folder, loop))
                per_episode = run.measured.cpu_per
                errors = sum(bool(e.error) for e in run.episodes)
                print(
                    f"  loop {loop:6s}: {per_episode * 1e3:6.2f} ms CPU/episode, "
                    f"{run.calls / episodes:.1f} calls/episode, "
                    f"{run.cpu_per_call * 1e3:.3f} ms CPU/call = x{run.cpu_per_call / floor.cpu_per:.2f} the floor; "
                    f"{run.measured.per_wall_second:.1f} episodes/s wall; {errors} errored"
                )
            last = run.episodes
        print_calls("faithful", last)
        report = summarize(last)
        print(
            f"  judge calls per episode {report['judge_calls_per_episode']:.2f}, "
            f"tokens/episode {report['tokens_per_episode']:.0f}"
        )
    with ServerProcess(args.latency, default=ScriptedModels(paraphrase=True)) as server:
        paraphrased = asyncio.run(run_at(server.base_url, 32, 32, folder, args.loops[0]))
        print_calls("paraphrasing", paraphrased.episodes)


if __name__ == "__main__":
    main()
