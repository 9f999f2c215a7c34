"""Offline env throughput: CPU time per step (patient + guardian + coverage), judge CPU time per episode.

    python benchmarks/offline_throughput.py [--episodes 300] [--library starter] [--baseline /tmp/old_cg]

Questions are drawn from history-taking templates with a random detail appended, so that (almost) every question is
new to the retrieval memo, as with a policy being trained; `--repeat` uses the fixed checklist instead.

Figures are CPU time (`time.process_time`), not wall clock: the machine is shared. Each run also times a fixed
pure-Python calibration loop in the same process and reports the step cost as a multiple of it, so runs on a busier
or slower machine stay comparable. `--baseline DIR` runs the same measurement in a subprocess against another
checkout of the package (e.g. an older commit: ``git archive <commit> | tar -x -C /tmp/old_cg``) and prints the
ratio of the two, each normalised by its own calibration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
CALIBRATION_ROUNDS = 5


def question(rng: random.Random, repeat: bool) -> str:
    text = rng.choice(TEMPLATES)
    if repeat or text.startswith(("EXAMINE", "TEST")):
        return text
    return f"{text[:-1]} {rng.choice(WORDS)} {rng.randrange(10_000)}?"


def calibration_loop() -> float:
    """CPU seconds of a fixed pure-Python workload (string, dict and arithmetic work, like a step): the best of 5."""
    best = float("inf")
    for _ in range(CALIBRATION_ROUNDS):
        started = time.process_time()
        table: dict[str, int] = {}
        for i in range(200_000):
            key = f"w{i % 997}"
            table[key] = table.get(key, 0) + (i * i) % 7
        best = min(best, time.process_time() - started)
    return best


def measure(episodes: int, turns: int, library: str, repeat: bool) -> dict[str, float]:
    """Run the episodes and return CPU figures (seconds) and the calibration time."""
    env = gym.make("consultgym/Consultation-v0", scenarios=library, max_turns=turns + 1).unwrapped
    rng = random.Random(0)
    step_cpu: list[float] = []
    judge_cpu: list[float] = []
    for episode in range(episodes):
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
    steps = np.asarray(step_cpu)
    return {
        "steps": float(steps.size),
        "step_cpu_s": float(steps.sum()),
        "step_p50_s": float(np.percentile(steps, 50)),
        "step_p99_s": float(np.percentile(steps, 99)),
        "judge_cpu_s": float(np.mean(judge_cpu)),
        "calibration_s": calibration_loop(),
    }


def describe(label: str, figures: dict[str, float]) -> str:
    per_step = figures["step_cpu_s"] / figures["steps"]
    p50, p99 = figures["step_p50_s"] * 1e6, figures["step_p99_s"] * 1e6
    return (
        f"{label}: {figures['steps'] / figures['step_cpu_s']:.0f} steps per CPU-second, "
        f"{per_step * 1e6:.1f} us CPU/step (p50 {p50:.1f}, p99 {p99:.1f}), "
        f"judge {figures['judge_cpu_s'] * 1e3:.2f} ms CPU/episode; "
        f"calibration loop {figures['calibration_s'] * 1e3:.1f} ms; "
        f"one step = {per_step / figures['calibration_s'] * 1e3:.3f} thousandths of the calibration loop"
    )


def baseline(folder: str, args: argparse.Namespace) -> dict[str, float]:
    """The same measurement against the package in `folder`, in a fresh process."""
    command = [sys.executable, __file__, "--json", "--episodes", str(args.episodes), "--turns", str(args.turns)]
    command += ["--library", args.library] + (["--repeat"] if args.repeat else [])
    env = {**os.environ, "PYTHONPATH": folder}
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--library", default="starter")
    parser.add_argument("--repeat", action="store_true", help="reuse the same questions (memo hits)")
    parser.add_argument("--baseline", help="a checkout of an older consultgym to compare with (its top folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    figures = measure(args.episodes, args.turns, args.library, args.repeat)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"episodes {args.episodes}, steps {figures['steps']:.0f}, library {args.library}, "
        f"{'repeated' if args.repeat else 'fresh'} questions"
    )
    print(describe(f"this tree ({consultgym.__file__.rsplit('/', 2)[0]})", figures))
    if args.baseline:
        old = baseline(args.baseline, args)
        print(describe(f"baseline ({args.baseline})", old))
        new_cost = figures["step_cpu_s"] / figures["steps"] / figures["calibration_s"]
        old_cost = old["step_cpu_s"] / old["steps"] / old["calibration_s"]
        print(f"steps per CPU-second, calibrated: this tree / baseline = {old_cost / new_cost:.3f}")


if __name__ == "__main__":
    main()
