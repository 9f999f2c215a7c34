"""Same seed, same bytes: generation and import give identical scenarios whatever the interpreter's hash seed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consultgym.authoring.build_library import DEFAULT_AGENTCLINIC

PROGRAM = """
import hashlib, sys
from consultgym.authoring.generator import generate_many
from consultgym.authoring.importers.agentclinic import import_agentclinic
from consultgym.scenarios.loader import dump_scenario
scenarios = generate_many(["Pneumonia", "Cluster headache", "Acute otitis media"], per_condition=2)
scenarios += import_agentclinic(sys.argv[1])
print(hashlib.sha256("".join(dump_scenario(s) for s in scenarios).encode()).hexdigest())
"""


@pytest.mark.skipif(not DEFAULT_AGENTCLINIC.exists(), reason="AgentClinic JSONL not shipped")
def test_generation_and_import_do_not_depend_on_the_hash_seed(tmp_path: Path):
    lines = DEFAULT_AGENTCLINIC.read_text(encoding="utf-8").splitlines()[:24]
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digests = set()
    for seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM, str(source)], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1 and len(next(iter(digests))) == len(hashlib.sha256().hexdigest())
