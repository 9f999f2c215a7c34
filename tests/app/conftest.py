"""Fixtures of the app tests: a working directory with the fixture scenario, and AppTest of the whole app."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from builders import FIXTURES
from streamlit.testing.v1 import AppTest

from consultgym.app.launch import APP_MAIN, RUNS_ENV


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's working directory: ./scenarios holds the fixture scenario, no run is given on the command line."""
    (tmp_path / "scenarios").mkdir()
    shutil.copy(FIXTURES / "chest_pain.yaml", tmp_path / "scenarios" / "chest_pain.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(RUNS_ENV, raising=False)
    return tmp_path


@pytest.fixture
def app(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """``app(run_files, page=None)``: an AppTest of the whole app with those runs given, on `page` if named."""

    def start(run_files: Sequence[Path] = (), page: str | None = None) -> AppTest:
        monkeypatch.setenv(RUNS_ENV, os.pathsep.join(str(p) for p in run_files))
        at = AppTest.from_file(str(APP_MAIN), default_timeout=60)
        at.run()
        if page:
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start
