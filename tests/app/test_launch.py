"""The command line that `consultgym.app.launch` gives streamlit, and `consultgym app` stopping its server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import make_episode, write_run
from serving import free_port, healthy, prepare_workdir, wait_healthy

from consultgym.app.launch import APP_MAIN, launch, streamlit_command
from consultgym.errors import RecordError


def test_defaults_and_run_files() -> None:
    command = streamlit_command([Path("/r/a.jsonl")], 9000, [])
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(APP_MAIN)]
    assert "--server.address=127.0.0.1" in command and "--server.headless=true" in command
    assert "--server.port=9000" in command
    assert command[-2:] == ["--", "/r/a.jsonl"]


def test_server_options_pass_through_and_override_defaults() -> None:
    command = streamlit_command([], None, ["--server.address", "0.0.0.0", "--server.port=8600", "--theme.base=dark"])
    assert "--server.address=0.0.0.0" in command and "--server.address=127.0.0.1" not in command
    assert "--server.port=8600" in command and "--theme.base=dark" in command
    assert "--" not in command


def test_port_argument_wins_over_extra_args() -> None:
    command = streamlit_command([], 9100, ["--server.port=8600"])
    assert [a for a in command if a.startswith("--server.port")] == ["--server.port=9100"]


def test_missing_run_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no such run file"):
        launch([tmp_path / "missing.jsonl"])


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
        except FileNotFoundError:
            return True
        if state == "Z":  # exited, waiting for its parent to reap it
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads child processes from Linux's /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_consultgym_app_by_pid_stops_the_server(tmp_path: Path, how: signal.Signals) -> None:
    workdir = prepare_workdir(tmp_path)
    run = write_run(workdir / "run.jsonl", [make_episode()])
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "consultgym.cli", "app", str(run), "--port", str(port)], cwd=workdir,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    servers: list[int] = []
    try:
        wait_healthy(f"http://127.0.0.1:{port}", app)
        servers = children(app.pid)
        assert len(servers) == 1, "consultgym app runs the streamlit server as its one child"
        os.kill(app.pid, how)
        app.wait(timeout=30)
        assert gone(servers[0]), f"the streamlit server (pid {servers[0]}) outlived consultgym app"
        assert not healthy(f"http://127.0.0.1:{port}")
        if how == signal.SIGTERM:
            assert app.returncode == 0  # the server stopped cleanly and its code came back
    finally:
        for pid in [app.pid, *servers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        app.wait()
