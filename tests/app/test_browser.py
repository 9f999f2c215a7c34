"""One real-browser test: the app served by streamlit, driven by Debian's chromium through playwright.

CI needs ``apt-get install -y chromium`` and ``pip install playwright`` (never ``playwright install``: the browser
comes from Debian). Without either, the test skips and says which is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import FIXTURES, XSS, make_episode, write_run

from consultgym.app.launch import RUNS_ENV, streamlit_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
STARTUP_TIMEOUT_S = 60

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install playwright (the browser is Debian's)"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {STARTUP_TIMEOUT_S} s")


@pytest.fixture
def served_run(tmp_path: Path) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 with one run given on the command line; yields its URL."""
    (tmp_path / "scenarios").mkdir()
    shutil.copy(FIXTURES / "chest_pain.yaml", tmp_path / "scenarios" / "chest_pain.yaml")
    run = write_run(tmp_path / "run.jsonl", [make_episode(doctor_text=XSS)])
    port = free_port()
    env = {**os.environ, RUNS_ENV: str(run)}
    # Its own process group, so that the server and anything it spawned stop together.
    server = subprocess.Popen(
        streamlit_command([run], port, []), cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_replay_in_a_real_browser(served_run: str, tmp_path: Path) -> None:
    dialogs: list[str] = []
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(served_run)
            bubbles = page.locator('[data-testid="stChatMessage"]')
            jump = page.get_by_role("button", name="turn 2")
            jump.wait_for(timeout=30_000)  # the checklist is drawn after the dialogue: the page is complete
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
            page.get_by_text("Must-ask checklist").wait_for()
            page.screenshot(path=str(tmp_path / "replay.png"), full_page=True)

            assert bubbles.count() == 6  # opening, 3 doctor turns, 2 replies
            doctor = bubbles.nth(1).inner_text()
            assert "<script>alert(1)</script> and **x**" in doctor  # shown as the literal characters
            assert bubbles.nth(1).locator("script, strong").count() == 0  # not as markup
            jump.click()
            link = page.get_by_role("link", name="show in the dialogue")
            link.wait_for()
            assert link.get_attribute("href").endswith("#turn-2")
            assert page.locator("#turn-2").count() == 1  # the anchor the link jumps to
        finally:
            browser.close()
    assert dialogs == []
    assert (tmp_path / "replay.png").stat().st_size > 10_000
