"""`ChatBackend`: how every LLM role talks to an OpenAI-compatible chat model.

One backend per role instance; the `AsyncOpenAI` clients underneath are shared through a small pool keyed by the
event loop, the base_url and the API-key variable (an async HTTP client is bound to the loop it first ran on).

- Retries are our own loop, bounded by ``max_retries``, with exponential backoff; the SDK's own retries are off so
  every attempt is counted in `Usage` (calls, errors, and errors by `FailureKind`). Only what another attempt can fix
  is retried: timeouts, dropped or refused connections, HTTP 429, 502, 503, 504, a 500 without an explanation, a
  malformed body, an invalid structured reply. A request the server rejects with a reason (4xx, or 500 with an error
  message, as llama.cpp answers a schema it cannot compile) fails at once, and the server's words are kept in the
  error, scrubbed of secrets.
- Structured output: ``parse(messages, Model)`` sends a JSON-schema ``response_format`` built from the pydantic model
  and validates the reply with ``Model.model_validate_json``. Every string in the schema must carry ``maxLength`` and
  every array ``maxItems`` (`response_format` refuses a schema without them): a small model under a grammar otherwise
  loops until the token cap and never closes the JSON. A reply cut at ``max_tokens`` is reported as such.
- Usage goes to the ``on_usage`` callback, once per attempt or cache hit; roles add it to their own `Usage`.
- An optional on-disk cache (``cache`` = off | read | write | readwrite) keyed by a hash of the whole request
  (model, messages, temperature, seed, max_tokens, schema) replays identical requests without a call.
- Errors become `BackendError` with one line that names the role, model and base_url and what to check. The API key
  is never put in a message, a record or a log line.
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
from collections.abc import Callable, Sequence
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError, create_model

from consultgym.agents.base import Participant
from consultgym.config import LOCAL_API_KEY, MAX_BACKOFF_S, OPENAI_BASE_URL, LLMSettings, default_max_tokens
from consultgym.errors import BackendError, ConfigError
from consultgym.records import Usage
from consultgym.text import replace_surrogates

log = logging.getLogger("consultgym.llm")

M = TypeVar("M", bound=BaseModel)
Message = dict[str, Any]
UsageSink = Callable[[Usage], None]

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class FailureKind(StrEnum):
    """Why an LLM call failed: the classes `Usage.failures` counts and the report prints."""

    timeout = "timeout"
    connection = "connection"
    rate_limit = "rate limit (HTTP 429)"
    unavailable = "server unavailable (HTTP 5xx)"
    server_error = "server error (HTTP 500)"
    rejected = "request rejected (HTTP 4xx)"
    auth = "authentication"
    not_found = "model or endpoint not found"
    malformed = "malformed response body"
    empty = "empty reply"
    invalid = "invalid structured reply"
    truncated = "reply cut at max_tokens"


class _Failure(Exception):
    def __init__(self, message: str, kind: FailureKind) -> None:
        super().__init__(message)
        self.kind = kind


class _Permanent(_Failure):
    """A failure no retry can fix (bad key, unknown model, a request the server rejects with a reason)."""


class _Retryable(_Failure):
    """A failure worth another attempt (timeout, dropped connection, 429, 502-504, malformed or invalid reply)."""


# ------------------------------------------------------------------------------------------------------ client pool
# Clients hold references to their loop, so a weak-keyed pool would never let go: entries of closed loops are
# dropped on the next lookup instead (call `aclose_clients` before closing a loop to also close their sockets).
_POOL: dict[asyncio.AbstractEventLoop, dict[tuple[str, str], Any]] = {}


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


def _client(settings: LLMSettings, role: str) -> Any:
    from openai import AsyncOpenAI

    loop = asyncio.get_running_loop()
    for stale in [other for other in _POOL if other.is_closed()]:
        del _POOL[stale]
    clients = _POOL.setdefault(loop, {})
    key = (settings.endpoint, settings.api_key_env)
    if key not in clients:
        # max_retries=0: our own loop retries, so every attempt is counted.
        clients[key] = AsyncOpenAI(base_url=settings.endpoint, api_key=api_key_for(settings, role), max_retries=0)
    return clients[key]


async def aclose_clients() -> None:
    """Close the pooled clients of the running loop (call before closing a loop that ran LLM roles)."""
    clients = _POOL.pop(asyncio.get_running_loop(), {})
    await asyncio.gather(*(client.close() for client in clients.values()), return_exceptions=True)


# Endpoints that rejected a schema for its maxLength keywords (OpenAI's strict mode does not list it as supported).
_REFUSE_STRING_BOUNDS: set[str] = set()


def _refuses_string_bounds(failure: _Failure, body: dict[str, Any]) -> bool:
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
        self.directory = Path(directory).expanduser()

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
            return json.loads(self._path(key).read_text(encoding="utf-8"))["content"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a missing or damaged entry is a miss, never an error

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
def bounded_text(description: str, max_chars: int) -> Any:
    """A string field whose JSON schema carries ``maxLength``: where constrained decoding must stop.

    The bound is for the server's grammar only; validation does not enforce it, so a model that ignores it (or a
    server that cannot take it) still gives a usable reply.
    """
    return Field(description=description, json_schema_extra={"maxLength": max_chars})


def bounded_list(description: str, max_items: int, max_chars: int | None = None) -> Any:
    """A list field whose JSON schema carries ``maxItems`` (and ``maxLength`` on string items); not validated."""
    extra: dict[str, Any] = {"maxItems": max_items}
    if max_chars is not None:
        extra["items"] = {"type": "string", "maxLength": max_chars}
    return Field(description=description, json_schema_extra=extra)


@cache
def with_max_items(schema: type[M], field: str, max_items: int) -> type[M]:
    """A subclass of `schema` (same name) whose list `field` is bounded by `max_items`, for a call that knows how
    many entries it needs (the judge: one per must-ask item)."""
    info = schema.model_fields[field]
    extra = {**(info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}), "maxItems": max_items}
    replaced = (info.annotation, Field(description=info.description, json_schema_extra=extra))
    return create_model(schema.__name__, __base__=schema, __doc__=schema.__doc__, **{field: replaced})  # type: ignore[call-overload]


def response_format(schema: type[BaseModel], string_bounds: bool = True) -> dict[str, Any]:
    """The ``response_format`` that asks for JSON matching a pydantic model (strict when the model allows it).

    Args:
        schema: the reply's model; every string must carry ``maxLength`` and every array ``maxItems``.
        string_bounds: False leaves ``maxLength`` out, for a server that refuses it (OpenAI's strict mode may).

    Raises:
        TypeError: the schema has an unbounded string or array (a programming error: see the module docstring).
    """
    json_schema = schema.model_json_schema()
    unbounded = unbounded_paths(json_schema)
    if unbounded:
        raise TypeError(f"{schema.__name__}: bound these fields with maxLength/maxItems: {', '.join(unbounded)}")
    if not string_bounds:
        json_schema = _without(json_schema, "maxLength")
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema, "strict": True}}


def _without(node: Any, keyword: str) -> Any:
    if isinstance(node, dict):
        return {key: _without(value, keyword) for key, value in node.items() if key != keyword}
    if isinstance(node, list):
        return [_without(value, keyword) for value in node]
    return node


def unbounded_paths(json_schema: dict[str, Any]) -> list[str]:
    """Paths of the strings without ``maxLength`` (enums aside) and arrays without ``maxItems`` in a JSON schema."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "string" and "maxLength" not in node and "enum" not in node and "const" not in node:
                found.append(path or "(root)")
            if kind == "array" and "maxItems" not in node:
                found.append(path or "(root)")
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}.{i}")

    walk(json_schema, "")
    return found


class ChatBackend:
    """A chat model reached through the openai SDK, with bounded retries, usage accounting and a response cache.

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
        cap = default_max_tokens(role)
        if settings.max_tokens is None and cap is not None:  # a local model must not run to the end of its context
            settings = settings.model_copy(update={"max_tokens": cap})
        self.settings = settings
        self.on_usage = on_usage or (lambda usage: None)
        self.role = role
        self.cache = ResponseCache(settings.cache, settings.cache_dir)
        api_key_for(settings, role)  # fail at construction, not mid-episode, when the key is missing

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
        return (await self._request(messages, schema))[1]  # type: ignore[return-value]

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
            body["response_format"] = response_format(schema, self.settings.endpoint not in _REFUSE_STRING_BOUNDS)
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
            except _Retryable:
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
                except _Failure as exc:  # the call worked but its reply is unusable: a failed attempt
                    self.on_usage(Usage(errors=1, failures={exc.kind.value: 1}))
                    raise
            except _Permanent as exc:
                if schema is not None and _refuses_string_bounds(exc, body):
                    # Remembered per endpoint: later requests (and later episodes' backends) leave maxLength out.
                    _REFUSE_STRING_BOUNDS.add(self.settings.endpoint)
                    log.warning("%s", self._message("the server refuses maxLength in schemas; sending them without"))
                    return await self._with_retries(self._body(body["messages"], schema), schema)
                raise BackendError(self._message(str(exc))) from None
            except _Retryable as exc:
                last = str(exc)
                log.info("%s", self._message(f"attempt {attempt + 1}/{attempts} failed: {last}"))
        raise BackendError(self._message(f"failed after {attempts} attempt{'s' * (attempts > 1)}: {last}"))

    def _backoff(self, attempt: int) -> float:
        delay = min(self.settings.backoff * 2 ** (attempt - 1), MAX_BACKOFF_S)
        return delay * (1 + 0.25 * random.random())  # jitter: concurrent sessions do not retry in lockstep

    async def _attempt(self, body: dict[str, Any]) -> str:
        """One HTTP call; reports its usage, returns the reply text or raises _Retryable/_Permanent."""
        started = time.perf_counter()
        usage: dict[str, int] = {}
        try:
            client = _client(self.settings, self.role)
            from openai.types.chat import ChatCompletion

            async with asyncio.timeout(self.settings.timeout):
                # The SDK's documented low-level post: the body is already plain JSON, and skipping
                # `chat.completions.create`'s request transform saves milliseconds of CPU per call.
                completion = await client.post(
                    "/chat/completions", cast_to=ChatCompletion, body=body, options={"timeout": self.settings.timeout}
                )
            usage = _token_counts(completion)
            content = _reply_text(completion, self.settings, structured="response_format" in body)
        except Exception as exc:  # every failure is classified, none escapes unrecorded
            failure = _classify(exc, self.settings)
            self.on_usage(
                Usage(
                    calls=1,
                    errors=1,
                    latency_s=time.perf_counter() - started,
                    failures={failure.kind.value: 1},
                    **usage,
                )
            )
            raise failure from None
        self.on_usage(Usage(calls=1, latency_s=time.perf_counter() - started, **usage))
        return content

    def where(self) -> str:
        """Names the role, model and endpoint, for messages."""
        return f"{self.role} LLM backend (model {self.settings.model!r} at {self.settings.endpoint})"

    def _message(self, problem: str) -> str:
        text = scrub_secrets(f"{self.where()}: {problem}", os.environ.get(self.settings.api_key_env, ""))
        return " ".join(text.split())  # one line, whatever the server said


# What a server may echo in an error: the Authorization header, or a key in OpenAI's or a similar format.
_SECRET_TEXT = re.compile(
    r"(?i:authorization:?\s*(?:bearer\s+)?|bearer\s+|api[_-]?key[\"']?\s*[:=]\s*[\"']?)\S{4,}"
    r"|\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}"
)


def scrub_secrets(text: str, key: str = "") -> str:
    """`text` with the given API key and anything that looks like a credential replaced by ``***``.

    >>> scrub_secrets("401: bad header Authorization: Bearer sk-abc123456789 for key sk-abc123456789")
    '401: bad header *** for key ***'
    """
    if len(key) >= 4:
        text = text.replace(key, "***")
    return _SECRET_TEXT.sub("***", text)


def _token_counts(completion: Any) -> dict[str, int]:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return {}
    return {"prompt_tokens": usage.prompt_tokens or 0, "completion_tokens": usage.completion_tokens or 0}


def _reply_text(completion: Any, settings: LLMSettings, structured: bool) -> str:
    choices = getattr(completion, "choices", None)
    if not choices:
        raise _Retryable("the response has no choices", FailureKind.malformed)
    content = choices[0].message.content
    if not content or not content.strip():
        refusal = getattr(choices[0].message, "refusal", None)
        raise _Retryable(f"the model refused: {refusal[:120]}" if refusal else "the reply is empty", FailureKind.empty)
    if structured and choices[0].finish_reason == "length":
        # The same request is cut at the same place again (at temperature 0 at least): say so instead of retrying.
        failure = _Permanent if settings.temperature == 0 else _Retryable
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
        raise _Retryable(
            f"the reply does not validate as {schema.__name__} ({where}: {first['msg']})", FailureKind.invalid
        ) from None


_TRANSIENT_STATUS = {408, 429, 502, 503, 504}


def _classify(exc: Exception, settings: LLMSettings) -> _Failure:
    """Turn an SDK, HTTP or parsing failure into _Retryable or _Permanent with a short explanation."""
    import openai

    if isinstance(exc, _Failure):
        return exc
    if isinstance(exc, (openai.APITimeoutError, TimeoutError)):
        return _Retryable(
            f"timed out after {settings.timeout:g} s; check the server's load or raise the timeout", FailureKind.timeout
        )
    if isinstance(exc, openai.APIConnectionError):
        return _Retryable(_connection_problem(exc), FailureKind.connection)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return _Permanent(
            f"authentication failed (HTTP {exc.status_code}); check the API key in ${settings.api_key_env}",
            FailureKind.auth,
        )
    if isinstance(exc, openai.NotFoundError):
        return _Permanent(
            f"model {settings.model!r} or the endpoint was not found (HTTP 404); check the model name "
            f"(GET {settings.endpoint}/models lists them) and that base_url ends in /v1",
            FailureKind.not_found,
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_failure(exc)
    if isinstance(exc, ValueError | openai.APIResponseValidationError):  # JSONDecodeError is a ValueError
        return _Retryable("the server sent a malformed response body (not chat-completion JSON)", FailureKind.malformed)
    return _Retryable(f"unexpected {type(exc).__name__}: {str(exc)[:160]}", FailureKind.malformed)


def _status_failure(exc: Any) -> _Failure:
    """An HTTP error status: retried only when it is transient (overload, gateway, rate limit) or unexplained."""
    status, says = exc.status_code, _server_says(exc)
    if status == 429:
        return _Retryable(f"rate limited (HTTP 429): {says}", FailureKind.rate_limit)
    if status in _TRANSIENT_STATUS:
        return _Retryable(f"server unavailable (HTTP {status}): {says}", FailureKind.unavailable)
    if status >= 500 and not _has_message(exc):
        return _Retryable(f"server error (HTTP {status}) without an explanation", FailureKind.server_error)
    if status >= 500:  # the server explained itself: the same request fails the same way again
        return _Permanent(f"server error (HTTP {status}): {says}", FailureKind.server_error)
    return _Permanent(f"request rejected (HTTP {status}): {says}", FailureKind.rejected)


def _connection_problem(exc: BaseException) -> str:
    chain, cause = [], exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(c) for c in chain).lower()
    if any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text:
        return "cannot connect (connection refused); check that the server is running and that base_url is right"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "cannot resolve the host; check base_url"
    return "the connection failed or was dropped before a response; check the server and base_url"


def _has_message(exc: Any) -> bool:
    body = getattr(exc, "body", None)
    return bool(body.get("message") if isinstance(body, dict) else body)


def _server_says(exc: Any) -> str:
    """What the server said about an error, on one line and at most 300 characters (secrets are scrubbed later)."""
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else body
    return " ".join(str(message or exc).split())[:300]


# ---------------------------------------------------------------------------------------------------- LLM roles
@cache
def _template(name: str) -> Template:
    return Template(resources.files("consultgym.agents").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8"))


def render_prompt(name: str, **values: object) -> str:
    """The prompt ``agents/prompts/<name>.md`` with its ``$placeholders`` filled (a missing value is an error)."""
    return _template(name).substitute({key: str(value) for key, value in values.items()}).strip()


class LLMParticipant(Participant):
    """Mixin for roles played by a chat model: not offline, usage counted per role instance, settings described."""

    backend: ChatBackend

    def connect(self, settings: LLMSettings, role: str) -> ChatBackend:
        """Build this role's backend; its usage accumulates into ``self.usage`` (a new object per update)."""
        self.backend = ChatBackend(settings, on_usage=self._count, role=role)
        return self.backend

    def _count(self, usage: Usage) -> None:
        # Replace, never mutate: the session finds a turn's usage by comparing objects before and after it.
        self.usage = self.usage.add(usage)

    @property
    def offline(self) -> bool:
        return False

    def describe(self) -> dict[str, object]:
        return {"kind": self.name, **self.backend.describe()}
