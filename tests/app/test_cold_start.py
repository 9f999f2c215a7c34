"""Replay, the page a cold start opens, loads neither pandas, pyarrow, numpy nor Gymnasium (together about 0.7 s of
CPU before the first paint). Each check runs in a fresh interpreter, so nothing this session imported hides an eager
import; behaviour only, no timings (`benchmarks/app_load.py` measures them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from builders import make_episode, write_run

from consultgym.app.launch import RUNS_ENV

HEAVY = ("pandas", "pyarrow", "numpy", "gymnasium")
LOADED = f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"


def run_python(code: str, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_importing_the_app_and_replay_loads_none_of_them(workdir: Path) -> None:
    code = f"import sys, consultgym.app.main, consultgym.app.views.replay\n{LOADED}"
    assert run_python(code, workdir) == ["[]"]


def test_replay_draws_an_episode_without_them_and_the_run_page_loads_pandas(workdir: Path) -> None:
    run = write_run(workdir / "a.jsonl", [make_episode(0), make_episode(1, error="timeout")])  # usage included
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from consultgym.app.launch import APP_MAIN\n"
        "at = AppTest.from_file(str(APP_MAIN), default_timeout=60).run()\n"
        "assert not at.exception and len(at.main.chat_message) == 6, [e.value for e in at.exception]\n"
        f"{LOADED}\n"
        "at.switch_page('views/run.py').run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "print('pandas' in sys.modules)\n"
    )
    assert run_python(code, workdir, {RUNS_ENV: str(run)}) == ["[]", "True"]
