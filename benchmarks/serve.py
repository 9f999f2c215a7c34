"""`consultgym serve` under 64 concurrent clients: steps/s, step latency (p50/p99) and CPU per step, client and server.

    python benchmarks/serve.py [--clients 64] [--episodes-per-client 4] [--turns 4]

The server is a `consultgym serve` subprocess (offline roles) on a free loopback port; the clients are
`RemoteConsultationEnv`s, one per thread, in this process. The floor, measured in the same run, is the same action
stream stepped on a local `gym.make` env in one thread: the figures say what the HTTP hop costs on top of the env.
Server CPU is read from /proc (user + system) before and after the load.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import gymnasium as gym

import consultgym  # noqa: F401  (registers the env ids)
from consultgym.envs.remote import RemoteConsultationEnv
from consultgym.errors import BackendError

QUESTIONS = [
    "When did this start?",
    "How severe is it out of 10?",
    "Does it spread anywhere?",
    "Any fever?",
    "Do you take any medications?",
    "Any allergies?",
    "Do you smoke?",
    "EXAMINE: chest",
    "TEST: ECG",
]


def script(seed: int, turns: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(QUESTIONS)[:-1]} {rng.randrange(10_000)}?" for _ in range(turns)] + ["DIAGNOSIS: migraine"]


def play(env: gym.Env, seed: int, turns: int, latencies: list[float] | None = None) -> int:
    env.reset(seed=seed)
    for action in script(seed, turns):
        started = time.perf_counter()
        *_, terminated, truncated, _ = env.step(action)
        if latencies is not None:
            latencies.append(time.perf_counter() - started)
        if terminated or truncated:
            break
    return turns + 1


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "consultgym.cli", "serve", "--port", str(port), "--max-sessions", "1024"]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while True:
        try:
            env = RemoteConsultationEnv(url)
            env.reset(seed=0)
            env.close()
            return server, url
        except BackendError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("consultgym serve did not start") from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--episodes-per-client", type=int, default=4)
    parser.add_argument("--turns", type=int, default=4, help="questions before the diagnosis")
    args = parser.parse_args()
    episodes = args.clients * args.episodes_per_client

    local = gym.make("consultgym/Consultation-v0")
    wall, cpu = time.perf_counter(), time.process_time()
    local_steps = sum(play(local, seed, args.turns) for seed in range(episodes))
    local_wall, local_cpu = time.perf_counter() - wall, time.process_time() - cpu

    server, url = start_server()
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index: int) -> int:
        env, mine, steps = RemoteConsultationEnv(url), [], 0
        for k in range(args.episodes_per_client):
            steps += play(env, index * args.episodes_per_client + k, args.turns, mine)
        env.close()
        with lock:
            latencies.extend(mine)
        return steps

    try:
        server_before, wall, cpu = server_cpu(server.pid), time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(args.clients) as pool:
            remote_steps = sum(pool.map(client, range(args.clients)))
        remote_wall, client_cpu = time.perf_counter() - wall, time.process_time() - cpu
        served_cpu = server_cpu(server.pid) - server_before
    finally:
        server.terminate()
        server.wait(timeout=10)

    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    floor_cpu = local_cpu / local_steps * 1e6
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {episodes} episodes of {args.turns + 1} steps"
    )
    print(f"floor, local env in one thread: {local_steps / local_wall:,.0f} steps/s, {floor_cpu:.0f} µs CPU per step")
    print(
        f"served, {args.clients} concurrent clients: {remote_steps / remote_wall:,.0f} steps/s "
        f"({remote_steps} steps in {remote_wall:.2f} s)"
    )
    print(
        f"step latency: p50 {p(0.50):.2f} ms, p99 {p(0.99):.2f} ms, max {latencies[-1] * 1000:.2f} ms, "
        f"mean {statistics.fmean(latencies) * 1000:.2f} ms"
    )
    per_step = {"server": served_cpu / remote_steps * 1e6, "clients": client_cpu / remote_steps * 1e6}
    for side, micros in per_step.items():
        print(f"{side} CPU per step: {micros:.0f} µs ({micros / floor_cpu:.1f}x the local floor)")


if __name__ == "__main__":
    main()
