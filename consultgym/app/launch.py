"""Start the Streamlit app: ``streamlit run consultgym/app/main.py`` on 127.0.0.1, headless, with the run files.

The run files reach the app twice, on purpose: after ``--`` (what ``streamlit run main.py -- a.jsonl`` gives a
script) and in $CONSULTGYM_APP_RUNS, which the app also reads when it is not started through this module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from consultgym.errors import RecordError

APP_MAIN = Path(__file__).with_name("main.py")
RUNS_ENV = "CONSULTGYM_APP_RUNS"  # run files given on the command line, joined with os.pathsep
DEFAULT_OPTIONS = {
    "--server.headless": "true",
    "--server.address": "127.0.0.1",  # never listen beyond this machine unless asked (--server.address=...)
    "--browser.gatherUsageStats": "false",
}


def streamlit_command(run_files: Sequence[str | Path], port: int | None, extra_args: Sequence[str]) -> list[str]:
    """The ``streamlit run`` command line: our defaults, unless `extra_args` sets the same option, then `port`."""
    extra = _joined_options(extra_args)
    if port is not None:
        extra = [a for a in extra if not a.startswith("--server.port=")] + [f"--server.port={port}"]
    given = {arg.split("=", 1)[0] for arg in extra}
    defaults = [f"{name}={value}" for name, value in DEFAULT_OPTIONS.items() if name not in given]
    command = [sys.executable, "-m", "streamlit", "run", str(APP_MAIN), *defaults, *extra]
    if run_files:
        command += ["--", *map(str, run_files)]
    return command


def _joined_options(args: Sequence[str]) -> list[str]:
    """``["--server.port", "9000"]`` -> ``["--server.port=9000"]``, so each option is one item."""
    joined: list[str] = []
    for arg in args:
        if joined and "=" not in joined[-1] and joined[-1].startswith("--") and not arg.startswith("--"):
            joined[-1] = f"{joined[-1]}={arg}"
        else:
            joined.append(arg)
    return joined


def launch(run_files: Sequence[str | Path] = (), port: int | None = None, extra_args: Sequence[str] = ()) -> int:
    """Run the app in the foreground until it stops; returns streamlit's exit code.

    Args:
        run_files: run files (JSONL of episodes) to offer in Replay and Compare.
        port: the port to listen on (else ``--server.port`` from `extra_args`, else streamlit's 8501).
        extra_args: passed to ``streamlit run`` as they are, e.g. ``["--server.address=0.0.0.0"]``.

    Raises:
        RecordError: a run file does not exist.
    """
    paths = [Path(p).expanduser().resolve() for p in run_files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise RecordError(f"no such run file: {', '.join(missing)}")
    env = {**os.environ, RUNS_ENV: os.pathsep.join(map(str, paths))}
    try:
        return subprocess.call(streamlit_command(paths, port, extra_args), env=env)
    except KeyboardInterrupt:  # Ctrl-C reaches streamlit too, which shuts down on its own
        return 130
