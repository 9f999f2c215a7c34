"""Every code block of docs/rl.md and every script in examples/ runs as written."""

from __future__ import annotations

import importlib.util
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "rl.md"
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
NEEDS = {"from trl": ("torch", "trl", "transformers", "tokenizers", "datasets"), "--ray": ("ray",)}


def missing_for(code: str) -> list[str]:
    return [m for marker, mods in NEEDS.items() if marker in code for m in mods if not importlib.util.find_spec(m)]


def block_id(index: int) -> str:
    language, code = BLOCKS[index]
    return f"{index}-{language}-{code.splitlines()[0][:30]}"


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=block_id)
def test_docs_rl_block_runs(index, tmp_path, monkeypatch):
    language, code = BLOCKS[index]
    missing = missing_for(code)
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: pip install torch==2.13.0 'consultgym[trl,ray]'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    if language == "python":
        exec(compile(code, f"{PAGE.name}[{index}]", "exec"), {"__name__": "__docs__"})
    elif language == "bash":
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", "-e", "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    elif language == "yaml":  # the interaction config shown is the one interaction_config writes
        from consultgym.integrations.verl import interaction_config

        assert yaml.safe_load(code) == interaction_config(scenarios="starter")
    else:
        pytest.fail(f"block {index} is {language!r}: give it python, bash or yaml so it can run")


EXAMPLES = {
    "trl_tools_demo.py": (["--group", "3", "--scenario", "back-pain-42m"], "GRPO group of 3", ()),
    "verl_interaction_demo.py": (["--group", "2"], "rewards of a group of 2", ()),
    "evaluate_openai_compatible.py": (["--demo-server", "--episodes", "2"], "2 completed, 0 errored", ()),
    "train_grpo_trl.py": (
        ["--device", "cpu", "--tiny-local-model", "--max-steps", "1", "--seeds", "1", "--torch-threads", "1"],
        "reward",
        ("torch", "trl", "transformers", "tokenizers", "datasets"),
    ),
}


def test_every_example_is_collected():
    assert sorted(path.name for path in (ROOT / "examples").glob("*.py")) == sorted(EXAMPLES)


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    argv, expected, needs = EXAMPLES[script]
    missing = [m for m in needs if not importlib.util.find_spec(m)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: pip install torch==2.13.0 'consultgym[trl]'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    out_flag = ["--output-dir", str(tmp_path / "out")] if script == "train_grpo_trl.py" else []
    out_flag += ["--out", str(tmp_path / "eval.jsonl")] if script == "evaluate_openai_compatible.py" else []
    monkeypatch.setattr(sys, "argv", [script, *argv, *out_flag])
    runpy.run_path(str(ROOT / "examples" / script), run_name="__main__")
    assert expected in capsys.readouterr().out
