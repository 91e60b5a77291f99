"""Check params against a spec's draft-07 JSON schema, with messages that never echo values.

Auth params are secrets: a message may name a param but must not quote what was sent.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator  # type: ignore[import-untyped, unused-ignore]

from local.emulator.specs import WORKFLOW_FIELD


def problems(instance: Any, schema: dict[str, Any], prefix: str) -> list[str]:
    """Every violation, as ``"<prefix>.<param>: <rule>"``; empty when ``instance`` is valid."""
    found: set[str] = set()
    for error in Draft7Validator(schema).iter_errors(instance):
        found.update(_describe(error, prefix))
    found.update(_blank_required(instance, schema, prefix))
    return sorted(found)


def applicable(schema: dict[str, Any], instance: Any) -> dict[str, Any]:
    """``schema`` without the properties whose ``conditional`` does not hold for ``instance``.

    ``conditional`` (``{field, operator, value}``) is Adobe's extension to draft-07 in its
    target specs: such a property is neither required nor checked where it does not apply. A
    target connection names no flow spec; the emulator serves audience exports, whose workflow
    does not contain ``DATASETS`` (Adobe's audience-export requests leave ``datasetFileType``
    out although its spec lists it in ``required``).
    """
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    values = instance if isinstance(instance, dict) else {}
    dropped = {
        name
        for name, prop in properties.items()
        if isinstance(prop, dict) and not _holds(prop.get("conditional"), values)
    }
    if not dropped:
        return schema
    return {
        **schema,
        "properties": {k: v for k, v in properties.items() if k not in dropped},
        "required": [r for r in schema.get("required", []) if r not in dropped],
    }


def _holds(conditional: Any, values: dict[str, Any]) -> bool:
    if not isinstance(conditional, dict):
        return True
    field, operator, value = (conditional.get(k) for k in ("field", "operator", "value"))
    # No document shows an audience export's workflow value; all that matters is that it is
    # not a dataset export's.
    actual = "AUDIENCES" if field == WORKFLOW_FIELD else values.get(str(field))
    if operator == "EQUALS":
        return bool(actual == value)
    if operator == "NOT_EQUALS":
        return bool(actual != value)
    contains = isinstance(actual, str) and isinstance(value, str) and value in actual
    if operator == "CONTAINS":
        return contains
    if operator == "NOT_CONTAINS":
        return not contains
    return True


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
