"""Defaults in one place. Every tunable number of the environment, the patient and the judge lives here."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from consultgym.errors import ConfigError

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

# The tiered guardian skips the LLM call when the offline check passes and at least this share of the reply's content
# words come from the scenario or the question (see agents.guardian.grounded_share).
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

# Runs and reports
DEFAULT_LIBRARY: Final = "starter"
DEFAULT_BOOTSTRAP_SAMPLES: Final = 2_000
RECORD_SCHEMA_VERSION: Final = 1


def default_cache_dir() -> str:
    """Where LLM responses are cached unless ``<role>_cache_dir`` says otherwise (XDG cache home)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(root) / "consultgym" / "responses")


CacheMode = Literal["off", "read", "write", "readwrite"]

# Option names that hold a secret: API keys, authorization headers, bearer and access tokens, passwords, credentials.
# Precise on purpose: 'max_tokens' and 'api_key_env' (the *name* of a variable) are settings, and are recorded.
_SECRET_NAME = re.compile(
    r"api_?key(?!_env$)|(?:^|_)key$|authori[sz]ation|bearer|passw(?:or)?d|secret|credential|(?:^|_)(?:access_|auth_)?token$",
    re.IGNORECASE,
)


def is_secret_option(name: str) -> bool:
    """Whether an option's value is a secret that must never be written (by its name).

    >>> [is_secret_option(n) for n in ("patient_api_key", "judge_max_tokens", "patient_api_key_env", "hf_token")]
    [True, False, False, True]
    """
    return bool(_SECRET_NAME.search(name))


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

    @classmethod
    def from_options(cls, role: str, **options: Any) -> LLMSettings:
        """Validate a role's options, raising ConfigError that names the ``<role>_<option>`` at fault.

        ``max_tokens`` defaults to the role's cap in DEFAULT_MAX_TOKENS.
        """
        if options.get("max_tokens") is None and role in DEFAULT_MAX_TOKENS:
            options = {**options, "max_tokens": DEFAULT_MAX_TOKENS[role]}
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            option = f"{role}_{first['loc'][0]}" if first["loc"] else role
            if first["type"] == "missing":
                raise ConfigError(f"{option} is required for an LLM {role} (e.g. {option}=gpt-4o-mini)") from None
            if first["type"] == "extra_forbidden":
                known = ", ".join(f"{role}_{name}" for name in cls.model_fields)
                raise ConfigError(f"unknown option {option}; the {role} accepts {known}") from None
            if first["loc"] and first["loc"][0] == "api_key_env":  # never echo it: it may be the key itself
                raise ConfigError(
                    f"{option} must be the name of an environment variable (e.g. OPENAI_API_KEY), not the key"
                ) from None
            raise ConfigError(f"{option}={first.get('input')!r}: {first['msg']}") from None

    @property
    def endpoint(self) -> str:
        """The base_url as requests go to it: the setting, else $OPENAI_BASE_URL, else OpenAI's API."""
        return (self.base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL).rstrip("/")

    def describe(self) -> dict[str, Any]:
        """What run records keep: everything but the cache folder (and never a key, which is not held here)."""
        return self.model_dump(exclude={"cache_dir"})
