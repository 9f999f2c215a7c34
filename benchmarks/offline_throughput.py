"""Offline env throughput: steps per second (patient + guardian), per-step latency, judge time per episode.

    python benchmarks/offline_throughput.py [--episodes 300] [--library starter]

Questions are drawn from history-taking templates with a random detail appended, so that (almost) every question is
new to the retrieval memo, as with a policy being trained; `--repeat` uses the fixed checklist instead.
"""

from __future__ import annotations

import argparse
import random
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


def question(rng: random.Random, repeat: bool) -> str:
    text = rng.choice(TEMPLATES)
    if repeat or text.startswith(("EXAMINE", "TEST")):
        return text
    return f"{text[:-1]} {rng.choice(WORDS)} {rng.randrange(10_000)}?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--library", default="starter")
    parser.add_argument("--repeat", action="store_true", help="reuse the same questions (memo hits)")
    args = parser.parse_args()

    env = gym.make("consultgym/Consultation-v0", scenarios=args.library, max_turns=args.turns + 1).unwrapped
    rng = random.Random(0)
    step_times: list[float] = []
    judge_times: list[float] = []
    for episode in range(args.episodes):
        env.reset(seed=episode)
        turns = []
        for _ in range(args.turns):
            action = question(rng, args.repeat)
            started = time.perf_counter()
            env.step(action)
            step_times.append(time.perf_counter() - started)
            turns.append(action)
        scenario = env.session.scenario
        started = time.perf_counter()
        score(scenario, turns, "unknown")
        judge_times.append(time.perf_counter() - started)
        env.step("DIAGNOSIS: unknown")
    steps = np.asarray(step_times)
    p50, p99 = np.percentile(steps, [50, 99]) * 1000
    print(
        f"episodes {args.episodes}, steps {steps.size}, library {args.library}, "
        f"{'repeated' if args.repeat else 'fresh'} questions"
    )
    print(
        f"offline: {steps.size / steps.sum():.0f} steps/s, p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
        f"judge {np.mean(judge_times) * 1000:.2f} ms/episode"
    )


if __name__ == "__main__":
    main()
