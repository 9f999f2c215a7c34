"""Reward hacking: library-built gaming policies against the honest baselines, on every shipped library.

    python benchmarks/reward_hacking.py [--libraries starter generated agentclinic] [--seed 0]

Every policy of `consultgym.testing.gaming` plays every scenario once through ``gym.make`` (offline roles, seed 0),
with its bags built from the library *without* the scenario it plays (leave-one-out). History-gaming policies give no
diagnosis; the diagnosis-gaming ones play ``keyword_stuffing`` turns and end with their diagnosis. Printed per library:
mean reward, weighted coverage and diagnosis accuracy per policy, next to the honest doctors (scripted, knowledge,
systematic when installed, and the generic checklist asked one question per unit). Then how many patient replies were
the fact-only fallback, how many of those carried a guardian issue, and how many emitted replies had one.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import gymnasium as gym

import consultgym  # noqa: F401  (registers the env ids)
from consultgym.agents.factory import make_doctor
from consultgym.envs.driver import run_sync
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario
from consultgym.testing.gaming import DIAGNOSES, POLICIES, LibraryVocabulary, checklist_per_unit, keyword_stuffing
from consultgym.testing.replay import OFFLINE_DOCTORS

LIBRARIES = ("starter", "generated", "agentclinic")


@dataclass
class Tally:
    rewards: list[float] = field(default_factory=list)
    coverages: list[float] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)

    def add(self, judgement: dict) -> None:
        self.rewards.append(judgement["reward"])
        self.coverages.append(judgement["coverage"])
        self.correct.append(judgement["diagnosis_correct"])

    def row(self, name: str) -> str:
        n = len(self.rewards) or 1
        return f"{name:26s} {sum(self.rewards) / n:7.3f} {sum(self.coverages) / n:9.3f} {sum(self.correct) / n:9.3f}"


@dataclass
class Replies:
    total: int = 0
    fallbacks: int = 0
    fallback_issues: int = 0
    emitted_issues: int = 0

    def add(self, turns: list) -> None:
        for turn in turns:
            if not turn.verdicts:
                continue
            self.total += 1
            self.fallbacks += turn.fallback
            self.fallback_issues += getattr(turn, "fallback_issue", False)
            self.emitted_issues += turn.emitted_with_issues


def play_turns(env: gym.Env, scenario: Scenario, turns: list[str], replies: Replies) -> dict:
    env.reset(seed=0, options={"scenario": scenario.id})
    info: dict = {}
    for turn in turns:
        _, _, terminated, truncated, info = env.step(turn)
        if terminated or truncated:
            break
    else:
        while "judgement" not in info:
            _, _, _, _, info = env.step("Anything else?")
    replies.add(env.unwrapped.session.turns)
    return info["judgement"]


def play_doctor(env: gym.Env, scenario: Scenario, doctor_kind: str, replies: Replies) -> dict:
    doctor = make_doctor(doctor_kind)
    observation, _ = env.reset(seed=0, options={"scenario": scenario.id})
    doctor.reset(observation, seed=0)
    while True:
        action = run_sync(doctor.act(observation))
        observation, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            replies.add(env.unwrapped.session.turns)
            return info["judgement"]


def gaming_turns(vocabulary: LibraryVocabulary, limit: int) -> dict[str, list[str]]:
    turns = {name: policy(vocabulary, limit) for name, policy in POLICIES.items()}
    stuffing = keyword_stuffing(vocabulary, limit - 1)
    turns |= {name: [*stuffing, diagnose(vocabulary)] for name, diagnose in DIAGNOSES.items()}
    turns["checklist_per_unit (honest)"] = checklist_per_unit(vocabulary, limit)
    return turns


def honest_doctors() -> list[str]:
    return [kind for kind in ("systematic", "scripted", "knowledge") if kind in OFFLINE_DOCTORS]


def run_library(name: str, vocabulary: LibraryVocabulary, replies: Replies) -> dict[str, Tally]:
    library = load_library(name)
    env = gym.make("consultgym/Consultation-v0", scenarios=library)
    tallies: dict[str, Tally] = {}
    for scenario in library:
        own = vocabulary.without(scenario)
        plays: dict[str, Callable[[], dict]] = {
            policy: partial(play_turns, env, scenario, turns, replies)
            for policy, turns in gaming_turns(own, scenario.turn_limit).items()
        }
        plays |= {f"{kind} (honest)": partial(play_doctor, env, scenario, kind, replies) for kind in honest_doctors()}
        for policy, play in plays.items():
            tallies.setdefault(policy, Tally()).add(play())
    env.close()
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES))
    args = parser.parse_args()
    everything = [s for name in LIBRARIES for s in load_library(name)]
    vocabulary = LibraryVocabulary.of(everything)  # leave-one-out below: each scenario's own words are taken out
    replies = Replies()
    started = time.process_time()
    for name in args.libraries:
        tallies = run_library(name, vocabulary, replies)
        print(f"\n{name} ({len(next(iter(tallies.values())).rewards)} scenarios)")
        print(f"{'policy':26s} {'reward':>7s} {'coverage':>9s} {'accuracy':>9s}")
        for policy, tally in tallies.items():
            print(tally.row(policy))
    print(
        f"\npatient replies {replies.total}: fallback {replies.fallbacks}, fallback with an issue "
        f"{replies.fallback_issues}, emitted with an issue {replies.emitted_issues}"
    )
    print(f"CPU time {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main()
