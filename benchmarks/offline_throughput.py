"""Offline env throughput: CPU time per step (patient + guardian + coverage), judge CPU time per episode.

    python benchmarks/offline_throughput.py [--episodes 300] [--guardian off] [--baseline /tmp/old_cg]

Questions are drawn from history-taking templates with a random detail appended, so that (almost) every question is
new to the retrieval memo, as with a policy being trained; `--repeat` uses the fixed checklist instead.

Figures are CPU time (`time.process_time`), not wall clock: the machine is shared. Before every block of 10 episodes
the run also times a fixed pure-Python calibration slice, and reports the step cost in slices (the median over
blocks), so runs on a busier or slower machine, or while the load drifts, stay comparable. `--baseline DIR` runs the same measurement in a subprocess against another
checkout of the package (e.g. an older commit: ``git archive <commit> | tar -x -C /tmp/old_cg``), alternating with
this tree in fresh processes for `--rounds` rounds, and prints the ratio of the two, each normalised by its own
calibration, per round and as the median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

import gymnasium as gym
import numpy as np

import consultgym  # noqa: F401  (registers the env ids)
from consultgym.agents.judge.offline import score

TEMPLATES = [
    "When did this start?",
    "How long does it last?",
    "Can you describe it?",
    "How severe is it out of 10?",
    "Does it spread anywhere?",
    "What makes it better or worse?",
    "Any other symptoms?",
    "Have you had a fever?",
    "Any nausea or vomiting?",
    "Do you take any medications?",
    "Any allergies?",
    "Any past medical history?",
    "Does anything run in your family?",
    "Do you smoke?",
    "Do you drink alcohol?",
    "What do you do for work?",
    "Any recent travel?",
    "Have you lost weight?",
    "Any cough?",
    "Are you short of breath?",
    "EXAMINE: chest",
    "EXAMINE: abdomen",
    "TEST: blood count",
    "TEST: ECG",
]
WORDS = "today lately recently really exactly please honestly now again also though overall".split()
CALIBRATION_ROUNDS = 3
BLOCK = 10  # episodes between calibration slices


def question(rng: random.Random, repeat: bool) -> str:
    text = rng.choice(TEMPLATES)
    if repeat or text.startswith(("EXAMINE", "TEST")):
        return text
    return f"{text[:-1]} {rng.choice(WORDS)} {rng.randrange(10_000)}?"


def calibration_slice(iterations: int = 40_000) -> float:
    """CPU seconds of a fixed pure-Python workload (string, dict and arithmetic work, like a step)."""
    started = time.process_time()
    table: dict[str, int] = {}
    for i in range(iterations):
        key = f"w{i % 997}"
        table[key] = table.get(key, 0) + (i * i) % 7
    return time.process_time() - started


def measure(episodes: int, turns: int, library: str, repeat: bool, guardian: str) -> dict[str, float]:
    """Run the episodes and return CPU figures (seconds), the calibration time and the calibrated step cost.

    The machine's speed drifts while other processes come and go, so a calibration slice runs before every block of
    `BLOCK` episodes: each block's step CPU is divided by its slice, and the median over blocks is the step's cost in
    calibration units (`calibrated`).
    """
    env = gym.make("consultgym/Consultation-v0", scenarios=library, max_turns=turns + 1, guardian=guardian).unwrapped
    rng = random.Random(0)
    step_cpu: list[float] = []
    judge_cpu: list[float] = []
    slices: list[float] = []
    block_costs: list[float] = []
    for episode in range(episodes):
        if episode % BLOCK == 0:
            slices.append(min(calibration_slice() for _ in range(CALIBRATION_ROUNDS)))
            block_start = len(step_cpu)
        env.reset(seed=episode)
        sent = []
        for _ in range(turns):
            action = question(rng, repeat)
            started = time.process_time()
            env.step(action)
            step_cpu.append(time.process_time() - started)
            sent.append(action)
        scenario = env.session.scenario
        started = time.process_time()
        score(scenario, sent, "unknown")
        judge_cpu.append(time.process_time() - started)
        env.step("DIAGNOSIS: unknown")
        if episode % BLOCK == BLOCK - 1 or episode == episodes - 1:
            block = step_cpu[block_start:]
            block_costs.append(sum(block) / len(block) / slices[-1])
    steps = np.asarray(step_cpu)
    return {
        "steps": float(steps.size),
        "step_cpu_s": float(steps.sum()),
        "step_p50_s": float(np.percentile(steps, 50)),
        "step_p99_s": float(np.percentile(steps, 99)),
        "judge_cpu_s": float(np.mean(judge_cpu)),
        "calibration_s": float(np.median(slices)),
        "calibrated": float(np.median(block_costs)),
    }


def describe(label: str, figures: dict[str, float]) -> str:
    per_step = figures["step_cpu_s"] / figures["steps"]
    p50, p99 = figures["step_p50_s"] * 1e6, figures["step_p99_s"] * 1e6
    return (
        f"{label}: {figures['steps'] / figures['step_cpu_s']:.0f} steps per CPU-second, "
        f"{per_step * 1e6:.1f} us CPU/step (p50 {p50:.1f}, p99 {p99:.1f}), "
        f"judge {figures['judge_cpu_s'] * 1e3:.2f} ms CPU/episode; "
        f"calibration slice {figures['calibration_s'] * 1e3:.2f} ms; "
        f"one step = {figures['calibrated']:.4f} calibration slices (median over blocks)"
    )


def measure_in(folder: str | None, args: argparse.Namespace) -> dict[str, float]:
    """The same measurement in a fresh process, against the package in `folder` (None: this tree)."""
    command = [sys.executable, __file__, "--json", "--episodes", str(args.episodes), "--turns", str(args.turns)]
    command += ["--library", args.library, "--guardian", args.guardian] + (["--repeat"] if args.repeat else [])
    env = {**os.environ, "PYTHONPATH": folder} if folder else dict(os.environ)
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def calibrated_cost(figures: dict[str, float]) -> float:
    """CPU time per step in calibration slices, timed beside each block of episodes in the same process."""
    return figures["calibrated"]


def compare(args: argparse.Namespace) -> None:
    """Alternate this tree and the baseline, each in a fresh process, `rounds` times; print every ratio and the
    median (the machine's load changes between runs; alternating and the median keep that out of the figure)."""
    ratios = []
    for number in range(1, args.rounds + 1):
        new, old = measure_in(None, args), measure_in(args.baseline, args)
        ratios.append(calibrated_cost(old) / calibrated_cost(new))
        print(f"round {number}")
        print("  " + describe("this tree", new))
        print("  " + describe(f"baseline ({args.baseline})", old))
        print(f"  steps per CPU-second, calibrated: this tree / baseline = {ratios[-1]:.3f}")
    print(f"median over {args.rounds} rounds: this tree / baseline = {statistics.median(ratios):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--library", default="starter")
    parser.add_argument("--repeat", action="store_true", help="reuse the same questions (memo hits)")
    parser.add_argument("--guardian", default="offline", help="offline, or off to time the patient and judge alone")
    parser.add_argument("--baseline", help="a checkout of an older consultgym to compare with (its top folder)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each tree with --baseline")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    if args.baseline:
        compare(args)
        return
    figures = measure(args.episodes, args.turns, args.library, args.repeat, args.guardian)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"episodes {args.episodes}, steps {figures['steps']:.0f}, library {args.library}, "
        f"{'repeated' if args.repeat else 'fresh'} questions, guardian {args.guardian}"
    )
    print(describe(f"this tree ({consultgym.__file__.rsplit('/', 2)[0]})", figures))


if __name__ == "__main__":
    main()
