"""Same seed, same actions, same bytes: across processes and PYTHONHASHSEED values, for the env and every doctor."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from consultgym.testing.replay import FIXED_TURNS, OFFLINE_DOCTORS

STRIDE = 31  # every 31st shipped scenario: a dozen cases from all three libraries


def replay(hash_seed: int) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    command = [sys.executable, "-m", "consultgym.testing.replay", str(STRIDE)]
    return subprocess.run(command, env=env, check=True, capture_output=True, timeout=900).stdout


def test_episodes_are_byte_identical_across_hash_seeds():
    runs = [replay(seed) for seed in (0, 1, 2)]
    assert runs[0] == runs[1] == runs[2]
    records = [json.loads(line) for line in runs[0].decode().splitlines()]
    players = {record["player"] for record in records}
    assert players == {"fixed", *OFFLINE_DOCTORS}
    assert {record["scenario"][:5] for record in records} >= {"agent", "ddxpl"}  # imported and generated cases
    fixed = [record for record in records if record["player"] == "fixed"]
    assert all(len(record["turns"]) == len(FIXED_TURNS) for record in fixed)
    assert all(record["judgement"] and len(record["rewards"]) == len(FIXED_TURNS) for record in fixed)
