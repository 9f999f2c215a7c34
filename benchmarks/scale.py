"""Scale benchmark: offline steps/s per process, LLM-path episodes/s by concurrency and on Ray, memory per session.

    python benchmarks/scale.py [--quick] [--skip-ray]

What it measures (a program that prints figures; nothing here is asserted):

1. Offline steps/s with 1 and 2 worker processes (multiprocessing), each stepping its own `ConsultationEnv`.
2. Episodes/s against the loopback fake OpenAI server with 100 ms per call, at concurrency 1, 32 and 256, through the
   runner (`runner.arun`: the same code as ``consultgym run``). Roles: LLM doctor + LLM patient, offline guardian and
   judge. Each episode is 2 questions and a diagnosis: 3 doctor calls and 2 patient calls, all sequential, so one
   episode takes at least 0.5 s. Every episode is counted in the run file (none may be missing or errored).
   The server runs in its own process, so its work does not share the client's core.
3. The same workload over Ray with 2 actors at concurrency 256.
4. LLM-path patient turns per CPU-second of one process against a zero-latency server: the env's own ceiling
   (LangGraph turn graph + openai client + HTTP + guardian), i.e. what one core can feed.
5. Peak memory per live idle session (after reset), by tracemalloc over 1,000 sessions, offline and LLM roles.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

LATENCY_S = 0.1
QUESTIONS = [
    "When did this start?",
    "How long does it last?",
    "How severe is it out of 10?",
    "Does it spread anywhere?",
    "Any other symptoms?",
    "Have you had a fever?",
    "Do you take any medications?",
    "Any allergies?",
    "Does anything run in your family?",
    "Do you smoke?",
    "EXAMINE: abdomen",
    "TEST: blood count",
]


# ------------------------------------------------------------------------------------------------ the fake server
def doctor_script(body: dict[str, Any]) -> str:
    """Two questions, then a diagnosis (system + opening + 2 exchanges = 6 messages)."""
    return "DIAGNOSIS: migraine" if len(body["messages"]) >= 6 else "When did this start? Any fever?"


def _serve(latency: float, conn: Any) -> None:
    from consultgym.testing import FakeOpenAIServer

    # "I'm not sure." makes no clinical claim, so the offline guardian passes it: one patient call per turn.
    with FakeOpenAIServer(by_model={"doctor": doctor_script, "patient": "I'm not sure."}, latency=latency) as server:
        conn.send(server.base_url)
        while conn.recv() == "cpu":  # until the parent says stop
            conn.send(time.process_time())


class ServerProcess:
    """The loopback fake OpenAI server in a child process; `cpu()` is the CPU time it has used so far."""

    def __init__(self, latency: float) -> None:
        self.parent, child = mp.Pipe()
        self.process = mp.get_context("spawn").Process(target=_serve, args=(latency, child), daemon=True)

    def __enter__(self) -> ServerProcess:
        self.process.start()
        self.base_url: str = self.parent.recv()
        return self

    def cpu(self) -> float:
        self.parent.send("cpu")
        return self.parent.recv()

    def __exit__(self, *exc: object) -> None:
        self.parent.send("stop")
        self.process.join(10)


def llm_options(base_url: str) -> dict[str, Any]:
    return {
        "doctor_model": "doctor",
        "doctor_base_url": base_url,
        "patient_model": "patient",
        "patient_base_url": base_url,
        "doctor_timeout": 120.0,
        "patient_timeout": 120.0,
    }


# ---------------------------------------------------------------------------------------------- 1. offline steps/s
def _offline_worker(seconds: float, barrier: Any, results: Any) -> None:
    import gymnasium as gym

    import consultgym  # noqa: F401

    env = gym.make("consultgym/Consultation-v0")
    rng = random.Random(os.getpid())
    env.reset(seed=0)
    barrier.wait()
    steps, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        question = rng.choice(QUESTIONS)
        if not question.startswith(("EXAMINE", "TEST")):
            question = f"{question[:-1]} {rng.randrange(10_000)}?"  # new text each time, as from a policy
        _, _, terminated, truncated, _ = env.step(question)
        steps += 1
        if terminated or truncated:
            env.reset(seed=steps)
    results.put((steps / (time.perf_counter() - started), steps / (time.process_time() - cpu)))


def offline_steps_per_second(processes: int, seconds: float) -> tuple[float, float]:
    """Steps/s of all processes together (wall), and steps per CPU-second of one process (mean)."""
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_offline_worker, args=(seconds, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    rates = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return sum(wall for wall, _ in rates), sum(cpu for _, cpu in rates) / len(rates)


# --------------------------------------------------------------------------------- 2./3. episodes/s, runner or Ray
def run_episodes(base_url: str, episodes: int, concurrency: int, ray_actors: int = 0) -> tuple[float, int, int, float]:
    """Episodes/s through the runner (or Ray); distinct finished and errored episodes in the file; CPU s/episode.

    The CPU time is this process's (the driver's, for Ray), so it is the client-side cost of an episode only locally.
    """
    from consultgym.runfile import load_run
    from consultgym.runner import arun
    from consultgym.settings import RunConfig

    folder = Path(tempfile.mkdtemp(prefix="consultgym-scale-"))
    spec = RunConfig(
        out=folder / "run.jsonl",
        episodes=episodes,
        concurrency=concurrency,
        doctor="llm",
        patient="llm",
        **llm_options(base_url),
        progress=False,
    )
    try:
        started, cpu = time.perf_counter(), time.process_time()
        if ray_actors:
            from consultgym.integrations.ray_rollouts import run_ray

            run_ray(spec, actors=ray_actors)
        else:
            asyncio.run(arun(spec))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        finished = load_run(spec.out).episodes
        ok = {e.key for e in finished if e.ok}
        return episodes / seconds, len(ok), sum(1 for e in finished if e.error), cpu / episodes
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -------------------------------------------------------------------------------------- 4. LLM-path CPU ceiling
async def _patient_turns(base_url: str, sessions: int, turns: int) -> int:
    from consultgym.envs.builder import session_factory

    build = session_factory(scenarios="starter", patient="llm", patient_model="patient", patient_base_url=base_url)
    library = [build() for _ in range(sessions)]

    async def one(session: Any, index: int) -> int:
        await session.areset(None, index)
        done = 0
        while done < turns:
            await session.astep(QUESTIONS[done % 10])
            done += 1
            if session.done:
                await session.areset(None, index + done)
        return done

    from consultgym.agents.llm import aclose_clients

    turns_played = sum(await asyncio.gather(*(one(s, i) for i, s in enumerate(library))))
    await aclose_clients()  # the pooled HTTP client belongs to this loop: close it before asyncio.run closes the loop
    return turns_played


def llm_turns_per_cpu_second(base_url: str, sessions: int, turns: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    done = asyncio.run(_patient_turns(base_url, sessions, turns))
    return done / (time.process_time() - cpu), done / (time.perf_counter() - wall)


# ------------------------------------------------------------------------------------------------ 5. memory
async def _live_sessions(count: int, base_url: str | None, turns: int) -> list[Any]:
    from consultgym.envs.builder import session_factory

    kwargs = {"patient": "llm", "patient_model": "patient", "patient_base_url": base_url} if base_url else {}
    build = session_factory(scenarios="starter", **kwargs)
    sessions = [build() for _ in range(count)]
    for index, session in enumerate(sessions):
        await session.areset(None, index)
        for turn in range(turns):
            await session.astep(QUESTIONS[turn])
    return sessions


def memory_per_session(count: int, base_url: str | None, turns: int) -> float:
    """Bytes per live session (reset, `turns` played, then idle), by tracemalloc, after a warm-up session."""

    async def measure() -> float:
        warm = await _live_sessions(1, base_url, turns)  # shared caches (library, prompts, client pool) come first
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        sessions = await _live_sessions(count, base_url, turns)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        del sessions, warm
        from consultgym.agents.llm import aclose_clients

        await aclose_clients()
        return sum(stat.size_diff for stat in after.compare_to(before, "filename")) / count

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test of the benchmark)")
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work on the machine skews every figure)")

    seconds = 1.0 if args.quick else 4.0
    (one, one_cpu), (two, two_cpu) = offline_steps_per_second(1, seconds), offline_steps_per_second(2, seconds)
    print(
        f"\n1. offline steps/s: 1 process {one:,.0f}; 2 processes {two:,.0f} (x{two / one:.2f}); "
        f"per CPU-second of one process: {one_cpu:,.0f} and {two_cpu:,.0f}"
    )

    print(f"\n2. episodes/s, LLM doctor + LLM patient, fake server {LATENCY_S * 1000:.0f} ms/call, 5 calls/episode:")
    rates = {}
    with ServerProcess(LATENCY_S) as server:
        run_episodes(server.base_url, 2, 2)  # warm-up: imports, the client pool, the patient-turn graph
        for concurrency, episodes in ((1, 8), (8, 64), (32, 128), (256, 1024)):
            episodes = max(concurrency, episodes // scale)
            server_cpu = server.cpu()
            rate, ok, errored, cpu = run_episodes(server.base_url, episodes, concurrency)
            busy = (server.cpu() - server_cpu) / (episodes / rate)
            rates[concurrency] = rate
            print(
                f"   concurrency {concurrency:>3}: {rate:7.2f} episodes/s  ({ok}/{episodes} episodes finished, "
                f"{errored} errored, {episodes - ok - errored} missing; client CPU {cpu * 1000:.0f} ms/episode, "
                f"server busy {busy:.0%} of a core)"
            )
        print(
            f"   speed-up vs concurrency 1: x{rates[8] / rates[1]:.1f} at 8, x{rates[32] / rates[1]:.0f} at 32, "
            f"x{rates[256] / rates[1]:.0f} at 256 (ideal: 8, 32, 256)"
        )
        print(
            f"   one process's ceiling = 1 / client CPU per episode = {1 / cpu:.0f} episodes/s "
            f"({rates[256] * 5:.0f} calls/s reached)"
        )
        if not args.skip_ray:
            episodes = 1024 // scale
            rate, ok, errored, _ = run_episodes(server.base_url, episodes, 256, ray_actors=2)
            print(
                f"\n3. Ray, 2 actors, concurrency 256: {rate:.2f} episodes/s ({ok}/{episodes} finished, "
                f"{errored} errored, {episodes - ok - errored} missing); x{rate / rates[256]:.2f} vs one process"
            )

    with ServerProcess(0.0) as server:
        sessions, turns = (64, 10) if args.quick else (64, 40)
        per_cpu, per_wall = llm_turns_per_cpu_second(server.base_url, sessions, turns)
        print(
            f"\n4. LLM-path patient turns, zero-latency server, {sessions} sessions in one process: "
            f"{per_cpu:,.0f} per CPU-second of this process; {per_wall:,.0f}/s wall (server on the other core)"
        )

    count = 250 if args.quick else 1000
    offline = memory_per_session(count, None, 0)
    with ServerProcess(0.0) as server:
        llm_idle, llm_turned = (
            memory_per_session(count, server.base_url, 0),
            memory_per_session(count, server.base_url, 2),
        )
    print(
        f"\n5. memory per live idle session ({count} sessions, tracemalloc): offline {offline / 1024:.1f} KiB; "
        f"LLM patient {llm_idle / 1024:.1f} KiB after reset, {llm_turned / 1024:.1f} KiB after 2 turns"
    )


if __name__ == "__main__":
    main()
