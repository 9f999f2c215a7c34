"""What every benchmark here shares: CPU clocks, the loopback server in its own process, and floors to divide by.

These machines are shared, so wall-clock rates move several-fold with the load; CPU time moves far less, and a ratio
to a floor measured in the same run cancels most of what is left (a slower core slows the floor as much). So each
benchmark reports CPU time per step, per call or per episode, and that figure divided by a floor:

- LLM path: the CPU of a raw aiohttp request (pre-encoded body, response bytes read, nothing parsed) against the same
  server at the same number of requests in flight (`raw_request_floor`);
- offline path: the CPU of a fixed pure-Python workload of string, dict and set operations (`calibration`), about
  what a retrieval step does, so a step's cost reads as "N calibration units".

CPU time is `time.process_time()`: every thread of this process (the openai SDK, LangGraph and the gym envs all run
work on threads that `thread_time` would miss). The loopback server (`ScriptedServer`: a bare asyncio protocol
answering scripted completions, far cheaper per request than `consultgym.testing.FakeOpenAIServer`, which tests use)
runs in a child process of its own, so its CPU never counts as the client's; `ServerProcess.stats()` reports it
separately. On a 2-core machine its CPU is taken from the clients it serves, so it is kept as small as a Python server
can be (about 0.03 ms per call at zero latency, a tenth of the client's).

Example:
    >>> with ServerProcess(latency=0.0) as server:  # doctest: +SKIP
    ...     floor = raw_request_floor(server.base_url, in_flight=32, calls=2000)
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from consultgym.testing import Reply

FLOOR_MODEL = "floor"
FLOOR_REPLY = "I'm not sure."


def cpu() -> float:
    """CPU seconds of this process so far: user + system, every thread."""
    return time.process_time()


def machine_line() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"machine: {os.cpu_count()} CPUs, load average {load} (ratios to floors of the same run hold under load)"


# ---------------------------------------------------------------------------------------------- the loopback server
_MODEL = re.compile(rb'^\{"model":\s*"([^"\\]*)"')
_HEAD = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n"


class ScriptedServer:
    """The least an OpenAI-compatible server can do per request, behind a bare asyncio `Protocol` (`_Connection`):
    each ``POST /v1/chat/completions`` is answered from its model's script, the reply JSON-encoded by orjson.

    What it answers is `consultgym.testing.FakeOpenAIServer`'s (the same scripts: a string, a dict sent as JSON
    text, a `Reply`, or a function of the request body returning one; the same completion fields), but without its
    per-request task, stream reader, recorded request or token count over every message. The benchmarks measure the
    client; on a machine with 2 cores a server costing as much CPU per call as the client would take a core from
    the client processes it serves (``--workers 2``), so it must cost as little as a server can.
    """

    def __init__(self, latency: float, scripts: dict[str, Any], default: Any) -> None:
        self.latency = latency
        self.scripts = {FLOOR_MODEL: FLOOR_REPLY, **scripts}
        self.default = default
        self.requests = 0  # chat-completion requests answered (every attempt counts)

    def answer(self, head: bytes, raw: bytes) -> bytes:
        if b" /v1/chat/completions " not in head[: head.find(b"\r\n")]:
            return self._error(404, "No such route.")
        try:
            named = _MODEL.search(raw, 0, 512)  # the model, without parsing the body, when it comes first
            body = None if named else orjson.loads(raw)
            model = named[1].decode() if named else body["model"]
            script = self.scripts.get(model, self.default)
            while callable(script) and not isinstance(script, Reply):
                body = body if body is not None else orjson.loads(raw)  # only a script that reads it parses it
                script = script(body)
        except Exception as exc:  # noqa: BLE001 - a broken request or script answers 500, as the fake server does
            return self._error(500, f"{type(exc).__name__}: {exc}")
        self.requests += 1
        if not isinstance(script, Reply):
            script = Reply(
                "OK." if script is None else script if isinstance(script, str) else orjson.dumps(script).decode()
            )
        prompt = script.prompt_tokens if script.prompt_tokens is not None else len(raw) // 4
        completion = script.completion_tokens if script.completion_tokens is not None else len(script.content) // 4 + 1
        payload = orjson.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "system_fingerprint": "bench",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": script.content, "refusal": None},
                        "logprobs": None,
                        "finish_reason": script.finish_reason,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
        )
        return _HEAD % (200, b"OK", len(payload)) + payload

    @staticmethod
    def _error(status: int, message: str) -> bytes:
        payload = json.dumps({"error": {"message": message, "type": "server_error", "param": None, "code": None}})
        return _HEAD % (status, b"Error", len(payload)) + payload.encode()


class _Connection(asyncio.Protocol):
    """One keep-alive connection: complete requests are cut from the buffer and answered in order."""

    def __init__(self, server: ScriptedServer) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(buffer[:end]).lower()
            length = _content_length(head)
            if len(buffer) < end + 4 + length:
                return  # the rest of the body is still on its way
            raw = bytes(buffer[end + 4 : end + 4 + length])
            del buffer[: end + 4 + length]
            response = self.server.answer(head, raw)
            if self.server.latency:
                asyncio.get_running_loop().call_later(self.server.latency, self._write, response)
            else:
                self.transport.write(response)

    def _write(self, response: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(response)


def _content_length(head: bytes) -> int:
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = head.find(b"\r\n", at + 17)
    return int(head[at + 17 : end if end > 0 else None])


def _serve(conn: Any, latency: float, scripts: dict[str, Any], default: Any) -> None:
    async def main() -> None:
        server = ScriptedServer(latency, scripts, default)
        loop = asyncio.get_running_loop()
        listening = await loop.create_server(lambda: _Connection(server), "127.0.0.1", 0, backlog=4096)
        conn.send(f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}/v1")
        stop = loop.create_future()

        def message() -> None:  # the parent's requests, read on the loop: no thread beside it
            try:
                if conn.recv() == "stats":
                    conn.send((time.process_time(), server.requests))
                    return
            except (EOFError, OSError):  # the parent is gone
                pass
            loop.remove_reader(conn.fileno())
            if not stop.done():
                stop.set_result(None)

        loop.add_reader(conn.fileno(), message)
        await stop
        listening.close()

    asyncio.run(main())


class ServerProcess:
    """`ScriptedServer` in a spawned child process; `stats()` is its CPU time so far and the chat requests served.

    Args:
        latency: seconds every request waits before its response.
        scripts: scripts by model name (picklable: strings, or module-level functions); model "floor" always answers
            `FLOOR_REPLY` for `raw_request_floor`.
        default: the script of every other model.
    """

    def __init__(self, latency: float = 0.0, scripts: dict[str, Any] | None = None, default: Any = None) -> None:
        self.parent, child = mp.Pipe()
        args = (child, latency, dict(scripts or {}), default)
        self.process = mp.get_context("spawn").Process(target=_serve, args=args, daemon=True)
        self.base_url = ""

    def __enter__(self) -> ServerProcess:
        self.process.start()
        self.base_url = self.parent.recv()
        return self

    def stats(self) -> tuple[float, int]:
        """CPU seconds the server has used and chat-completion requests it has answered (every attempt counts)."""
        self.parent.send("stats")
        return self.parent.recv()

    def __exit__(self, *exc: object) -> None:
        self.parent.send("stop")
        self.process.join(10)


# ------------------------------------------------------------------------------------------------- the LLM floor
@dataclass(frozen=True)
class Measured:
    """CPU and wall seconds of `count` operations."""

    count: int
    cpu_s: float
    wall_s: float

    @property
    def cpu_per(self) -> float:
        return self.cpu_s / self.count

    @property
    def per_wall_second(self) -> float:
        return self.count / self.wall_s


def floor_body(content_chars: int = 2400) -> bytes:
    """A chat-completions request of a typical size: a system prompt, an opening and one question (pre-encoded)."""
    system = ("You are the patient. Answer only from your facts. " * (content_chars // 50 + 1))[:content_chars]
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": "When did the pain start? Does it spread anywhere?"},
    ]
    return json.dumps({"model": FLOOR_MODEL, "messages": messages, "temperature": 0.0}).encode()


async def gather_bounded(count: int, in_flight: int, one: Callable[[], Any]) -> None:
    """Run `count` calls of the coroutine function `one`, `in_flight` at a time (workers pulling from a counter)."""
    left = [count]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await one()

    await asyncio.gather(*(worker() for _ in range(min(in_flight, count))))


async def _raw_requests(base_url: str, in_flight: int, calls: int, body: bytes) -> Measured:
    import aiohttp

    url = f"{base_url}/chat/completions"
    headers = {"Content-Type": "application/json", "Authorization": "Bearer not-needed"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()

        await gather_bounded(in_flight * 2, in_flight, one)  # warm: open the connections
        wall, started = time.perf_counter(), cpu()
        await gather_bounded(calls, in_flight, one)
        return Measured(calls, cpu() - started, time.perf_counter() - wall)


def raw_request_floor(base_url: str, in_flight: int, calls: int, body: bytes | None = None) -> Measured:
    """CPU per raw aiohttp request to the server at `in_flight` concurrent requests: the LLM path's floor.

    The body is pre-encoded and the response is read but not parsed: the least a Python client can do per call.
    """
    return asyncio.run(_raw_requests(base_url, in_flight, calls, body or floor_body()))


# --------------------------------------------------------------------------------------------- the offline floor
CALIBRATION_TEXT = (
    "When did the chest pain start and does it spread to your arm or jaw? Any shortness of breath, sweating or "
    "nausea? Do you smoke, and does anyone in your family have heart disease?"
)


def _calibration_unit(vocabulary: dict[str, int]) -> int:
    words = CALIBRATION_TEXT.lower().replace("?", " ").replace(",", " ").split()
    seen = {w for w in words if len(w) > 2}
    return sum(vocabulary.get(w, 0) for w in sorted(seen)) + len(" ".join(words))


def calibration(units: int = 20_000) -> float:
    """CPU seconds per unit of a fixed pure-Python workload (tokenise a question, set and dict lookups, a sort).

    A unit costs about as much as a few microseconds of the offline step's own kind of work, on any machine, so
    "a step costs N units" compares across machines and loads where steps/s does not.
    """
    vocabulary = {w: i for i, w in enumerate(CALIBRATION_TEXT.lower().split())}
    best = float("inf")
    for _ in range(3):  # the least of three: a burst of load elsewhere only ever makes a round slower
        started = cpu()
        for _ in range(units):
            _calibration_unit(vocabulary)
        best = min(best, (cpu() - started) / units)
    return best
