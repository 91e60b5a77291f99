"""Check params against a spec's draft-07 JSON schema, with messages that never echo values.

Auth params are secrets: a message may name a param but must not quote what was sent.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator  # type: ignore[import-untyped, unused-ignore]


def problems(instance: Any, schema: dict[str, Any], prefix: str) -> list[str]:
    """Every violation, as ``"<prefix>.<param>: <rule>"``; empty when ``instance`` is valid."""
    found: set[str] = set()
    for error in Draft7Validator(schema).iter_errors(instance):
        found.update(_describe(error, prefix))
    found.update(_blank_required(instance, schema, prefix))
    return sorted(found)


def _describe(error: Any, prefix: str) -> list[str]:
    where = ".".join([prefix, *(str(p) for p in error.absolute_path)])
    rule = error.validator
    if rule == "required":
        missing = [p for p in error.validator_value if p not in (error.instance or {})]
        return [f"{prefix}: '{p}' is required" for p in missing] or [f"{where}: required"]
    if rule in ("allOf", "if", "then"):
        return [_describe(sub, prefix)[0] for sub in error.context] or [f"{where}: invalid"]
    if rule in ("enum", "const"):
        allowed = error.validator_value if rule == "enum" else [error.validator_value]
        return [f"{where}: must be one of {', '.join(map(str, allowed))}"]
    if rule == "type":
        return [f"{where}: must be of type {error.validator_value}"]
    return [f"{where}: breaks the '{rule}' rule"]


def _blank_required(instance: Any, schema: dict[str, Any], prefix: str) -> list[str]:
    """Adobe does not take an empty string for a required param."""
    if not isinstance(instance, dict):
        return []
    return [
        f"{prefix}: '{name}' must not be empty"
        for name in sorted(_required_anywhere(schema))
        if isinstance(instance.get(name), str) and not instance[name].strip()
    ]


def _required_anywhere(schema: Any) -> set[str]:
    """Names in any ``required`` of the schema, including ``if``/``then`` branches."""
    if isinstance(schema, list):
        return {name for item in schema for name in _required_anywhere(item)}
    if not isinstance(schema, dict):
        return set()
    names = {n for n in schema.get("required", []) if isinstance(n, str)}
    for key in ("allOf", "anyOf", "oneOf", "then", "else"):
        names |= _required_anywhere(schema.get(key))
    return names
