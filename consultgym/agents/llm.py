"""`ChatBackend`: how every LLM role talks to an OpenAI-compatible chat model.

One backend per role instance; the HTTP connections underneath are pooled per event loop and shared by every backend
on it (`consultgym.agents.chat_client`: a thin aiohttp client, measured to cost a fraction of the openai SDK's CPU).

- Retries are our own loop, bounded by ``max_retries``, with exponential backoff; every attempt is counted in `Usage`
  (calls, errors, and errors by `FailureKind`). Only what another attempt can fix is retried: timeouts, dropped or
  refused connections, HTTP 429, 502, 503, 504, a 500 without an explanation, a malformed body, an invalid structured
  reply. A request the server rejects with a reason (4xx, or 500 with an error message, as llama.cpp answers a schema
  it cannot compile) fails at once, and the server's words are kept in the error, scrubbed of secrets.
- Structured output: ``parse(messages, Model)`` sends a JSON-schema ``response_format`` built from the pydantic model
  and validates the reply with ``Model.model_validate_json``. Every string in the schema must carry ``maxLength`` and
  every array ``maxItems`` (`response_format` refuses a schema without them): a small model under a grammar otherwise
  loops until the token cap and never closes the JSON. A reply cut at ``max_tokens`` is reported as such.
- Usage goes to the ``on_usage`` callback, once per attempt or cache hit; roles add it to their own `Usage`.
- An optional on-disk cache (``cache`` = off | read | write | readwrite) keyed by a hash of the whole request
  (model, messages, temperature, seed, max_tokens, schema) replays identical requests without a call.
- Errors become `BackendError` with one line that names the role, model and base_url and what to check. The API key
  is never put in a message, a record or a log line.
- Every reply is scrubbed like an error body (`scrub_secrets`) before it is validated, cached, stored or shown: a
  server or proxy that reflects the key into completion text ("Debug header Bearer sk-...") must not get it into a
  draft, a guardian issue, a judge quote or the app.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import random
import re
import socket
import time
import urllib.request
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from consultgym.agents.base import Participant
from consultgym.agents.chat_client import (
    ChatReply,
    aclose_sessions,
    auth_headers,
    post_chat,
)
from consultgym.agents.failures import Failure, FailureKind, Permanent, Retryable, classify, scrub_secrets
from consultgym.agents.structured import REFUSE_STRING_BOUNDS, response_format
from consultgym.config import LOCAL_API_KEY, MAX_BACKOFF_S, OPENAI_BASE_URL, LLMSettings, default_max_tokens
from consultgym.errors import BackendError, ConfigError
from consultgym.records import Usage
from consultgym.text import replace_surrogates

log = logging.getLogger("consultgym.llm")

M = TypeVar("M", bound=BaseModel)
Message = dict[str, Any]
UsageSink = Callable[[Usage], None]

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def api_key_for(settings: LLMSettings, role: str = "llm") -> str:
    """The API key from the environment variable the settings name.

    A custom base_url (vLLM, Ollama, llama.cpp) without a key gets a placeholder; OpenAI's API without one is a
    configuration error.

    Raises:
        ConfigError: OpenAI's API is the endpoint and the variable is unset.
    """
    key = os.environ.get(settings.api_key_env, "").strip()
    if key:
        return key
    if "api.openai.com" in settings.endpoint:
        raise ConfigError(
            f"{role}: the environment variable {settings.api_key_env} is empty, and {OPENAI_BASE_URL} needs a key; "
            f"set it, name another variable with {role}_api_key_env=..., or point {role}_base_url at a local server"
        )
    return LOCAL_API_KEY


async def aclose_clients() -> None:
    """Close the pooled HTTP connections of the running loop (call before closing a loop that ran LLM roles)."""
    await aclose_sessions()


def _refuses_string_bounds(failure: Failure, body: dict[str, Any]) -> bool:
    schema = json.dumps(body.get("response_format", {}))
    return failure.kind == FailureKind.rejected and "maxLength" in str(failure) and "maxLength" in schema


PROBE_TIMEOUT_S = 3.0


def probe_endpoint(endpoint: str, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Why a TCP connection to the endpoint (or the proxy that reaches it) fails; None when it opens.

    Nothing is sent, so no key travels: it only tells a typo in the host or port, or a server that is not running,
    in seconds instead of after every episode's retries.
    """
    parts = urlsplit(endpoint)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        proxied = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = proxied.hostname or host, proxied.port or 80
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.gaierror:
        return f"the host {host!r} does not resolve"
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


# ----------------------------------------------------------------------------------------------------------- cache
class ResponseCache:
    """Reply texts on disk, one JSON file per request hash, written atomically.

    Modes: ``off``; ``read`` (replay hits, never write); ``write`` (always call, store the reply);
    ``readwrite`` (replay hits, store misses).
    """

    def __init__(self, mode: str, directory: str | os.PathLike[str]) -> None:
        self.mode = mode
        self._directory = directory  # expanded when used: a backend built with the cache off never touches it

    @property
    def directory(self) -> Path:
        return Path(self._directory).expanduser()

    @property
    def reads(self) -> bool:
        return self.mode in ("read", "readwrite")

    @property
    def writes(self) -> bool:
        return self.mode in ("write", "readwrite")

    @staticmethod
    def key(request: dict[str, Any]) -> str:
        canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        if not self.reads:
            return None
        try:
            content = json.loads(self._path(key).read_text(encoding="utf-8"))["content"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a missing or damaged entry is a miss, never an error
        return content if isinstance(content, str) else None

    def put(self, key: str, content: str, model: str) -> None:
        if not self.writes:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{random.getrandbits(32):x}.tmp")
            tmp.write_text(json.dumps({"model": model, "content": content}, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("response cache: cannot write %s (%s); continuing without caching it", path, exc)


# --------------------------------------------------------------------------------------------------------- backend
class ChatBackend:
    """A chat model behind an OpenAI-compatible endpoint, with bounded retries, usage accounting and a response cache.

    Args:
        settings: model, base_url, key variable, sampling, timeout, retries and cache; without ``max_tokens``, the
            role's default cap (`consultgym.config.DEFAULT_MAX_TOKENS`) applies.
        on_usage: receives one `Usage` per attempt (calls=1, tokens, latency, errors) or per cache hit.
        role: named in error messages ('patient', 'guardian', ...).

    Example:
        >>> backend = ChatBackend(LLMSettings(model="m", base_url="http://127.0.0.1:8000/v1"))
        >>> # text = await backend.complete([{"role": "user", "content": "Hello"}])
    """

    def __init__(self, settings: LLMSettings, on_usage: UsageSink | None = None, role: str = "llm") -> None:
        # Read once, at construction: a missing key fails here, not mid-episode. The key goes only into the header.
        # What follows from the settings and the environment is built once per distinct pair (`_connection`): every
        # episode builds its roles afresh, so this runs once per role per episode.
        secret = os.environ.get(settings.api_key_env, "").strip()
        connection = _connection(settings, role, secret, os.environ.get("OPENAI_BASE_URL"))
        self.settings = connection.settings
        self.on_usage = on_usage or _ignore
        self.role = role
        self.cache = ResponseCache(self.settings.cache, self.settings.cache_dir)
        self._headers = connection.headers
        self._secret = secret
        self._url = connection.url

    async def complete(self, messages: Sequence[Message]) -> str:
        """The model's reply text to `messages`.

        Raises:
            BackendError: every attempt failed, or the failure cannot be retried (bad key, unknown model).
        """
        return (await self._request(messages, None))[0]

    async def parse(self, messages: Sequence[Message], schema: type[M]) -> M:
        """The model's reply as an instance of `schema` (JSON-schema structured output).

        Raises:
            BackendError: every attempt failed or gave a reply that does not validate against `schema`.
        """
        parsed: M = (await self._request(messages, schema))[1]
        return parsed

    def describe(self) -> dict[str, Any]:
        return self.settings.describe()

    # -------------------------------------------------------------------------------------------------- internals
    def _body(self, messages: Sequence[Message], schema: type[BaseModel] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": list(messages),
            "temperature": self.settings.temperature,
        }
        if self.settings.seed is not None:
            body["seed"] = self.settings.seed
        if self.settings.max_tokens is not None:
            body["max_tokens"] = self.settings.max_tokens
        if schema is not None:
            body["response_format"] = response_format(schema, self.settings.endpoint not in REFUSE_STRING_BOUNDS)
        return body

    async def _request(self, messages: Sequence[Message], schema: type[BaseModel] | None) -> tuple[str, Any]:
        body = self._body(messages, schema)
        if not (self.cache.reads or self.cache.writes):
            return await self._with_retries(body, schema)  # no cache: no need to hash the whole request
        key = ResponseCache.key(body)
        cached = self.cache.get(key)
        if cached is not None:
            try:
                parsed = _validate(cached, schema)
            except Retryable:
                pass  # a stale entry for another schema version: ask the model again
            else:
                self.on_usage(Usage(cache_hits=1))
                return cached, parsed
        content, parsed = await self._with_retries(body, schema)
        self.cache.put(key, content, self.settings.model)
        return content, parsed

    async def _with_retries(self, body: dict[str, Any], schema: type[BaseModel] | None) -> tuple[str, Any]:
        attempts = self.settings.max_retries + 1
        last = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._backoff(attempt))
            try:
                content = await self._attempt(body)
                try:
                    return content, _validate(content, schema)
                except Failure as exc:  # the call worked but its reply is unusable: a failed attempt
                    self.on_usage(Usage(errors=1, failures={exc.kind.value: 1}))
                    raise
            except Permanent as exc:
                if schema is not None and _refuses_string_bounds(exc, body):
                    # Remembered per endpoint: later requests (and later episodes' backends) leave maxLength out.
                    REFUSE_STRING_BOUNDS.add(self.settings.endpoint)
                    log.warning("%s", self._message("the server refuses maxLength in schemas; sending them without"))
                    return await self._with_retries(self._body(body["messages"], schema), schema)
                raise BackendError(self._message(str(exc))) from None
            except Retryable as exc:
                last = str(exc)
                log.info("%s", self._message(f"attempt {attempt + 1}/{attempts} failed: {last}"))
        raise BackendError(self._message(f"failed after {attempts} attempt{'s' * (attempts > 1)}: {last}"))

    def _backoff(self, attempt: int) -> float:
        delay: float = min(self.settings.backoff * 2 ** (attempt - 1), MAX_BACKOFF_S)
        return delay * (1 + 0.25 * random.random())  # jitter: concurrent sessions do not retry in lockstep

    async def _attempt(self, body: dict[str, Any]) -> str:
        """One HTTP call; reports its usage, returns the reply text or raises Retryable/Permanent."""
        started = time.perf_counter()
        reply: ChatReply | None = None
        try:
            async with asyncio.timeout(self.settings.timeout):
                reply = await post_chat(self._url, self._headers, body)
            content = scrub_secrets(_reply_text(reply, self.settings, "response_format" in body), self._key())
        except Exception as exc:  # every failure is classified, none escapes unrecorded
            failure = classify(exc, self.settings)
            self._report_usage(reply, time.perf_counter() - started, failure)
            raise failure from None
        self._report_usage(reply, time.perf_counter() - started)
        return content

    def _report_usage(self, reply: ChatReply | None, latency_s: float, failure: Failure | None = None) -> None:
        """Hand one attempt's usage to `on_usage` (to a role's sink as numbers: it builds only the new total)."""
        if type(self.on_usage) is _CountInto:
            prompt, completion = (reply.prompt_tokens, reply.completion_tokens) if reply is not None else (0, 0)
            self.on_usage.add_call(latency_s, prompt, completion, failure.kind.value if failure is not None else "")
        else:
            self.on_usage(_attempt_usage(reply, latency_s, failure))

    def where(self) -> str:
        """Names the role, model and endpoint, for messages."""
        return f"{self.role} LLM backend (model {self.settings.model!r} at {self.settings.endpoint})"

    def _key(self) -> str:
        """The key this backend sends (read with its headers): what replies and errors are scrubbed of."""
        return self._secret

    def _message(self, problem: str) -> str:
        text = scrub_secrets(f"{self.where()}: {problem}", self._key())
        return " ".join(text.split())  # one line, whatever the server said


def _attempt_usage(reply: ChatReply | None, latency_s: float, failure: Failure | None = None) -> Usage:
    """One attempt's `Usage`: a call, its latency, the tokens of the reply it got, and its failure, if any."""
    return Usage(
        calls=1,
        latency_s=latency_s,
        prompt_tokens=reply.prompt_tokens if reply is not None else 0,
        completion_tokens=reply.completion_tokens if reply is not None else 0,
        errors=0 if failure is None else 1,
        failures={} if failure is None else {failure.kind.value: 1},
    )


def _ignore(usage: Usage) -> None:
    """The usage sink of a backend nobody counts for."""


@dataclass(frozen=True, slots=True)
class _Connection:
    """What a backend derives from its settings and the environment: shared by every backend built the same way."""

    settings: LLMSettings
    headers: Mapping[str, str]
    url: str


@lru_cache(maxsize=256)
def _connection(settings: LLMSettings, role: str, secret: str, base_url_env: str | None) -> _Connection:
    """The backend's effective settings, headers and URL (the key and $OPENAI_BASE_URL as read now are part
    of the cache key, so a changed environment is seen by the next backend)."""
    cap = default_max_tokens(role)
    if settings.max_tokens is None and cap is not None:  # a local model must not run to the end of its context
        settings = settings.model_copy(update={"max_tokens": cap})
    headers = MappingProxyType(auth_headers(api_key_for(settings, role)))  # read-only: backends share it
    return _Connection(settings, headers, f"{settings.endpoint}/chat/completions")


def _reply_text(reply: ChatReply, settings: LLMSettings, structured: bool) -> str:
    if not reply.has_choices:
        raise Retryable("the response has no choices", FailureKind.malformed)
    content = reply.content
    if not isinstance(content, str) or not content.strip():
        refusal = reply.refusal if isinstance(reply.refusal, str) else ""
        raise Retryable(f"the model refused: {refusal[:120]}" if refusal else "the reply is empty", FailureKind.empty)
    if structured and reply.finish_reason == "length":
        # The same request is cut at the same place again (at temperature 0 at least): say so instead of retrying.
        failure = Permanent if settings.temperature == 0 else Retryable
        raise failure(
            f"the structured reply was cut at max_tokens={settings.max_tokens} before its JSON closed; "
            f"raise the role's max_tokens",
            FailureKind.truncated,
        )
    return replace_surrogates(content)


def _validate(content: str, schema: type[BaseModel] | None) -> Any:
    if schema is None:
        return None
    match = _FENCE.match(content)
    text = match.group(1) if match else content  # local models often fence their JSON in ```json ... ```
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise Retryable(
            f"the reply does not validate as {schema.__name__} ({where}: {first['msg']})", FailureKind.invalid
        ) from None


# ---------------------------------------------------------------------------------------------------- LLM roles
@cache
def _template(name: str) -> Template:
    return Template(resources.files("consultgym.agents").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8"))


def render_prompt(name: str, **values: object) -> str:
    """The prompt ``agents/prompts/<name>.md`` with its ``$placeholders`` filled (a missing value is an error)."""
    return _template(name).substitute({key: str(value) for key, value in values.items()}).strip()


class _CountInto:
    """A backend's usage sink that adds to its role's `Usage`, holding the role weakly.

    With the role's bound method instead, role -> backend -> sink -> role would be a reference cycle: every episode's
    roles, their conversations and backends would wait for the cyclic garbage collector instead of going as the
    episode ends, and with hundreds of episodes in flight those collections cost more CPU than the calls.
    """

    __slots__ = ("_role",)

    def __init__(self, role: LLMParticipant) -> None:
        self._role = weakref.ref(role)

    def __call__(self, usage: Usage) -> None:
        role = self._role()
        if role is not None:
            role._count(usage)

    def add_call(self, latency_s: float, prompt_tokens: int, completion_tokens: int, failure: str) -> None:
        """One attempt, as `Usage.add_call` counts it (what ``self(Usage(calls=1, ...))`` does, one object fewer)."""
        role = self._role()
        if role is not None:
            role.usage = role.usage.add_call(latency_s, prompt_tokens, completion_tokens, failure)


class LLMParticipant(Participant):
    """Mixin for roles played by a chat model: not offline, usage counted per role instance, settings described."""

    backend: ChatBackend

    def connect(self, settings: LLMSettings, role: str) -> ChatBackend:
        """Build this role's backend; its usage accumulates into ``self.usage`` (a new object per update)."""
        self.backend = ChatBackend(settings, on_usage=_CountInto(self), role=role)
        return self.backend

    def _count(self, usage: Usage) -> None:
        # Replace, never mutate: the session finds a turn's usage by comparing objects before and after it.
        self.usage = self.usage.add(usage)

    @property
    def offline(self) -> bool:
        return False

    def describe(self) -> dict[str, object]:
        return {"kind": self.name, **self.backend.describe()}
