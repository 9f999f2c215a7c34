"""Secrets: the API key reaches the server's Authorization header and nothing else.

Run with a recognisable fake key in ``OPENAI_API_KEY``: it must never appear in run records, the manifest, the response
cache, logs (every logger at DEBUG, the openai SDK's own debug log included), the CLI's stdout or stderr, the report,
or an error message, also when the server answers 401, echoes the key back in an error body, or refuses the
connection.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import gymnasium as gym
import pytest

import consultgym  # noqa: F401 - registers the env ids
from consultgym.agents.llm import ChatBackend, aclose_clients
from consultgym.cli import main
from consultgym.config import LLMSettings
from consultgym.errors import BackendError, ConfigError
from consultgym.runner import run
from consultgym.settings import RunConfig
from consultgym.testing import FakeOpenAIServer, unused_base_url
from consultgym.testing.scripted_models import reply_under_check

KEY = "sk-consultgym-FAKE-0123456789"
FRAGMENTS = (KEY, "FAKE-0123456789", "consultgym-FAKE")  # a partial echo counts too
FOOLED_GUARDIAN = {"sentences": [{"sentence": "Fine.", "label": "supported", "reason": "ok", "facts": []}]}


def assert_no_key(content: str | bytes, where: str) -> None:
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    found = [fragment for fragment in FRAGMENTS if fragment in text]
    assert not found, f"the API key leaked into {where}"


def assert_no_key_in_files(root: Path) -> list[Path]:
    files = [path for path in root.rglob("*") if path.is_file()]
    for path in files:
        assert_no_key(path.read_bytes(), str(path))
    return files


@pytest.fixture(autouse=True)
def fake_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    replies = {
        "patient": "I'm not sure, nothing comes to mind.",
        "guardian": FOOLED_GUARDIAN,
        "doctor": ["When did it start?", "Any allergies?", "DIAGNOSIS: unsure"],
    }
    with FakeOpenAIServer(by_model=replies, api_key=KEY) as fake:
        yield fake


def _llm_options(base_url: str, cache_dir: Path) -> dict[str, object]:
    options: dict[str, object] = {}
    for role in ("patient", "guardian", "doctor"):
        options |= {
            f"{role}_model": role,
            f"{role}_base_url": base_url,
            f"{role}_max_retries": 0,
            f"{role}_timeout": 5.0,
            f"{role}_cache": "readwrite",
            f"{role}_cache_dir": str(cache_dir),
        }
    return options


# ----------------------------------------------------------------------------------------------- in-process runs
def test_the_key_reaches_the_server_and_no_record_log_or_file(tmp_path, server, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, the SDK's and httpx's included
    out = tmp_path / "runs" / "run.jsonl"
    spec = RunConfig(
        out=out,
        scenarios=["starter"],
        episodes=4,
        concurrency=2,
        doctor="llm",
        patient="llm",
        guardian="tiered",
        **_llm_options(server.base_url, tmp_path / "cache"),
        progress=False,
    )
    summary = run(spec)
    assert (summary.completed, summary.errored) == (4, 0)
    assert server.request_count > 0
    assert {r.headers.get("authorization") for r in server.chat_requests} == {f"Bearer {KEY}"}

    assert main(["report", str(out)]) == 0
    assert main(["report", "--json", str(out)]) == 0
    printed = capsys.readouterr()
    assert_no_key(printed.out + printed.err, "the report")
    assert_no_key(caplog.text, "the logs")
    files = assert_no_key_in_files(tmp_path)
    assert {p.name for p in files} >= {"run.jsonl", "run.jsonl.manifest.json"}
    assert any(p.suffix == ".json" and "cache" in p.parts for p in files)  # the response cache was written too


class _EchoingHandler(BaseHTTPRequestHandler):
    """A hostile server: every error body quotes the Authorization header it received."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length", 0)))
        status = int(self.path.strip("/").split("/")[0])
        body = json.dumps({"error": {"message": f"bad request from {self.headers.get('authorization')}"}})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echoing_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


async def _complete(base_url: str) -> str:
    settings = LLMSettings(model="m", base_url=base_url, max_retries=1, backoff=0, timeout=5)
    backend = ChatBackend(settings, role="patient")
    try:
        return await backend.complete([{"role": "user", "content": "hello"}])
    finally:
        await aclose_clients()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500, 503])
def test_an_error_body_that_echoes_the_key_is_redacted(echoing_url, status, caplog):
    import asyncio

    caplog.set_level(logging.DEBUG)
    with pytest.raises(BackendError) as caught:
        asyncio.run(_complete(f"{echoing_url}/{status}/v1"))
    assert_no_key(str(caught.value), "the error message")
    assert_no_key(caplog.text, "the logs")


@pytest.mark.parametrize("where", ["wrong_key", "refused"])
def test_env_errors_hold_no_key(where, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeOpenAIServer(["Hi."], api_key="sk-the-right-one") as fake:
        base_url = fake.base_url if where == "wrong_key" else unused_base_url()
        env = gym.make("consultgym/Consultation-v0", patient="llm", patient_model="m", patient_base_url=base_url,
                       patient_max_retries=0)  # fmt: skip
        env.reset(seed=0)
        with pytest.raises(BackendError) as caught:
            env.step("When did it start?")
        env.close()
    message = str(caught.value)
    assert ("authentication failed" if where == "wrong_key" else "connection refused") in message
    assert_no_key(message, "the error message")
    assert_no_key(caplog.text, "the logs")


def test_a_key_given_as_an_option_is_refused_without_being_echoed(tmp_path):
    for options in ({"patient_model": "m", "patient_api_key": KEY}, {"patient_model": "m", "patient_api_key_env": KEY}):
        with pytest.raises(ConfigError) as caught:
            run(RunConfig(out=tmp_path / "run.jsonl", patient="llm", **options, progress=False))
        assert_no_key(str(caught.value), "the error message")
    assert list(tmp_path.iterdir()) == []  # refused before any file was written


# ---------------------------------------------------------------------------------- a key reflected into replies
REFLECTED = f"Debug header Bearer {KEY}"


def _reflecting_models() -> dict[str, object]:
    """Every role's model quotes the key back, as a misconfigured proxy or a debugging server might."""

    def guardian(body: dict) -> str:
        sentence = reply_under_check(body).split('"\n', 1)[0]
        label = {"sentence": sentence, "label": "unsupported", "reason": f"{REFLECTED} says no", "facts": []}
        return json.dumps({"sentences": [label]})

    return {
        "patient": f"{REFLECTED}. It started about 2 hours ago.",
        "guardian": guardian,
        "judge": {"items": [], "diagnosis": {"correct": False, "reason": f"{REFLECTED} (judge)"}},
        "doctor": [f"When did it start? {REFLECTED}", f"Any allergies? key={KEY[5:]}", "DIAGNOSIS: unsure"],
    }


def _rendered_text(at) -> str:
    """Every element the app rendered, as protobuf text (markdown, captions, tables, expanders, widgets)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_a_key_reflected_into_completions_never_reaches_records_logs_or_the_app(tmp_path, caplog, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from consultgym.app.launch import APP_MAIN, RUNS_ENV

    caplog.set_level(logging.DEBUG)
    out = tmp_path / "run.jsonl"
    with FakeOpenAIServer(by_model=_reflecting_models(), api_key=KEY) as server:
        options = _llm_options(server.base_url, tmp_path / "cache")
        options |= {"judge_model": "judge", "judge_base_url": server.base_url, "judge_max_retries": 0}
        spec = RunConfig(
            out=out, scenarios=["starter"], episodes=2, doctor="llm", patient="llm", guardian="llm", judge="llm",
            progress=False, **options,
        )  # fmt: skip
        summary = run(spec)
        served = {r.model for r in server.chat_requests}
    assert summary.errored == 0 and served == {"doctor", "patient", "guardian", "judge"}
    records = out.read_text(encoding="utf-8")
    # The reflection reached the client and was scrubbed everywhere it landed: drafts, issues, doctor turns.
    assert "Debug header Bearer ***" in records and "says no" in records and "key=***" in records
    assert_no_key_in_files(tmp_path)
    assert_no_key(caplog.text, "the logs")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(RUNS_ENV, str(out))
    at = AppTest.from_file(str(APP_MAIN), default_timeout=60)
    at.run()
    at.switch_page("views/replay.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _rendered_text(at)
    assert "It started about 2 hours ago" in shown and "says no" in shown  # the draft and the guardian issue
    assert_no_key(shown, "the app")


def test_every_reply_is_scrubbed_before_it_is_validated_cached_or_returned(tmp_path):
    import asyncio

    from consultgym.agents.guardian.llm import GuardianReport

    reply = {"sentences": [{"sentence": REFLECTED, "label": "leak", "reason": f"proxy {KEY[3:]}", "facts": []}]}
    with FakeOpenAIServer([f"{REFLECTED} and more", reply], api_key=KEY) as server:
        settings = LLMSettings(model="m", base_url=server.base_url, cache="readwrite", cache_dir=str(tmp_path))
        backend = ChatBackend(settings, role="guardian")

        async def ask():
            try:
                text = await backend.complete([{"role": "user", "content": "hello"}])
                report = await backend.parse([{"role": "user", "content": "label"}], GuardianReport)
                return text, report
            finally:
                await aclose_clients()

        text, report = asyncio.run(ask())
    assert text == "Debug header Bearer *** and more"
    assert report.sentences[0].sentence == "Debug header Bearer ***" and report.sentences[0].reason == "proxy ***"
    assert len(assert_no_key_in_files(tmp_path)) == 2  # both replies were cached, scrubbed


# ---------------------------------------------------------------------------------------------------- the CLI
def _cli(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENAI_API_KEY": KEY, "OPENAI_LOG": "debug", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "consultgym.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _run_args(out: Path, base_url: str) -> list[str]:
    return [
        "run", "--scenarios", "starter", "--episodes", "3", "--out", str(out), "--patient", "llm",
        "--patient-model", "patient", "--patient-base-url", base_url, "--patient-max-retries", "0",
        "--guardian", "llm", "--guardian-model", "guardian", "--guardian-base-url", base_url,
        "--guardian-max-retries", "0",
    ]  # fmt: skip


@pytest.mark.parametrize("case", ["ok", "wrong_key", "refused", "key_as_variable_name"])
def test_cli_output_and_files_hold_no_key(tmp_path, server, case):
    out = tmp_path / "run.jsonl"
    with FakeOpenAIServer(["Hi."], api_key="sk-the-right-one") as other:
        base_url = {"ok": server.base_url, "wrong_key": other.base_url}.get(case) or unused_base_url()
        args = _run_args(out, base_url)
        if case == "key_as_variable_name":
            args += ["--patient-api-key-env", KEY]
        result = _cli(*args)
    assert_no_key(result.stdout + result.stderr, "the CLI's output")
    if case in ("key_as_variable_name", "refused"):  # refused before anything is written
        expected = {"key_as_variable_name": "not the key", "refused": "cannot reach"}[case]
        assert result.returncode == 1 and expected in result.stderr, result.stderr[-2000:]
        assert not out.exists()
        return
    assert result.returncode == (0 if case == "ok" else 1), result.stderr[-2000:]  # errored episodes: exit 1
    report = _cli("report", str(out))
    assert_no_key(report.stdout + report.stderr, "the report")
    assert_no_key_in_files(tmp_path)
    errors = [json.loads(line)["error"] for line in out.read_text().splitlines()]
    expected = {"ok": "", "wrong_key": "authentication failed"}[case]
    assert len(errors) == 3 and all(expected in error and bool(error) == bool(expected) for error in errors), errors
