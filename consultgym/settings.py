"""Typed settings of the roles, the environment and a run, parsed once where they enter.

`gym.make` keyword arguments, `consultgym run` flags and run config files (YAML or JSON) all become an `EnvConfig` or
a `RunConfig` here; nothing below this module sees an untyped option. The same settings have two spellings:

- flat, as keyword arguments and flags: ``patient="llm", patient_model="gpt-4o-mini"`` (``--patient-model``);
- nested, as in config files: ``patient: {kind: llm, model: gpt-4o-mini}``.

An unknown or misplaced option raises `ConfigError` naming it, with the closest known name:

>>> EnvConfig(max_turn=3)
Traceback (most recent call last):
...
consultgym.errors.ConfigError: unknown option max_turn; did you mean max_turns?
>>> EnvConfig(patient_model="gpt-4o-mini").patient.kind  # a model for an offline patient is a mistake
Traceback (most recent call last):
...
consultgym.errors.ConfigError: patient_model is set, but patient='offline' uses no model; set patient='llm' or remove it
>>> EnvConfig(patient="llm", patient_model="gpt-4o-mini").patient.llm.model
'gpt-4o-mini'
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from consultgym.config import (
    DEFAULT_LIBRARY,
    DEFAULT_MAX_REVISIONS,
    DEFAULT_QUESTIONS_PER_TURN,
    MAX_CONCURRENCY,
    MAX_EPISODES,
    MAX_QUESTIONS_PER_TURN,
    MAX_REVISIONS,
    MAX_TURNS,
    MAX_WORKERS,
    LLMSettings,
    default_max_tokens,
)
from consultgym.errors import ConfigError
from consultgym.option_errors import OptionNames, explain
from consultgym.scenarios.schema import Scenario

S = TypeVar("S", bound="Settings")
EnvId = Literal["consultgym/Consultation-v0", "consultgym/HistoryTaking-v0"]
CONSULTATION_ID: EnvId = "consultgym/Consultation-v0"
HISTORY_TAKING_ID: EnvId = "consultgym/HistoryTaking-v0"
LLM_FIELDS: tuple[str, ...] = tuple(LLMSettings.model_fields)
_PARSING: ContextVar[bool] = ContextVar("consultgym_settings_parsing", default=False)


class Settings(BaseModel):
    """Base of every settings model: unknown keys are refused; `parse` raises `ConfigError` naming the option."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def parse(cls: type[S], data: Any, *, source: str = "", flags: Collection[str] | None = None) -> S:
        """Validate settings; errors name the option as the user wrote it.

        Args:
            data: flat or nested settings (a mapping), an instance (returned as it is), or for a role its kind.
            source: the config file they came from (errors then name it and the key path), or empty.
            flags: on the command line, the flat names given as flags (errors name options as ``--flag``, but those
                that came from `source`).
        """
        if isinstance(data, cls):
            return data
        token = _PARSING.set(True)
        try:
            return cls.model_validate(dict(data) if isinstance(data, Mapping) else data)
        except ValidationError as exc:
            raise config_error(exc, cls, source, flags) from None
        finally:
            _PARSING.reset(token)


# ------------------------------------------------------------------------------------------------------------ roles
class RoleConfig(Settings):
    """Which implementation plays a role, and how to reach its model when an LLM plays it.

    LLM settings may be given nested (``llm: {model: m}``) or beside ``kind`` (``model: m``); a plain string is the
    kind alone (``"offline"``).
    """

    role: ClassVar[str] = "role"
    llm_kinds: ClassVar[frozenset[str]] = frozenset({"llm"})

    kind: str
    llm: LLMSettings | None = Field(default=None, description="How to reach the model (LLM kinds only).")

    @model_validator(mode="before")
    @classmethod
    def _gather_llm_settings(cls, data: Any) -> Any:
        return gather_llm_settings(data, cls)

    @model_validator(mode="after")
    def _llm_settings_match_the_kind(self) -> RoleConfig:
        if self.uses_llm and self.llm is None:
            raise PydanticCustomError("llm_required", "a model is required", {"kind": self.kind, "field": "model"})
        if not self.uses_llm and self.llm is not None:
            given = "model" if "model" in self.llm.model_fields_set else min(self.llm.model_fields_set, default="model")
            context = {"kind": self.kind, "field": given, "want": sorted(self.llm_kinds)[0]}
            raise PydanticCustomError("llm_unused", "no model is used", context)
        return self

    @property
    def uses_llm(self) -> bool:
        """Whether this kind talks to a model."""
        return self.kind in self.llm_kinds

    def record(self) -> dict[str, Any]:
        """The flat settings written into run records: what the user set, and the token cap in force (the role's
        default when none was set, so a resume under another default is refused); never a key (none is held)."""
        if self.llm is None:
            return {}
        given = self.llm.model_dump(include=self.llm.model_fields_set - {"cache_dir"})
        if given.get("max_tokens") is None and default_max_tokens(self.role) is not None:
            given["max_tokens"] = default_max_tokens(self.role)
        return {f"{self.role}_{name}": value for name, value in given.items()}


class PatientConfig(RoleConfig):
    """The simulated patient: ``offline`` answers from the facts; ``llm`` has a chat model role-play them."""

    role: ClassVar[str] = "patient"
    kind: Literal["offline", "llm"] = Field(default="offline", description="offline or llm.")


class GuardianConfig(RoleConfig):
    """The guardian: ``offline`` claim checks, ``llm``, ``tiered`` (offline first, then the model), or ``off``."""

    role: ClassVar[str] = "guardian"
    llm_kinds: ClassVar[frozenset[str]] = frozenset({"llm", "tiered"})
    kind: Literal["offline", "llm", "tiered", "off"] = Field(default="offline", description="offline|llm|tiered|off.")

    @model_validator(mode="before")
    @classmethod
    def _yaml_off(cls, data: Any) -> Any:
        return "off" if data is False else data  # YAML reads a bare `guardian: off` as false


class JudgeConfig(RoleConfig):
    """The judge: ``offline`` rubric matching, ``llm`` (one structured call), or ``panel`` (several judges voting).

    A panel's members are ``models`` (``"offline"`` names the offline judge); the LLM settings are shared by its model
    members, so ``model`` is not needed for a panel.
    """

    role: ClassVar[str] = "judge"
    kind: Literal["offline", "llm", "panel"] = Field(default="offline", description="offline, llm or panel.")
    models: list[str] = Field(default_factory=list, description="Panel members, e.g. 'gpt-4o-mini,llama3,offline'.")
    vote: Literal["majority", "unanimous", "any"] = Field(default="majority", description="How a panel decides.")

    @field_validator("models", mode="before")
    @classmethod
    def _split_models(cls, value: Any) -> Any:
        return split_names(value)

    @model_validator(mode="before")
    @classmethod
    def _panel_members_share_settings(cls, data: Any) -> Any:
        data = gather_llm_settings(data, cls)
        if not isinstance(data, dict) or data.get("kind") != "panel":
            return data
        models = split_names(data.get("models") or [])
        llm = data.get("llm")
        llm = llm.model_dump(exclude_unset=True) if isinstance(llm, LLMSettings) else dict(llm or {})
        if not models and llm.get("model"):
            models = [llm["model"]]  # judge_model alone makes a panel of one
        remote = [name for name in models if name != "offline"]
        if remote:
            llm.setdefault("model", remote[0])  # each member gets its own model; the rest is shared
        return {**data, "models": models, **({"llm": llm} if llm else {})}

    @model_validator(mode="after")
    def _panel_has_members(self) -> JudgeConfig:
        if self.kind == "panel" and not self.models:
            raise PydanticCustomError("panel_empty", "a panel needs members", {"kind": self.kind, "field": "models"})
        if self.kind != "panel" and self.models:
            raise PydanticCustomError(
                "llm_unused", "models is for a panel", {"kind": self.kind, "field": "models", "want": "panel"}
            )
        return self

    @property
    def uses_llm(self) -> bool:
        if self.kind == "panel":
            return any(name != "offline" for name in self.models)
        return self.kind == "llm"

    def member_settings(self) -> list[LLMSettings | None]:
        """One entry per panel member: its LLM settings, or None for the offline judge."""
        return [
            None if name == "offline" or self.llm is None else self.llm.model_copy(update={"model": name})
            for name in self.models
        ]

    def record(self) -> dict[str, Any]:
        flat = super().record()
        if self.kind == "panel":
            flat.pop("judge_model", None)
            flat |= {"judge_models": ",".join(self.models), "judge_vote": self.vote}
        return flat


class DoctorConfig(RoleConfig):
    """The doctor of a run: ``systematic`` (the baseline: a generic history, no knowledge of any case), ``knowledge``
    (a condensed history and the DDXPlus knowledge graph's questions), or ``llm``."""

    role: ClassVar[str] = "doctor"
    kind: Literal["systematic", "knowledge", "llm"] = Field(
        default="systematic", description="systematic|knowledge|llm."
    )


# -------------------------------------------------------------------------------------------------- env and run
class EnvConfig(Settings):
    """Everything that defines a consultation environment: what `gym.make` and the session builder take.

    Constructing it raises `ConfigError` (not pydantic's ValidationError) naming the first bad option.

    Example:
        >>> config = EnvConfig(scenarios="starter", guardian="off", max_turns=6)
        >>> config.scenarios, config.guardian.kind, config.max_turns
        (['starter'], 'off', 6)
    """

    roles: ClassVar[tuple[str, ...]] = ("patient", "guardian", "judge")

    def __init__(self, **data: Any) -> None:
        # Only the top-level settings convert errors here (pydantic calls an overridden __init__ for nested models
        # too, which would lose the path to the role at fault), and not under `parse`, which names flags and files.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            if _PARSING.get():
                raise
            raise config_error(exc, type(self)) from None

    scenarios: list[str] | list[Scenario] = Field(
        default_factory=lambda: [DEFAULT_LIBRARY],
        description="Library names ('starter', 'all' ...), folders or files; in Python also Scenario objects.",
    )
    patient: PatientConfig = Field(default_factory=PatientConfig, description="offline or llm.")
    guardian: GuardianConfig = Field(default_factory=GuardianConfig, description="offline, llm, tiered or off.")
    judge: JudgeConfig = Field(default_factory=JudgeConfig, description="offline, llm or panel.")
    diagnosis: bool = Field(default=True, description="Reward the diagnosis too (False: history taking only).")
    max_turns: int | None = Field(
        default=None, ge=1, le=MAX_TURNS, description="Turn limit of every episode (default: each scenario's, 12)."
    )
    max_revisions: int = Field(
        default=DEFAULT_MAX_REVISIONS, ge=0, le=MAX_REVISIONS, description="Guardian-driven revisions per reply."
    )
    questions_per_turn: int = Field(
        default=DEFAULT_QUESTIONS_PER_TURN,
        ge=1,
        le=MAX_QUESTIONS_PER_TURN,
        description="Questions answered and credited per doctor turn.",
    )
    partial_credit: bool = Field(
        default=True,
        description="An episode cut short (turn limit, trainer budget) earns its coverage reward; False: 0.0.",
    )
    loop: Literal["direct", "graph"] = Field(
        default="direct",
        description="How each patient turn is driven: a plain loop, or the same nodes as a LangGraph graph "
        "(identical transcripts; the graph streams node events and can be drawn with `consultgym graph`).",
    )

    @model_validator(mode="before")
    @classmethod
    def _nest_role_options(cls, data: Any) -> Any:
        return nest_roles(data, cls) if isinstance(data, dict) else data

    @field_validator("scenarios", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str | Path | Scenario):
            value = [value]
        if isinstance(value, list | tuple):
            value = [str(v) if isinstance(v, Path) else v for v in value]
            if not value:
                raise PydanticCustomError("empty", "give at least one library name, folder or file", {})
        return value

    def record(self) -> dict[str, Any]:
        """The settings written into run records and manifests (flat, never a key)."""
        flat: dict[str, Any] = {role: getattr(self, role).kind for role in self.roles}
        flat |= {"max_turns": self.max_turns, "max_revisions": self.max_revisions}
        flat["questions_per_turn"] = self.questions_per_turn
        if not self.partial_credit:  # recorded only when changed, so older run files still resume
            flat["partial_credit"] = False
        for role in self.roles:
            flat |= getattr(self, role).record()
        return flat

    def llm_roles(self) -> dict[str, LLMSettings]:
        """The LLM settings of every role played by a model (a panel's members each under ``judge:<model>``)."""
        found: dict[str, LLMSettings] = {}
        for role in self.roles:
            config: RoleConfig = getattr(self, role)
            if isinstance(config, JudgeConfig) and config.kind == "panel":
                for name, member in zip(config.models, config.member_settings(), strict=True):
                    if member is not None:
                        found[f"judge:{name}"] = member
            elif config.llm is not None:
                found[role] = config.llm
        return found


class RunConfig(EnvConfig):
    """Everything that defines a batch run (`consultgym run`): the env's settings, the doctor, and the plan.

    ``env`` decides whether the diagnosis is rewarded; ``diagnosis`` is not set directly for a run.

    Example:
        >>> config = RunConfig(out="runs/x.jsonl", episodes=4, concurrency=2, doctor="knowledge")
        >>> config.out.name, config.doctor.kind, config.record()["doctor"]
        ('x.jsonl', 'knowledge', 'knowledge')
    """

    roles: ClassVar[tuple[str, ...]] = ("doctor", "patient", "guardian", "judge")

    out: Path = Field(description="Run file (JSONL); rerunning with the same file resumes.")
    episodes: int | None = Field(
        default=None, ge=1, le=MAX_EPISODES, description="Episodes in total (default: one per scenario)."
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Seed of the plan; episode i gets seed + i.")
    concurrency: int = Field(default=1, ge=1, le=MAX_CONCURRENCY, description="Episodes in flight at once.")
    env: EnvId = Field(
        default="consultgym/Consultation-v0", description="Consultation-v0 or HistoryTaking-v0 (coverage only)."
    )
    doctor: DoctorConfig = Field(default_factory=DoctorConfig, description="systematic, knowledge or llm.")
    progress: bool = Field(default=True, description="Show a progress bar.")
    ray: str | None = Field(
        default=None,
        min_length=1,
        description="Play episodes on Ray actors: 'local', or a cluster address ('auto', 'ray://host:10001').",
        json_schema_extra={"cli": {"nargs": "?", "const": "local", "metavar": "ADDRESS"}},
    )
    ray_actors: int = Field(default=2, ge=1, le=MAX_CONCURRENCY, description="Ray actors (processes) playing episodes.")
    workers: int = Field(
        default=1,
        ge=1,
        le=MAX_WORKERS,
        description="Processes playing episodes on this machine, each with its own event loop and HTTP connections; "
        "--concurrency is shared among them (the consultgym command uses every core unless told).",
    )

    @model_validator(mode="before")
    @classmethod
    def _diagnosis_follows_env(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        env = data.get("env", CONSULTATION_ID)
        expected = env != HISTORY_TAKING_ID
        if "diagnosis" in data and data["diagnosis"] != expected:
            context = {"kind": env, "field": "diagnosis", "want": HISTORY_TAKING_ID}
            raise PydanticCustomError("diagnosis_by_env", "set by env", context)
        return {**data, "diagnosis": expected}

    @field_validator("out", mode="before")
    @classmethod
    def _a_file_path(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticCustomError("empty", "give a file path, e.g. runs/base.jsonl", {})
        path = Path(value) if isinstance(value, str | Path) else value
        if isinstance(path, Path) and path.exists() and not path.is_file():
            what = "a folder" if path.is_dir() else "not a regular file"
            raise PydanticCustomError("not_a_file", f"{what}; give a path for a new or existing .jsonl file", {})
        return path

    @property
    def env_id(self) -> str:
        return self.env


# ------------------------------------------------------------------------------------------------------- helpers
def _role_fields(model: type[BaseModel]) -> list[str]:
    return [
        name
        for name, field in model.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, RoleConfig)
    ]


def _role_of(key: str, model: type[BaseModel]) -> str | None:
    """The role a flat key belongs to ('patient_model' -> 'patient'), None for the model's own fields."""
    if key in model.model_fields:
        return None
    return next((role for role in _role_fields(model) if key.startswith(role + "_")), None)


def gather_llm_settings(data: Any, model: type[RoleConfig]) -> Any:
    """A role's settings with the LLM ones gathered under ``llm`` (``model: m`` beside ``kind`` -> ``llm: {model: m}``).

    A plain string is the kind alone (``"offline"``).
    """
    if isinstance(data, str):
        return {"kind": data}
    if not isinstance(data, dict):
        return data
    beside = {key: data[key] for key in data if key in LLM_FIELDS and key not in model.model_fields}
    if not beside:
        return data
    nested = data.get("llm")
    if isinstance(nested, LLMSettings):
        nested = nested.model_dump(exclude_unset=True)
    rest = {key: value for key, value in data.items() if key not in beside}
    rest["llm"] = {**(nested if isinstance(nested, dict) else {}), **beside}
    return rest


def split_names(value: Any) -> Any:
    """'a, b,offline' -> ['a', 'b', 'offline']; anything else as it is."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return value


def nest_roles(data: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Fold flat ``<role>_<option>`` keys into their role: patient_model=m -> patient={..., model: m}."""
    nested = {key: value for key, value in data.items() if _role_of(key, model) is None}
    for key, value in data.items():
        role = _role_of(key, model)
        if role is not None:
            nested[role] = {**_as_mapping(nested.get(role, {})), key[len(role) + 1 :]: value}
    return nested


def _as_mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"kind": value}
    if isinstance(value, RoleConfig):
        return value.model_dump(exclude_unset=True)
    return dict(value) if isinstance(value, Mapping) else {"kind": value}


def option_names(model: type[BaseModel]) -> list[str]:
    """Every flat option name a settings model accepts, in declaration order (for did-you-mean and the CLI)."""
    names = []
    for name, field in model.model_fields.items():
        names.append(name)
        if name in _role_fields(model):
            role_model = field.annotation
            assert isinstance(role_model, type) and issubclass(role_model, RoleConfig)
            own = [f for f in role_model.model_fields if f not in ("kind", "llm")]
            names += [f"{name}_{option}" for option in (*LLM_FIELDS, *own)]
    return names


def load_settings_file(path: str | Path) -> dict[str, Any]:
    """Read a run config file (YAML or JSON: the same keys as the flags, flat or nested by role).

    Raises:
        ConfigError: the file is missing, not a regular file, too large, not YAML/JSON, has a duplicate key, or is
            not a mapping.
    """
    from consultgym.files import MAX_CONFIG_BYTES, load_yaml_bytes, read_capped

    raw = read_capped(Path(path), MAX_CONFIG_BYTES, "config file", ConfigError)
    data = load_yaml_bytes(raw, str(path), ConfigError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file holds a mapping of settings (key: value), got {type(data).__name__}")
    return data


def config_error(
    exc: ValidationError, model: type[BaseModel], source: str = "", flags: Collection[str] | None = None
) -> ConfigError:
    """`ConfigError` with one line naming the first bad option as the user wrote it (see `consultgym.option_errors`)."""
    names = OptionNames(option_names(model), _role_fields(model), list(model.model_fields))
    return ConfigError(explain(exc.errors(include_url=False)[0], names, source, flags))
