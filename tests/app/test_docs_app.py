"""Every code block of docs/app.md runs as written, in one working directory, in order (later blocks use the runs
the first one writes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "app.md"
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


def run_block(language: str, code: str, index: int) -> None:
    if language == "python":
        exec(compile(code, f"{PAGE.name}[{index}]", "exec"), {"__name__": "__docs__"})
    elif language == "bash":
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", "-e", "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    else:
        pytest.fail(f"block {index} is {language!r}: give it python or bash so it can run")


def test_every_block_of_docs_app_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert len(BLOCKS) >= 4
    for index, (language, code) in enumerate(BLOCKS):
        run_block(language, code, index)
    assert (tmp_path / "runs" / "knowledge.jsonl").exists()
