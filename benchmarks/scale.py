"""Scale benchmark in CPU time: offline steps per CPU-second, LLM episodes by concurrency, workers, Ray, gym envs.

    python benchmarks/scale.py [--quick] [--skip-ray] [--only offline runner workers ray envs memory]

A program that prints figures (nothing is asserted). CPU time is `time.process_time` (every thread of the process,
plus what `--workers` processes report using); each CPU figure also comes as a ratio to a floor measured in the
same run (see `harness`), because wall-clock rates on this shared machine move several-fold with the load. The
loopback server (`harness.ScriptedServer`, a bare asyncio protocol) always runs in its own process; its CPU is never
counted as the client's, and is reported beside it.

1. ``offline``: steps per CPU-second of one process stepping `ConsultationEnv`, and in calibration units; steps per
   wall-second of 1 and 2 such processes together (secondary).
2. ``runner``: episodes through the runner (`runner.arun`, what ``consultgym run`` does) against a server answering
   after 100 ms, at 1, 32 and 256 episodes in flight. Roles: LLM doctor + LLM patient, offline guardian and judge;
   each episode is 2 questions and a diagnosis: 5 calls. Client CPU per episode and per call, the raw aiohttp
   request's CPU at the same number of requests in flight (the floor), their ratio, and CPU per episode at 256 over
   32. At 32 and 256, 3 rounds of (floor, run): the least CPU of each is kept, the ratio of every round shown too.
   Every episode is counted in the run file (none may be missing or errored).
3. ``workers``: ``consultgym run --workers N`` (N processes, each its own loop and client) against a 0 ms server,
   client-CPU bound: episodes per wall-second at 1 and 2 workers in 5 rounds, each 1 then 2 workers back to back
   under the same load; the ratio is the median round's (each round's beside it: on a shared machine one slow run
   moves a ratio by a fifth), with that round's CPU by process (the parent and the workers) and the server's CPU
   per call and share of a core, and the most the cores allow: the loopback server runs on the same cores, so 2
   workers on 2 cores cannot reach twice 1 worker's rate; nor can 2 processes of offline steps with no server,
   whose ratio is printed last (the cores slow each other: shared caches, the host's other guests).
4. ``ray``: the runner's workload over Ray with 2 actors at concurrency 256.
5. ``envs``: 200 LLM gym envs in one fresh process (each reset and stepped once): threads of the process and
   resident memory per env.
6. ``memory``: tracemalloc bytes per live idle session, offline and LLM roles.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import Measured, ServerProcess, calibration, cpu, machine_line, raw_request_floor

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


def long_doctor_script(body: dict[str, Any]) -> str:
    """Ten questions, then a diagnosis: more of the env's own work per call (client-CPU bound runs)."""
    if len(body["messages"]) >= 22:
        return "DIAGNOSIS: migraine"
    return QUESTIONS[(len(body["messages"]) // 2) % 10]


# "I'm not sure." makes no clinical claim, so the offline guardian passes it: one patient call per turn.
SCRIPTS = {"doctor": doctor_script, "long-doctor": long_doctor_script, "patient": "I'm not sure."}


def llm_options(base_url: str, doctor: str = "doctor") -> dict[str, Any]:
    return {
        "doctor_model": doctor,
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

    env = gym.make("consultgym/Consultation-v0").unwrapped
    rng = random.Random(os.getpid())
    env.reset(seed=0)
    unit = calibration()
    barrier.wait()
    steps, started, before = 0, time.perf_counter(), cpu()
    while time.perf_counter() - started < seconds:
        question = rng.choice(QUESTIONS)
        if not question.startswith(("EXAMINE", "TEST")):
            question = f"{question[:-1]} {rng.randrange(10_000)}?"  # new text each time, as from a policy
        _, _, terminated, truncated, _ = env.step(question)
        steps += 1
        if terminated or truncated:
            env.reset(seed=steps)
    spent = cpu() - before
    results.put((steps / (time.perf_counter() - started), steps / spent, spent / steps / unit))


def offline_steps(processes: int, seconds: float) -> tuple[float, float, float]:
    """Steps per wall-second of all processes together; per CPU-second of one process; calibration units a step."""
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_offline_worker, args=(seconds, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    rates = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return sum(r[0] for r in rates), sum(r[1] for r in rates) / processes, sum(r[2] for r in rates) / processes


def report_offline(seconds: float) -> None:
    one, one_cpu, one_units = offline_steps(1, seconds)
    two, two_cpu, _ = offline_steps(2, seconds)
    print(
        f"\n1. offline: {one_cpu:,.0f} steps per CPU-second of one process ({one_units:.0f} calibration units a "
        f"step); wall: 1 process {one:,.0f} steps/s, 2 processes {two:,.0f} (x{two / one:.2f}, per CPU-second "
        f"{two_cpu:,.0f})"
    )


# --------------------------------------------------------------------------------- 2./3./4. episodes through runs
@dataclass
class RunResult:
    measured: Measured  # count = planned episodes
    finished: int
    errored: int
    calls: int = 0  # chat requests the server answered during the run (every attempt, every role)
    worker_cpu_s: float = 0.0  # of measured.cpu_s, what the worker processes used (the rest is this process's)
    server_cpu_s: float = 0.0  # the loopback server's CPU during the run (never counted in measured.cpu_s)

    @property
    def missing(self) -> int:
        return self.measured.count - self.finished - self.errored


def run_episodes(
    base_url: str, episodes: int, concurrency: int, *, workers: int = 0, ray_actors: int = 0, doctor: str = "doctor"
) -> RunResult:
    """One run through the runner (`workers` processes when given, or Ray); CPU of this process and its workers.

    For Ray, the CPU is the driver's only, so it is not the client's cost.
    """
    from consultgym.runfile import load_run
    from consultgym.runner import arun
    from consultgym.settings import RunConfig

    folder = Path(tempfile.mkdtemp(prefix="consultgym-scale-"))
    worker_cpu = 0.0
    spec = RunConfig(
        out=folder / "run.jsonl",
        episodes=episodes,
        concurrency=concurrency,
        doctor="llm",
        patient="llm",
        **llm_options(base_url, doctor),
        progress=False,
        workers=max(1, workers),
    )
    try:
        wall, started = time.perf_counter(), cpu()
        if ray_actors:
            from consultgym.integrations.ray_rollouts import run_ray

            run_ray(spec, actors=ray_actors)
        elif workers:
            from consultgym.workers import run_workers

            worker_cpu = run_workers(spec).worker_cpu_s  # the CPU the worker processes report using
            started -= worker_cpu
        else:
            asyncio.run(arun(spec))
        measured = Measured(episodes, cpu() - started, time.perf_counter() - wall)
        finished = load_run(spec.out).episodes
        ok = {e.key for e in finished if e.ok}
        return RunResult(measured, len(ok), sum(1 for e in finished if e.error), worker_cpu_s=worker_cpu)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report_runner(scale: int, rounds: int = 3) -> None:
    print(f"\n2. runner, LLM doctor + LLM patient, server {LATENCY_S * 1000:.0f} ms/call, 5 calls/episode:")
    per_episode: dict[int, float] = {}
    with ServerProcess(LATENCY_S, SCRIPTS) as server:
        run_episodes(server.base_url, 2, 2)  # warm-up: imports, the client pool, per-scenario caches
        for concurrency, episodes in ((1, 16), (32, 512), (256, 2048)):
            episodes = max(concurrency, episodes // scale)
            floors: list[Measured] = []
            results: list[RunResult] = []
            # Rounds of (floor, run), the least CPU of each kept: load elsewhere only ever adds CPU (cold caches,
            # a busy sibling core), to the floor and the client alike.
            for _ in range(1 if concurrency == 1 else rounds):
                floors.append(raw_request_floor(server.base_url, concurrency, max(200, min(episodes * 5, 3000))))
                server_cpu, served = server.stats()
                result = run_episodes(server.base_url, episodes, concurrency)
                server_cpu_after, served_after = server.stats()
                result.calls, result.server_cpu_s = served_after - served, server_cpu_after - server_cpu
                results.append(result)
            floor = min(f.cpu_per for f in floors)
            result = min(results, key=lambda r: r.measured.cpu_s / max(1, r.calls))
            per_call = result.measured.cpu_s / max(1, result.calls)
            per_episode[concurrency] = result.measured.cpu_per
            each = ", ".join(
                f"x{r.measured.cpu_s / max(1, r.calls) / f.cpu_per:.2f}" for r, f in zip(results, floors, strict=True)
            )
            print(
                f"   {concurrency:>3} in flight: {result.measured.cpu_per * 1e3:5.2f} ms CPU/episode, "
                f"{per_call * 1e3:.3f} ms CPU/call = x{per_call / floor:.2f} the raw aiohttp request "
                f"({floor * 1e3:.3f} ms; least of {len(results)} rounds each; by round {each}); "
                f"{result.measured.per_wall_second:6.1f} episodes/s wall; "
                f"{result.finished}/{episodes} finished, {result.errored} errored, {result.missing} missing; "
                f"server {result.server_cpu_s / max(1, result.calls) * 1e3:.3f} ms CPU/call, "
                f"{result.server_cpu_s / result.measured.wall_s:.0%} of a core"
            )
    print(f"   CPU per episode at 256 in flight / at 32: x{per_episode[256] / per_episode[32]:.2f}")


def report_workers(scale: int, rounds: int = 5) -> None:
    episodes = max(256, 2048 // scale)
    print(f"\n3. --workers, 0 ms server, LLM doctor (10 questions) + LLM patient, {episodes} episodes, 64 in flight:")
    with ServerProcess(0.0, SCRIPTS) as server:
        run_episodes(server.base_url, 4, 4, workers=1, doctor="long-doctor")  # warm-up
        played: dict[int, list[RunResult]] = {1: [], 2: []}
        no_server: list[float] = []  # the same rounds' ratio for 2 processes of offline steps: the cores' own scaling
        for _ in range(rounds):  # interleaved rounds: 1 then 2 workers, one after the other, under the same load
            for workers, results in played.items():
                server_cpu, served = server.stats()
                result = run_episodes(server.base_url, episodes, 64, workers=workers, doctor="long-doctor")
                server_cpu_after, served_after = server.stats()
                result.calls, result.server_cpu_s = served_after - served, server_cpu_after - server_cpu
                results.append(result)
            no_server.append(offline_steps(2, 2.0)[0] / offline_steps(1, 2.0)[0])
        # Each round's pair ran back to back under the same load, so its ratio is the measure: the median round's.
        pairs = list(zip(played[1], played[2], strict=True))
        ratios = [two.measured.per_wall_second / one.measured.per_wall_second for one, two in pairs]
        middle = ratios.index(statistics.median_low(ratios))
        for workers, result in zip((1, 2), pairs[middle], strict=True):
            _print_workers_run(workers, result, episodes)
        print(
            f"   --workers 2 / --workers 1: x{ratios[middle]:.2f} episodes per wall-second (the median round of "
            f"{rounds}, each 1 then 2 workers back to back; by round {_listed(ratios)})"
        )
        allowed = [_ceiling(two, one) for one, two in pairs]
        reached = ", ".join(f"{ratio / most:.0%}" for ratio, most in zip(ratios, allowed, strict=True))
        print(
            f"   the {os.cpu_count()} cores allow at most x{allowed[middle]:.2f} in that round (every process's CPU "
            f"per episode at --workers 2, the server's included, on every core; by round {_listed(allowed)}); "
            f"the runs reached {reached} of it (the share of the cores kept busy)"
        )
        print(
            f"   with no server, 2 processes of offline steps reach x{statistics.median(no_server):.2f} the steps per "
            f"wall-second of 1 (the median of the same rounds; by round {_listed(no_server)})"
        )


def _listed(ratios: list[float]) -> str:
    return ", ".join(f"x{ratio:.2f}" for ratio in ratios)


def _print_workers_run(workers: int, result: RunResult, episodes: int) -> None:
    wall, calls = result.measured.wall_s, max(1, result.calls)
    own = result.measured.cpu_s - result.worker_cpu_s
    where = (
        f"this process {own / wall:.0%} of a core, the {workers} workers {result.worker_cpu_s / wall:.0%}"
        if workers > 1
        else f"one process {own / wall:.0%} of a core"
    )
    print(
        f"   --workers {workers}: {result.measured.per_wall_second:6.1f} episodes/s wall, "
        f"{result.measured.cpu_per * 1e3:.2f} ms CPU/episode (all processes; {where}); "
        f"server {result.server_cpu_s / calls * 1e3:.3f} ms CPU/call, {result.server_cpu_s / wall:.0%} of a "
        f"core; {result.finished}/{episodes} finished, {result.errored} errored, {result.missing} missing"
    )


def _ceiling(two: RunResult, one: RunResult) -> float:
    """The most 2 workers (`two`) could reach, as a multiple of 1 worker's rate (`one`): the server shares the cores,
    so with every process busy they finish at most (cores / every process's CPU per episode) episodes a second."""
    cpu_per_episode = two.measured.cpu_per + two.server_cpu_s / two.measured.count
    return (os.cpu_count() or 1) / cpu_per_episode / one.measured.per_wall_second


def report_ray(scale: int) -> None:
    episodes = 1024 // scale
    with ServerProcess(LATENCY_S, SCRIPTS) as server:
        result = run_episodes(server.base_url, episodes, 256, ray_actors=2)
    print(
        f"\n4. Ray, 2 actors, 256 in flight: {result.measured.per_wall_second:.2f} episodes/s wall "
        f"({result.finished}/{episodes} finished, {result.errored} errored, {result.missing} missing)"
    )


# ------------------------------------------------------------------------------------------------ 5. gym envs
def _status(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _gym_envs(count: int, base_url: str, results: Any) -> None:
    import gc

    import gymnasium as gym

    import consultgym  # noqa: F401

    options = {"patient": "llm", "patient_model": "patient", "patient_base_url": base_url}

    def make() -> Any:
        env = gym.make("consultgym/Consultation-v0", **options)
        env.reset(seed=len(envs))
        env.step("When did this start?")
        return env

    envs: list[Any] = []
    envs.append(make())  # the first env pays for imports, the library, the loop and the client pool
    gc.collect()
    rss_before, cpu_before = _status("VmRSS"), cpu()
    while len(envs) < count:
        envs.append(make())
    gc.collect()
    rss_after, spent = _status("VmRSS"), cpu() - cpu_before
    names = sorted(t.name for t in threading.enumerate())
    results.put((_status("Threads"), names, (rss_after - rss_before) / (count - 1), spent / (count - 1)))
    for env in envs:
        env.close()


def report_envs(count: int = 200) -> None:
    with ServerProcess(0.0, SCRIPTS) as server:
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        child = ctx.Process(target=_gym_envs, args=(count, server.base_url, results))
        child.start()
        threads, names, kib, spent = results.get(timeout=600)
        child.join(30)
    print(
        f"\n5. {count} LLM gym envs in one fresh process (each reset and stepped once): {threads} threads in the "
        f"process (Python's: {', '.join(names)}), {kib:.0f} KiB RSS per env, {spent * 1e3:.1f} ms CPU per env "
        "(make + reset + step)"
    )


# ------------------------------------------------------------------------------------------------ 6. memory
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


def report_memory(count: int) -> None:
    offline = memory_per_session(count, None, 0)
    with ServerProcess(0.0, SCRIPTS) as server:
        llm_idle = memory_per_session(count, server.base_url, 0)
        llm_turned = memory_per_session(count, server.base_url, 2)
    print(
        f"\n6. memory per live idle session ({count} sessions, tracemalloc): offline {offline / 1024:.1f} KiB; "
        f"LLM patient {llm_idle / 1024:.1f} KiB after reset, {llm_turned / 1024:.1f} KiB after 2 turns"
    )


SECTIONS = ("offline", "runner", "workers", "ray", "envs", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test of the benchmark)")
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    print(machine_line())
    if "offline" in args.only:
        report_offline(1.0 if args.quick else 4.0)
    if "runner" in args.only:
        report_runner(scale, 1 if args.quick else 3)
    if "workers" in args.only:
        report_workers(scale, 1 if args.quick else 5)
    if "ray" in args.only and not args.skip_ray:
        report_ray(scale)
    if "envs" in args.only:
        report_envs(50 if args.quick else 200)
    if "memory" in args.only:
        report_memory(250 if args.quick else 1000)


if __name__ == "__main__":
    main()
