"""One-line messages for settings that fail validation, spelled as the user wrote them.

The same option is ``patient_model`` to `gym.make`, ``--patient-model`` on the command line and ``patient.model`` in
a config file (whose name then leads the message). A pydantic error becomes one line naming the option, the value
(clipped, and never an API key's), what is wrong and, for an unknown option, the closest known name.

>>> names = OptionNames(known=["max_turns", "patient", "patient_model"], roles=["patient"], fields=["max_turns"])
>>> explain({"type": "extra_forbidden", "loc": ("max_turn",), "msg": "", "input": 3}, names)
'unknown option max_turn; did you mean max_turns?'
>>> explain({"type": "greater_than_equal", "loc": ("max_turns",), "msg": "Input should be greater than or equal to 1",
...          "input": 0}, names, flags={"max_turns"})
'--max-turns=0: Input should be greater than or equal to 1'
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
# Error types the settings' own validators raise (their context names the role's kind and the option at fault).
ROLE_ERRORS = frozenset({"llm_required", "llm_unused", "panel_empty", "diagnosis_by_env"})


@dataclass(frozen=True)
class OptionNames:
    """What a settings model accepts: every flat option name, the role fields, and its own fields."""

    known: Sequence[str]
    roles: Sequence[str]
    fields: Sequence[str]


def explain(
    error: Mapping[str, Any], names: OptionNames, source: str = "", flags: Collection[str] | None = None
) -> str:
    """The one-line message for one pydantic error.

    Args:
        error: one entry of `ValidationError.errors()`.
        names: what the model accepts, for did-you-mean.
        source: the config file the settings came from; empty for keyword arguments and flags.
        flags: on the command line, the flat names given as flags (None elsewhere).
    """
    parts = [str(p) for p in error["loc"] if p != "llm" and "[" not in str(p)]
    if parts[1:2] == ["kind"]:  # a role's kind is spelled as the role: guardian='bogus'
        parts = parts[:1]
    ctx = error.get("ctx") or {}
    if error["type"] in ROLE_ERRORS:
        parts = [*parts, str(ctx["field"])]
    namer = _Namer(source, flags)
    name = namer(parts)
    where = f"{source}: " if source and not name.startswith("--") else ""
    return where + _message(error, parts, name, namer, names)


class _Namer:
    """Spells an option as it was given: a flag (--max-turns), a config file key (patient.model), or a kwarg."""

    def __init__(self, source: str, flags: Collection[str] | None) -> None:
        self.source, self.cli, self.flags = source, flags is not None, set(flags or ())

    def __call__(self, parts: Sequence[str]) -> str:
        flat = "_".join(p for p in parts if not p.isdigit())
        if flat in self.flags or (self.cli and not self.source):
            return "--" + flat.replace("_", "-")
        return ".".join(parts) if self.source else flat


def _message(error: Mapping[str, Any], parts: list[str], name: str, namer: _Namer, names: OptionNames) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    role = namer(parts[:1])
    if kind == "extra_forbidden":
        return f"unknown option {name}" + _did_you_mean(parts, namer, names)
    if kind == "llm_required":
        return f"{name} is required for {role}={ctx['kind']!r} (the model's name, e.g. gpt-4o-mini)"
    if kind == "llm_unused":
        return f"{name} is set, but {role}={ctx['kind']!r} uses no model; set {role}={ctx['want']!r} or remove it"
    if kind == "panel_empty":
        return f"{name} is required for {role}='panel', e.g. gpt-4o-mini,llama3,offline"
    if kind == "diagnosis_by_env":
        return f"{name} is set by env for a run; use env={ctx['want']} for history taking only"
    if kind == "missing":
        return f"{name} is required" + (" (the model's name, e.g. gpt-4o-mini)" if parts[-1:] == ["model"] else "")
    if parts[-1:] == ["api_key_env"]:  # never echo it: it may be the key itself
        return f"{name} must be the name of an environment variable (e.g. OPENAI_API_KEY), not the key"
    if kind == "literal_error":
        return f"{name}={_REPR.repr(error.get('input'))} is not one of {ctx.get('expected', '')}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}={_REPR.repr(error.get('input'))}: {message}"


def _did_you_mean(parts: list[str], namer: _Namer, names: OptionNames) -> str:
    flat = "_".join(parts)
    hint = ""
    if "key" in flat and "api_key_env" not in flat:
        hint = " (a key is never passed as a setting: name the environment variable that holds it)"
    match = difflib.get_close_matches(flat, names.known, n=1, cutoff=0.6)
    if not match:
        return hint or f"; options: {', '.join(names.fields)}"
    role = next((r for r in names.roles if match[0].startswith(r + "_") and match[0] not in names.fields), None)
    spelled = namer([role, match[0][len(role) + 1 :]] if role else [match[0]])
    return f"; did you mean {spelled}?{hint}"
