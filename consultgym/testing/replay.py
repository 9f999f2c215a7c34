"""Play fixed episodes and print them as JSON lines: the probe for determinism across processes and hash seeds.

``python -m consultgym.testing.replay`` plays a spread of shipped scenarios (every 31st of all libraries) with every
offline doctor, and with fixed doctor turns that exercise each branch of the reward (focused questions, a shotgun
turn, tests by name, a hedged diagnosis). Each episode prints as one JSON line: observations, rewards, the judgement
and the turn records without timings. Run it twice with different ``PYTHONHASHSEED`` values: the bytes must match.

Example:
    >>> lines = list(episodes(doctors=("systematic",), stride=200))
    >>> len(lines) >= 2 and all(line.startswith("{") for line in lines)
    True
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from typing import get_args

import gymnasium as gym

from consultgym.agents.factory import make_doctor
from consultgym.envs.driver import run_sync
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario
from consultgym.settings import DoctorConfig

FIXED_TURNS: tuple[str, ...] = (
    "When did it start? Where is it? What makes it worse?",
    "Any fever? Do you take any medications? Does anything run in your family?",
    "pain fever cough rash headache nausea vomiting dizziness chest breath urine blood",
    "EXAMINE: vital signs\nTEST: full blood count\nTEST: CBC CXR ECG CT MRI",
    "DIAGNOSIS: pneumonia or appendicitis",
)
DOCTOR_KINDS: tuple[str, ...] = get_args(DoctorConfig.model_fields["kind"].annotation)
OFFLINE_DOCTORS = tuple(kind for kind in DOCTOR_KINDS if kind != "llm")


def sample(stride: int) -> list[Scenario]:
    return load_library("all")[::stride]


def play(env: gym.Env, scenario: Scenario, act) -> dict:
    observation, _ = env.reset(seed=0, options={"scenario": scenario.id})
    record: dict = {"scenario": scenario.id, "observations": [observation], "rewards": []}
    for turn in range(scenario.turn_limit):
        observation, reward, terminated, truncated, info = env.step(act(observation, turn))
        record["observations"].append(observation)
        record["rewards"].append(reward)
        if terminated or truncated:
            break
    session = env.unwrapped.session
    record["judgement"] = session.judgement.as_json() if session.judgement else None
    record["turns"] = [t.model_dump(mode="json", exclude={"usage"}) for t in session.turns]
    return record


def episodes(doctors: Sequence[str] = OFFLINE_DOCTORS, stride: int = 31) -> Iterator[str]:
    """One JSON line per (scenario, player): the fixed turns first, then each doctor."""
    env = gym.make("consultgym/Consultation-v0", scenarios="all")
    for scenario in sample(stride):
        fixed = play(env, scenario, lambda _, turn: FIXED_TURNS[min(turn, len(FIXED_TURNS) - 1)])
        yield json.dumps({"player": "fixed", **fixed}, sort_keys=True)
        for kind in doctors:
            doctor = make_doctor(kind)
            opening = None

            def act(observation: str, turn: int, doctor=doctor) -> str:
                nonlocal opening
                if turn == 0:
                    doctor.reset(observation, seed=0)
                return run_sync(doctor.act(observation))

            yield json.dumps({"player": kind, **play(env, scenario, act)}, sort_keys=True)
    env.close()


def main() -> None:
    stride = int(sys.argv[1]) if len(sys.argv) > 1 else 31
    for line in episodes(stride=stride):
        print(line)


if __name__ == "__main__":
    main()
