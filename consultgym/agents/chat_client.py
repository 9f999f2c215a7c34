"""The HTTP side of an LLM call: one chat-completions request over a pooled aiohttp session.

Why not the openai SDK on this path: per call it spends about 12-15x the CPU of a raw aiohttp request (request
options, retries we turn off, httpx, response models), and a raw httpx client with a tuned pool is slower still;
aiohttp with the JSON encoding and decoding a client must do costs about 1.1x the raw request
(``python benchmarks/http_clients.py``). With many calls in flight that CPU is the ceiling of a process.

JSON goes through orjson (a compact UTF-8 encoding, as ``json.dumps(ensure_ascii=False)`` gives, at a thirtieth of
its CPU). What orjson refuses and the standard library takes (a lone surrogate, from a ``"\\ud800"`` escape in a
reply or in text a caller built) falls back to ``json``, so every request and reply is handled as before.

- One `aiohttp.ClientSession` per event loop, shared by every backend on that loop (a session binds to its loop).
  Its connections are closed by `aclose_sessions`, or, when the loop is shut down by `asyncio.run` (or anything that
  calls ``loop.shutdown_asyncgens()``), by a keeper async generator registered with the loop. So a user's
  ``asyncio.run(...)`` never leaves a socket or a warning behind.
- `post_chat` sends one request and returns a `ChatReply`, or raises one of three errors that say what failed:
  `ChatHTTPError` (the server answered with an error status), `ChatTransportError` (no answer: refused, unresolvable,
  dropped) and `MalformedResponse` (an answer that is not chat-completion JSON). Timeouts are the caller's
  (``asyncio.timeout``), so there is one timer per attempt.
- The API key travels only in the ``Authorization`` header; it is never in an error, a log line or a record.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from consultgym.config import MAX_CONNECTIONS_PER_PROCESS


class ChatHTTPError(Exception):
    """The server answered with an error status; `message` is what its error body says.

    Attributes:
        explained: the body carried an error message (a server that explains a 500 will fail the same way again).
    """

    def __init__(self, status: int, message: str, explained: bool) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.explained = explained


class ChatTransportError(Exception):
    """No HTTP answer: the connection was refused, the host unknown, or the connection dropped."""


class MalformedResponse(Exception):
    """A 200 answer whose body is not chat-completion JSON."""


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The parts of a chat completion a backend uses."""

    content: str | None
    refusal: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    has_choices: bool


# ------------------------------------------------------------------------------------------------- session pool
_SESSIONS: dict[asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, AsyncIterator[None]]] = {}


def _new_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS_PER_PROCESS, ttl_dns_cache=300)
    # No session-wide timeout: each attempt runs under the backend's own asyncio.timeout.
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None))


async def _keeper(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    """Closes the session when the loop shuts down its async generators (as `asyncio.run` does)."""
    try:
        yield
    finally:
        _SESSIONS.pop(asyncio.get_running_loop(), None)
        await session.close()


async def session() -> aiohttp.ClientSession:
    """The running loop's pooled session (created on first use)."""
    loop = asyncio.get_running_loop()
    entry = _SESSIONS.get(loop)
    if entry is not None:
        return entry[0]
    for stale in [other for other in _SESSIONS if other.is_closed()]:
        del _SESSIONS[stale]  # a loop closed without shutting down its generators: nothing left to close
    pooled = _new_session()
    keeper = _keeper(pooled)
    await keeper.__anext__()  # registers it with the loop's async-generator hooks; the pool holds it alive
    _SESSIONS[loop] = (pooled, keeper)
    return pooled


async def aclose_sessions() -> None:
    """Close the running loop's pooled session and its connections (call before closing a loop by hand)."""
    entry = _SESSIONS.pop(asyncio.get_running_loop(), None)
    if entry is not None:
        await entry[0].close()
        await entry[1].aclose()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------- request
def auth_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}


async def post_chat(url: str, headers: Mapping[str, str], body: dict[str, Any]) -> ChatReply:
    """POST `body` to a chat-completions `url`; the reply's content, refusal and token counts.

    Raises:
        ChatHTTPError: an error status (4xx, 5xx), with the server's message.
        ChatTransportError: the request got no HTTP answer.
        MalformedResponse: the answer is not chat-completion JSON.
    """
    entry = _SESSIONS.get(asyncio.get_running_loop())
    pooled = entry[0] if entry is not None else await session()
    data = encode(body)
    try:
        async with pooled.post(url, data=data, headers=headers) as response:
            raw = await response.read()
            status = response.status
    except aiohttp.ClientConnectorDNSError:
        raise ChatTransportError("cannot resolve the host; check base_url") from None
    except aiohttp.ClientConnectorError as exc:
        refused = isinstance(exc.os_error, ConnectionRefusedError) or "refused" in str(exc).lower()
        raise ChatTransportError(_REFUSED if refused else _DROPPED) from None
    except (aiohttp.ClientError, ConnectionError) as exc:
        if isinstance(exc, aiohttp.InvalidURL):
            raise ChatTransportError(f"base_url is not a valid URL ({exc}); check base_url") from None
        raise ChatTransportError(_DROPPED) from None
    if status >= 400:
        message = _error_message(raw)
        raise ChatHTTPError(
            status, message or raw[:200].decode("utf-8", errors="replace") or "no error message", bool(message)
        )
    return _reply(raw)


_REFUSED = "cannot connect (connection refused); check that the server is running and that base_url is right"
_DROPPED = "the connection failed or was dropped before a response; check the server and base_url"


def encode(body: dict[str, Any]) -> bytes:
    """`body` as UTF-8 JSON (non-ASCII characters as they are, like ``json.dumps(ensure_ascii=False)``)."""
    try:
        return orjson.dumps(body)
    except TypeError:  # a lone surrogate or a type orjson does not know: the standard library decides, as before
        return json.dumps(body, ensure_ascii=False).encode("utf-8")


def decode(raw: bytes) -> Any:
    """Parsed JSON; raises ValueError when `raw` is not JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # orjson refuses lone-surrogate escapes, which json takes (replaced later)
        return json.loads(raw)


def _reply(raw: bytes) -> ChatReply:
    try:
        data = decode(raw)
        choices = data.get("choices")
        usage = data.get("usage") or {}
        choice = choices[0] if choices else {}
        message = choice.get("message") or {}
        return ChatReply(
            content=message.get("content"),
            refusal=message.get("refusal"),
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            has_choices=bool(choices),
        )
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):  # JSONDecodeError is a ValueError
        raise MalformedResponse("the server sent a malformed response body (not chat-completion JSON)") from None


def _error_message(raw: bytes) -> str:
    """The server's own words from an OpenAI-style error body (``{"error": {"message": ...}}``), on one line."""
    try:
        data = decode(raw)
        error = data.get("error", data.get("message"))
        message = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        return ""
    return " ".join(str(message or "").split())[:300]
