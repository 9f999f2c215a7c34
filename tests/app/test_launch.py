"""The command line that `consultgym.app.launch` gives streamlit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
