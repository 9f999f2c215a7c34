"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, with scripted replies.

openai 3.x sends through httpx2, which respx cannot intercept, so LLM code paths are tested (and benchmarked) against
this loopback server instead. It runs an asyncio server on a daemon thread: one task per connection, so hundreds of
concurrent clients with a fixed latency cost a few sleeping tasks, not hundreds of threads.

Endpoints: ``POST /v1/chat/completions`` (also ``stream: true`` as server-sent events) and ``GET /v1/models``.

Scripts. A script is what the server answers, per request:

- a string: the reply text;
- a dict: serialised to JSON as the reply text (handy for structured-output requests);
- a `Reply`: text plus token counts or a finish reason;
- a `FaultSpec`: an HTTP error, a timeout (a sleep longer than the client waits), a malformed JSON body, or a dropped
  connection (the socket closes without a response);
- a list of the above, consumed in order; once exhausted its last item repeats;
- a callable ``fn(request_json) -> one of the above``.

Example:
    >>> from consultgym.testing import FakeOpenAIServer, FaultSpec
    >>> with FakeOpenAIServer([FaultSpec.http(500), "Hi."], latency=0.01) as server:
    ...     url = server.base_url  # give this to the client as base_url
    ...     count = server.request_count
    >>> count
    0
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Script = Any  # str | dict | Reply | FaultSpec | list[...] | Callable[[dict], ...]

FaultKind = Literal["http", "timeout", "malformed", "drop"]
DEFAULT_MODELS = ("fake-model",)
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    408: "Request Timeout",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Reply:
    """A scripted completion: the reply text and, optionally, its token counts and finish reason."""

    content: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class FaultSpec:
    """A failure to inject instead of a reply.

    Attributes:
        kind: ``http`` (an error status with an OpenAI-style error body), ``timeout`` (sleep `delay` seconds, longer
            than the client's timeout, then answer normally), ``malformed`` (status 200 with a body that is not
            JSON) or ``drop`` (close the connection without any response).
        status: the HTTP status of an ``http`` fault (503 unless given; random ``http`` faults are 503s).
        message: the error message of an ``http`` fault; None says "Injected fault: HTTP <status>.", "" sends an
            empty body (a server that gives no reason).
        delay: seconds a ``timeout`` fault sleeps (default: the server's `timeout_delay`).
    """

    kind: FaultKind
    status: int = 503  # an overloaded server: transient, so clients retry it
    message: str | None = None
    delay: float | None = None

    @classmethod
    def http(cls, status: int = 503, message: str | None = None) -> FaultSpec:
        return cls("http", status=status, message=message)

    @classmethod
    def timeout(cls, delay: float | None = None) -> FaultSpec:
        return cls("timeout", delay=delay)

    @classmethod
    def malformed(cls) -> FaultSpec:
        return cls("malformed")

    @classmethod
    def drop(cls) -> FaultSpec:
        return cls("drop")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (before any fault was applied)."""

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    received_at: float = field(compare=False)

    @property
    def model(self) -> str | None:
        return (self.body or {}).get("model")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    @property
    def text(self) -> str:
        """Every message's content joined: what a test searches for leaked words."""
        return "\n".join(_content_text(m.get("content")) for m in self.messages)

    @property
    def is_chat(self) -> bool:
        return self.method == "POST" and self.path.rstrip("/").endswith("/chat/completions")

    @property
    def structured(self) -> bool:
        """The request asked for a JSON-schema response."""
        return ((self.body or {}).get("response_format") or {}).get("type") == "json_schema"


@dataclass
class _Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    drop: bool = False
    delay: float = 0.0


class FakeOpenAIServer:
    """An OpenAI-compatible chat server on 127.0.0.1 with scripted replies, latency and fault injection.

    Args:
        replies: the default script (see the module docstring); None answers "OK." to everything.
        by_model: scripts for particular model names; other models use `replies`.
        latency: seconds every request waits before its response (faults included).
        faults: random fault rates by kind, e.g. ``{"http": 0.1, "timeout": 0.05, "malformed": 0.0, "drop": 0.0}``;
            drawn before the script, from a generator seeded with `fault_seed`.
        fault_seed: seed of the fault draws, so a faulty run is reproducible.
        timeout_delay: how long a timeout fault sleeps when its `FaultSpec` gives no delay.
        models: the served model names; a request for any other model gets 404 ``model_not_found``. None serves any
            model (and ``GET /v1/models`` lists the `by_model` names, or "fake-model").
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get 401.
        port: 0 picks a free port.

    Attributes:
        base_url: ``http://127.0.0.1:<port>/v1``, for the client's base_url.
        requests: every request received, in order (see `RecordedRequest`).
        script_errors: exceptions raised by callable scripts (each answered with HTTP 500).
    """

    def __init__(
        self,
        replies: Script = None,
        *,
        by_model: Mapping[str, Script] | None = None,
        latency: float = 0.0,
        faults: Mapping[str, float] | None = None,
        fault_seed: int = 0,
        timeout_delay: float = 10.0,
        models: list[str] | tuple[str, ...] | None = None,
        api_key: str | None = None,
        port: int = 0,
    ) -> None:
        self.replies = replies
        self.by_model = dict(by_model or {})
        self.latency = latency
        self.faults = _check_rates(faults or {})
        self.timeout_delay = timeout_delay
        self.models = list(models) if models is not None else None
        self.api_key = api_key
        self.port = port
        self._rng = random.Random(fault_seed)
        self._cursors: dict[int, int] = {}
        self._requests: list[RecordedRequest] = []
        self.script_errors: list[Exception] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ----------------------------------------------------------------------------------------------------- lifecycle
    def __enter__(self) -> FakeOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind the port and serve on a daemon thread; returns once the server accepts connections."""
        if self._thread is not None:
            return
        ready = threading.Event()
        failure: list[BaseException] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._serve, args=(ready, failure), name="fake-openai-server", daemon=True
        )
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread = None
            raise failure[0]

    def stop(self) -> None:
        """Close every connection and the listening socket, and end the thread."""
        if self._thread is None or self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._thread = self._loop = self._server = None

    def _serve(self, ready: threading.Event, failure: list[BaseException]) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._connection, "127.0.0.1", self.port, backlog=4096, limit=2**24)
            )
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # handed to the starting thread
            failure.append(exc)
            ready.set()
            return
        ready.set()
        self._loop.run_forever()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------------------------------------ what tests see
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.is_chat]

    @property
    def request_count(self) -> int:
        """Chat-completion requests received so far (every attempt counts)."""
        return len(self.chat_requests)

    def requests_for(self, model: str) -> list[RecordedRequest]:
        return [r for r in self.chat_requests if r.model == model]

    def script(self, replies: Script = None, *, model: str | None = None) -> None:
        """Replace the default script, or one model's script, and restart it from its first item."""
        if model is None:
            self.replies = replies
        else:
            self.by_model[model] = replies
        with self._lock:
            self._cursors.clear()

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    # -------------------------------------------------------------------------------------------------- HTTP layer
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection must close."""
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0") or 0))
        try:
            response = await self._route(method, target.split("?", 1)[0], headers, raw)
        except Exception as exc:  # a broken script answers 500 and is kept for the test to see
            self.script_errors.append(exc)
            response = _error(500, f"The fake server's script raised {type(exc).__name__}: {exc}", None, "server_error")
        if response.delay:
            await asyncio.sleep(response.delay)
        if response.drop:
            writer.transport.abort()  # RST without a byte of response: what a crashed server looks like
            return False
        keep_alive = headers.get("connection", "").lower() != "close"
        writer.write(_http_bytes(response, keep_alive))
        await writer.drain()
        return keep_alive

    async def _route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Response:
        body = _json_or_none(raw)
        with self._lock:
            index = len(self._requests)
            self._requests.append(RecordedRequest(index, method, path, headers, body, time.time()))
        path = path.rstrip("/")
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key", "invalid_request_error")
        if method == "GET" and path.endswith("/models"):
            return _Response(body=_dumps({"object": "list", "data": [_model_card(m) for m in self._model_names()]}))
        if method == "POST" and path.endswith("/chat/completions"):
            return self._chat(body)
        return _error(404, f"No route for {method} {path}.", None, "invalid_request_error")

    # ------------------------------------------------------------------------------------------- chat completions
    def _chat(self, body: dict[str, Any] | None) -> _Response:
        if not isinstance(body, dict) or "messages" not in body or "model" not in body:
            return _error(
                400, "The request body must be JSON with 'model' and 'messages'.", None, "invalid_request_error"
            )
        model = str(body["model"])
        if self.models is not None and model not in self.models:
            return _error(404, f"The model `{model}` does not exist.", "model_not_found", "invalid_request_error")
        item = self._random_fault() or self._next_item(body)
        if isinstance(item, FaultSpec):
            return self._fault(item, body)
        reply = _as_reply(item)
        payload = _completion(body, reply)
        if body.get("stream"):
            return _Response(body=_sse(body, reply, payload), content_type="text/event-stream", delay=self.latency)
        return _Response(body=_dumps(payload), delay=self.latency)

    def _fault(self, fault: FaultSpec, body: dict[str, Any]) -> _Response:
        if fault.kind == "http":
            if fault.message == "":
                return _Response(status=fault.status, body=b"", delay=self.latency)
            message = f"Injected fault: HTTP {fault.status}." if fault.message is None else fault.message
            response = _error(fault.status, message, None, "server_error")
            response.delay = self.latency
            return response
        if fault.kind == "timeout":
            delay = self.timeout_delay if fault.delay is None else fault.delay
            return _Response(body=_dumps(_completion(body, Reply("OK."))), delay=self.latency + delay)
        if fault.kind == "malformed":
            return _Response(body=b'{"id": "chatcmpl-broken", "choices": [{"mess', delay=self.latency)
        return _Response(drop=True, delay=self.latency)

    def _random_fault(self) -> FaultSpec | None:
        if not self.faults:
            return None
        with self._lock:
            draw = self._rng.random()
        for kind, rate in self.faults.items():
            if draw < rate:
                return FaultSpec(kind)  # type: ignore[arg-type]
            draw -= rate
        return None

    def _next_item(self, body: dict[str, Any]) -> Any:
        script = self.by_model.get(body["model"], self.replies)
        if callable(script) and not isinstance(script, (Reply, FaultSpec)):
            return script(body)
        if isinstance(script, list):
            if not script:
                return "OK."
            with self._lock:
                position = self._cursors.get(id(script), 0)
                self._cursors[id(script)] = position + 1
            return script[min(position, len(script) - 1)]
        return "OK." if script is None else script

    def _model_names(self) -> list[str]:
        return list(self.models if self.models is not None else (self.by_model or DEFAULT_MODELS))


def unused_base_url() -> str:
    """A base_url on 127.0.0.1 where nothing listens (a connection is refused), for error-path tests."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _check_rates(rates: Mapping[str, float]) -> dict[str, float]:
    unknown = set(rates) - {"http", "timeout", "malformed", "drop"}
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; use http, timeout, malformed or drop")
    if sum(rates.values()) > 1:
        raise ValueError(f"fault rates sum to {sum(rates.values())}, above 1")
    return dict(rates)


def _as_reply(item: Any) -> Reply:
    if isinstance(item, Reply):
        return item
    if isinstance(item, (dict, list)):
        return Reply(json.dumps(item))
    return Reply(str(item))


def _count_tokens(text: str) -> int:
    # A stable stand-in for a tokenizer: about four characters a token, at least one per non-empty text.
    return (len(text) + 3) // 4


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    prompt = sum(_count_tokens(_content_text(m.get("content"))) + 4 for m in body.get("messages", []))
    prompt = reply.prompt_tokens if reply.prompt_tokens is not None else prompt
    completion = reply.completion_tokens if reply.completion_tokens is not None else _count_tokens(reply.content)
    return {
        "id": f"chatcmpl-fake-{random.getrandbits(48):x}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": None},
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }


def _sse(body: dict[str, Any], reply: Reply, payload: dict[str, Any]) -> bytes:
    base = {
        "id": payload["id"],
        "object": "chat.completion.chunk",
        "created": payload["created"],
        "model": body["model"],
    }
    chunks = [
        {
            **base,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": reply.content}, "finish_reason": None}],
        },
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]},
    ]
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": payload["usage"]})
    return b"".join(b"data: " + _dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def _error(status: int, message: str, code: str | None, kind: str) -> _Response:
    return _Response(
        status=status, body=_dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})
    )


def _model_card(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "consultgym-fake"}


def _http_bytes(response: _Response, keep_alive: bool) -> bytes:
    head = (
        f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Error')}\r\n"
        f"Content-Type: {response.content_type}\r\n"
        f"Content-Length: {len(response.body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + response.body


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _json_or_none(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


__all__ = ["FakeOpenAIServer", "FaultSpec", "RecordedRequest", "Reply", "unused_base_url"]
