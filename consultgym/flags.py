"""Command-line flags generated from the settings models, so the CLI and Python accept the same settings.

`add_settings_arguments(parser, RunConfig)` adds one flag per field (``--max-turns``), a ``--<role>`` choice per role,
and ``--<role>-<option>`` per LLM setting (``--patient-base-url``). Every flag's default is SUPPRESS, so the parsed
namespace holds only what was typed: a config file's value is overridden only by a flag actually given, and errors can
name the flag. The help text shows each default, taken from the model.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from consultgym.config import LLMSettings
from consultgym.settings import RoleConfig, Settings, load_settings_file, nest_roles, option_names


def add_settings_arguments(parser: argparse.ArgumentParser, model: type[Settings], skip: Collection[str] = ()) -> None:
    """Add a flag for every field of `model` (roles with their LLM settings in a group each)."""
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, RoleConfig):
            add_role_arguments(parser, annotation, name, field)
        else:
            parser.add_argument(_flag(name), **_argument(field, name))


def add_role_arguments(
    parser: argparse.ArgumentParser, role_model: type[RoleConfig], role: str, field: FieldInfo | None = None
) -> None:
    """``--<role>`` (the kind, when `field` is given) and ``--<role>-<option>`` for its LLM and own settings."""
    if field is not None:
        kind = role_model.model_fields["kind"]
        default = kind.get_default(call_default_factory=True)
        parser.add_argument(
            _flag(role),
            choices=_choices(kind.annotation),
            default=argparse.SUPPRESS,
            help=f"{field.description} (default: {default})",
        )
    group = parser.add_argument_group(f"{role} LLM", f"Settings of the model playing the {role} (LLM kinds only).")
    for name, option in role_model.model_fields.items():
        if name not in ("kind", "llm"):
            group.add_argument(_flag(f"{role}_{name}"), **_argument(option, f"{role}_{name}", joined=True))
    add_llm_arguments(group, f"{role}_")


def add_llm_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup, prefix: str = "") -> None:
    """``--<prefix><option>`` for every `LLMSettings` field (``--model``, ``--base-url`` ... without a prefix)."""
    for name, field in LLMSettings.model_fields.items():
        parser.add_argument(_flag(prefix + name), **_argument(field, prefix + name))


def given_settings(namespace: argparse.Namespace, model: type[BaseModel]) -> dict[str, Any]:
    """The flat settings typed on the command line (flags not given are absent: their defaults are SUPPRESS)."""
    known = set(option_names(model))
    return {key: value for key, value in vars(namespace).items() if key in known}


def settings_from(model: type[Settings], config_file: str | None, flags: Mapping[str, Any]) -> Any:
    """Settings from a config file (YAML or JSON, flat or nested) with the typed flags on top, validated once.

    Raises:
        ConfigError: naming the file and key, or the flag, at fault.
    """
    base = nest_roles(load_settings_file(config_file), model) if config_file else {}
    merged = dict(base)
    for key, value in nest_roles(dict(flags), model).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        elif isinstance(value, dict) and isinstance(base.get(key), str):
            merged[key] = {"kind": base[key], **value}
        else:
            merged[key] = value
    return model.parse(merged, source=config_file or "", flags=flags.keys())


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _argument(field: FieldInfo, name: str, joined: bool = False) -> dict[str, Any]:
    """argparse keyword arguments for one field: type, choices, nargs, and help with the default."""
    annotation = _without_none(field.annotation)
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "dest": name}
    if annotation is bool:
        kwargs["action"] = argparse.BooleanOptionalAction
    elif _choices(annotation):
        kwargs["choices"] = _choices(annotation)
    elif typing.get_origin(annotation) is list or _is_union_of_lists(annotation):
        if not joined:  # a panel's models come as one comma-separated value
            kwargs["nargs"] = "+"
    elif annotation in (int, float):
        kwargs["type"] = annotation
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    kwargs |= dict(extra.get("cli", {}))  # type: ignore[call-overload]
    kwargs["help"] = f"{field.description or ''} {_default_text(field)}".strip()
    return kwargs


def _default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "(required)"
    default = field.get_default(call_default_factory=True)
    if isinstance(default, list):
        default = " ".join(map(str, default)) or "none"
    if isinstance(default, Path):
        default = str(default)
    return f"(default: {default})".replace("%", "%%")


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _is_union_of_lists(annotation: Any) -> bool:
    args = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()
    return bool(args) and all(typing.get_origin(a) is list for a in args)


def _choices(annotation: Any) -> list[str] | None:
    if typing.get_origin(annotation) is Literal:
        return [str(value) for value in typing.get_args(annotation)]
    return None
