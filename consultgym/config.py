"""Defaults in one place. Every tunable number of the environment, the patient and the judge lives here."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Episode
DEFAULT_MAX_TURNS: Final = 12  # MedDialogRubrics uses 12-turn dialogues
DEFAULT_QUESTIONS_PER_TURN: Final = 3  # judge credit and patient answers stop after this many questions in one turn
MAX_ACTION_CHARS: Final = 4_000  # longer doctor turns are truncated (recorded in info["action_truncated"])
MAX_OBSERVATION_CHARS: Final = 20_000  # upper bound of the observation text space

# Reward of Consultation-v0: weighted coverage and diagnosis; HistoryTaking-v0 uses coverage only.
DEFAULT_COVERAGE_WEIGHT: Final = 0.7
DEFAULT_DIAGNOSIS_WEIGHT: Final = 0.3

# Rubric priorities and their weights
PRIORITY_WEIGHTS: Final = {"critical": 3.0, "important": 2.0, "routine": 1.0}

# Patient-turn loop
DEFAULT_MAX_REVISIONS: Final = 2

# Upper bounds of the settings: beyond them a value is a typo, and accepting it would only waste time or memory.
MAX_TURNS: Final = 100  # as Scenario.max_turns
MAX_REVISIONS: Final = 10
MAX_QUESTIONS_PER_TURN: Final = 20
MAX_EPISODES: Final = 10_000_000
MAX_CONCURRENCY: Final = 10_000
MAX_WORKERS: Final = 256  # worker processes of one run on one machine

# The tiered guardian asks its model about a reply the offline check passed when less than this share of the reply's
# content words come from the scenario (never the doctor's question; see agents.guardian.escalation).
TIERED_GROUNDED_SHARE: Final = 0.8

# LLM backends
DEFAULT_API_KEY_ENV: Final = "OPENAI_API_KEY"
DEFAULT_TIMEOUT_S: Final = 60.0
DEFAULT_MAX_RETRIES: Final = 3
# Reply token caps by role, used when <role>_max_tokens is not given. Without one a looping local model runs to the end
# of its context (a 244 s patient turn was measured). A structured role's cap sits above what its length-bounded schema
# allows in practice, so the JSON closes first; the drafter writes whole fact lists.
DEFAULT_MAX_TOKENS: Final = {"patient": 200, "doctor": 300, "guardian": 1_024, "judge": 2_048, "drafter": 8_192}

DEFAULT_TEMPERATURE: Final = 0.0
DEFAULT_BACKOFF_S: Final = 0.5  # first retry waits this long, then doubles (capped at MAX_BACKOFF_S)
MAX_BACKOFF_S: Final = 8.0
LOCAL_API_KEY: Final = "not-needed"  # sent to a custom base_url when the key variable is unset (vLLM, Ollama)
OPENAI_BASE_URL: Final = "https://api.openai.com/v1"
# Open connections of one process's pooled HTTP client; calls beyond it wait for a free connection.
MAX_CONNECTIONS_PER_PROCESS: Final = 1024

# Runs and reports
DEFAULT_LIBRARY: Final = "starter"
DEFAULT_BOOTSTRAP_SAMPLES: Final = 2_000
RECORD_SCHEMA_VERSION: Final = 1


def default_max_tokens(role: str) -> int | None:
    """The reply token cap of `role` when its settings give none (None for a role without a default)."""
    return DEFAULT_MAX_TOKENS.get(role)


def default_cache_dir() -> str:
    """Where LLM responses are cached unless ``<role>_cache_dir`` says otherwise (XDG cache home)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(root) / "consultgym" / "responses")


CacheMode = Literal["off", "read", "write", "readwrite"]


class LLMSettings(BaseModel):
    """How one LLM role reaches its model: the ``<role>_*`` options of `gym.make` and the CLI, prefix removed.

    Never holds the API key itself, only the name of the environment variable that does, so settings can be written
    into run records as they are.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1, description="Model name as the server knows it, e.g. 'gpt-4o-mini'.")
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint; None means $OPENAI_BASE_URL, else OpenAI's API."
    )
    api_key_env: str = Field(
        default=DEFAULT_API_KEY_ENV,
        # A variable name, never the key: a key pasted here would be written into every run record.
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding the API key (its name, e.g. OPENAI_API_KEY).",
    )
    temperature: float = Field(default=DEFAULT_TEMPERATURE, ge=0, le=2, description="Sampling temperature.")
    seed: int | None = Field(default=None, description="Sampling seed sent with every request, when given.")
    max_tokens: int | None = Field(default=None, gt=0, description="Upper bound on reply tokens, when given.")
    timeout: float = Field(default=DEFAULT_TIMEOUT_S, gt=0, description="Seconds one attempt may take.")
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, ge=0, le=20, description="Retries after a failed attempt.")
    backoff: float = Field(default=DEFAULT_BACKOFF_S, ge=0, description="Seconds before the first retry (doubles).")
    cache: CacheMode = Field(default="off", description="Response cache: off, read, write or readwrite.")
    cache_dir: str = Field(default_factory=default_cache_dir, description="Folder of the response cache.")

    @field_validator("base_url")
    @classmethod
    def _an_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_base_url(value)
        return value

    @property
    def endpoint(self) -> str:
        """The base_url as requests go to it: the setting, else $OPENAI_BASE_URL, else OpenAI's API."""
        return (self.base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL).rstrip("/")

    def describe(self) -> dict[str, Any]:
        """What run records keep: everything but the cache folder (and never a key, which is not held here)."""
        return self.model_dump(exclude={"cache_dir"})


def check_base_url(url: str) -> None:
    """Refuse what cannot be an OpenAI-compatible endpoint, so a typo fails now and not after a run's retries.

    Raises:
        ValueError: not an http(s) URL with a host (and a valid port), holds whitespace or credentials.
    """
    example = "e.g. http://localhost:8000/v1"
    if url != url.strip() or any(c.isspace() for c in url):
        raise ValueError(f"a URL holds no spaces; {example}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host; {example}")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ValueError(f"the port is not a number from 0 to 65535; {example}") from None
    if parts.username or parts.password:  # they would be written into every run record
        raise ValueError("credentials do not belong in the URL; put the key in the variable named by api_key_env")
    if parts.fragment:
        raise ValueError(f"a URL with a #fragment is not an endpoint; {example}")
