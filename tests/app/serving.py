"""Serving the app for real-browser tests and the launcher's signal tests: a free port, a health wait, and a browser.

The browser is Debian's chromium driven by playwright (``apt-get install -y chromium``, ``pip install playwright``;
never ``playwright install``). Screenshots go to `ARTIFACTS`, which CI keeps.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from builders import FIXTURES

from consultgym.app.launch import RUNS_ENV, streamlit_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots of the browser tests (gitignored; CI keeps them)
STARTUP_TIMEOUT_S = 90
VIEWPORT = {"width": 1400, "height": 900}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def wait_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            raise RuntimeError(f"the app exited with {server.returncode}: {output}")
        if healthy(url):
            return
        time.sleep(0.3)
    raise TimeoutError(f"the app did not answer at {url} within {STARTUP_TIMEOUT_S} s")


def prepare_workdir(workdir: Path) -> Path:
    """A working directory with the fixture scenario under ./scenarios."""
    (workdir / "scenarios").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "chest_pain.yaml", workdir / "scenarios" / "chest_pain.yaml")
    return workdir


@contextmanager
def served(runs: Sequence[Path], workdir: Path) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 with these runs; yields its URL and stops it (and its group) after."""
    port = free_port()
    env = {**os.environ, RUNS_ENV: os.pathsep.join(map(str, runs))}
    server = subprocess.Popen(
        streamlit_command(list(runs), port, []), cwd=workdir, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@contextmanager
def browser_page(driver, tmp_path: Path, viewport: dict | None = None):
    """Chromium with a fresh profile (its own --user-data-dir) and a page that records any JavaScript dialog."""
    context = driver.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport=viewport or VIEWPORT,
    )  # fmt: skip
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
