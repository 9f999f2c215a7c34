"""Length-bounded JSON schemas for structured LLM replies.

A small model under a grammar (llama.cpp turns the JSON schema into one) does not stop on its own: with no bound on a
string or a list it loops until the token cap and the JSON never closes (measured with SmolLM2-135M: 38 of 40 guardian
calls cut off). So every string in a structured reply's schema carries ``maxLength`` and every array ``maxItems``;
`response_format` refuses a schema without them. The bounds are for the server's grammar only: validation does not
enforce them, so a model that ignores them (or a server that cannot take them) still gives a usable reply. A server
that refuses ``maxLength`` (OpenAI's strict mode may) is remembered and sent the schema without it.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, Field, create_model

M = TypeVar("M", bound=BaseModel)

# Endpoints that rejected a schema for its maxLength keywords (OpenAI's strict mode does not list it as supported).
REFUSE_STRING_BOUNDS: set[str] = set()


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
    bounded: type[M] = create_model(  # type: ignore[call-overload]
        schema.__name__, __base__=schema, __doc__=schema.__doc__, **{field: replaced}
    )
    return bounded


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
