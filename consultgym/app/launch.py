"""Start the Streamlit app: ``streamlit run consultgym/app/main.py`` on 127.0.0.1, headless, with the run files.

The run files reach the app twice, on purpose: after ``--`` (what ``streamlit run main.py -- a.jsonl`` gives a
script) and in $CONSULTGYM_APP_RUNS, which the app also reads when it is not started through this module.

The server is a child process. Killing ``consultgym app`` by its PID must stop the server too (each one holds about
300 MB), so SIGTERM, SIGINT and SIGHUP are forwarded to it and ``consultgym app`` waits for it to exit; on Linux the
child also asks the kernel for SIGTERM should its parent die without a chance to forward (SIGKILL).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

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
    # Its own process group: a Ctrl-C in the terminal reaches only us, and we pass it on once.
    server = subprocess.Popen(
        streamlit_command(paths, port, extra_args), env=env, process_group=0, preexec_fn=_die_with_parent
    )
    return supervise(server)


FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def supervise(child: subprocess.Popen) -> int:
    """Wait for `child`, forwarding SIGTERM, SIGINT and SIGHUP to it; its exit code (128 + signal if killed)."""

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # a SIGINT that arrived before our handler was installed
                forward(signal.SIGINT, None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
