"""Why an LLM call failed, whether another attempt can fix it, and how to say so without leaking a secret.

`classify` turns a transport, HTTP or parsing failure into `Retryable` (timeouts, refused or dropped connections, HTTP
429, 502, 503, 504, a 500 without an explanation, a malformed body, an invalid structured reply) or `Permanent`
(bad key, unknown model, a request the server refuses with a reason: 4xx, or a 500 with an error message, as
llama.cpp answers a schema it cannot compile). Each carries a `FailureKind`, the class `Usage.failures` counts and
`consultgym report` prints. The server's own words are kept; `scrub_secrets` removes credentials from them.
"""

from __future__ import annotations

import re
from enum import StrEnum

from consultgym.agents.chat_client import ChatHTTPError, ChatTransportError, MalformedResponse
from consultgym.config import LLMSettings


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


class Failure(Exception):
    """A failed call, with its kind."""

    def __init__(self, message: str, kind: FailureKind) -> None:
        super().__init__(message)
        self.kind = kind


class Permanent(Failure):
    """A failure no retry can fix (bad key, unknown model, a request the server rejects with a reason)."""


class Retryable(Failure):
    """A failure worth another attempt (timeout, dropped connection, 429, 502-504, malformed or invalid reply)."""


# What a server or proxy may echo: the Authorization header, or a key in OpenAI's or a similar format. A token ends at
# a quote, comma or bracket, so that scrubbing a JSON reply leaves it JSON.
_SECRET_TEXT = re.compile(
    r"(?i:authorization:?\s*(?:bearer\s+)?|bearer\s+|api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;)\]}]{4,}"
    r"|\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}"
)
_FRAGMENT = 8  # a run this long of the key's characters counts as the key (a truncated echo)


def scrub_secrets(text: str, key: str = "") -> str:
    """`text` with the given API key, any run of 8 or more of its characters, and anything that looks like a
    credential replaced by ``***``: the rule for error bodies and for every model reply.

    >>> scrub_secrets("401: bad header Authorization: Bearer sk-abc123456789 for key sk-abc123456789")
    '401: bad header *** for key ***'
    >>> scrub_secrets("Debug header Bearer sk-abc123def456 ok", "sk-abc123def456")
    'Debug header Bearer *** ok'
    >>> scrub_secrets("proxy saw key=23def456xyz", "sk-abc123def456xyz")
    'proxy saw key=***'
    """
    if len(key) >= 4:
        text = _scrub_fragments(text.replace(key, "***"), key)
    return _SECRET_TEXT.sub("***", text)


def _scrub_fragments(text: str, key: str) -> str:
    for i in range(len(key) - _FRAGMENT + 1):
        found = text.find(key[i : i + _FRAGMENT])
        while found >= 0:
            end, offset = found + _FRAGMENT, i + _FRAGMENT  # grow the match as far as it follows the key
            while end < len(text) and offset < len(key) and text[end] == key[offset]:
                end, offset = end + 1, offset + 1
            text = text[:found] + "***" + text[end:]
            found = text.find(key[i : i + _FRAGMENT])
    return text


_TRANSIENT_STATUS = {408, 429, 502, 503, 504}


def classify(exc: Exception, settings: LLMSettings) -> Failure:
    """Turn an HTTP, transport or parsing failure into Retryable or Permanent with a short explanation."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, TimeoutError):
        return Retryable(
            f"timed out after {settings.timeout:g} s; check the server's load or raise the timeout", FailureKind.timeout
        )
    if isinstance(exc, ChatTransportError):
        return Retryable(str(exc), FailureKind.connection)
    if isinstance(exc, ChatHTTPError):
        return _status_failure(exc, settings)
    if isinstance(exc, MalformedResponse):
        return Retryable(str(exc), FailureKind.malformed)
    return Retryable(f"unexpected {type(exc).__name__}: {str(exc)[:160]}", FailureKind.malformed)


def _status_failure(exc: ChatHTTPError, settings: LLMSettings) -> Failure:
    """An HTTP error status: retried only when it is transient (overload, gateway, rate limit) or unexplained."""
    status, says = exc.status, _server_says(exc.message)
    if status in (401, 403):
        return Permanent(
            f"authentication failed (HTTP {status}); check the API key in ${settings.api_key_env}", FailureKind.auth
        )
    if status == 404:
        return Permanent(
            f"model {settings.model!r} or the endpoint was not found (HTTP 404); check the model name "
            f"(GET {settings.endpoint}/models lists them) and that base_url ends in /v1",
            FailureKind.not_found,
        )
    if status == 429:
        return Retryable(f"rate limited (HTTP 429): {says}", FailureKind.rate_limit)
    if status in _TRANSIENT_STATUS:
        return Retryable(f"server unavailable (HTTP {status}): {says}", FailureKind.unavailable)
    if status >= 500 and not exc.explained:
        return Retryable(f"server error (HTTP {status}) without an explanation", FailureKind.server_error)
    if status >= 500:  # the server explained itself: the same request fails the same way again
        return Permanent(f"server error (HTTP {status}): {says}", FailureKind.server_error)
    return Permanent(f"request rejected (HTTP {status}): {says}", FailureKind.rejected)


def _server_says(message: str) -> str:
    """What the server said about an error, on one line and at most 300 characters (secrets are scrubbed later)."""
    return " ".join(message.split())[:300]
