"""What importing the package does not load: each check runs in a fresh interpreter, so nothing this test session
imported can hide an eager import. Behaviour only, no timings (numpy and Gymnasium cost about 0.25 s of CPU)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def loaded(*modules: str) -> str:
    """Code printing which of `modules` are loaded."""
    return f"print(sorted(m for m in {modules!r} if m in sys.modules))"


def test_import_consultgym_loads_neither_gymnasium_nor_numpy() -> None:
    assert run_python(f"import sys, consultgym\n{loaded('gymnasium', 'numpy')}") == "[]"


@pytest.mark.parametrize(
    "imports",
    ["import consultgym\nimport gymnasium as gym", "import gymnasium as gym\nimport consultgym"],
    ids=["consultgym-first", "gymnasium-first"],
)
def test_the_ids_are_registered_whichever_is_imported_first(imports: str) -> None:
    code = (
        f"{imports}\n"
        "from gymnasium.envs.registration import registry\n"
        "print(sorted(i for i in registry if i.startswith('consultgym/')))\n"
        "print(gym.make('consultgym/HistoryTaking-v0').spec.kwargs)\n"
    )
    assert run_python(code).splitlines() == [
        "['consultgym/Consultation-v0', 'consultgym/HistoryTaking-v0']",
        "{'diagnosis': False}",
    ]


def test_registry_module_keeps_its_source_for_tracebacks() -> None:
    code = "import consultgym, inspect\n"
    code += "import gymnasium.envs.registration as r\nprint('def make(' in inspect.getsource(r))"
    assert run_python(code) == "True"
