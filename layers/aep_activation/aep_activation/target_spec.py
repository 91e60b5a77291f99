"""What a destination's live ``targetSpec`` asks of an audience export's target params.

Adobe's target specs are draft-07 schemas with one extension: a property may carry a
``conditional`` (``{field, operator, value}``) saying when it applies. The new cloud-storage
cards list ``datasetFileType`` in ``required`` with the conditional "the flow spec's workflow
CONTAINS DATASETS", marked "does not apply to segment export destinations", and Adobe's own
audience-export target connection requests leave it out (file-based destinations tutorial,
"Create a target connection"). So ``required`` is read through the conditionals: a property
whose conditional does not hold for an audience export is neither required nor checked.
A conditional this module cannot evaluate is taken to hold: the spec is then read literally.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

WORKFLOW_FIELD = "flowSpec.attributes._workflow"
"""The flow spec's workflow: an audience export's is not a dataset export's (``DATASETS``)."""


def required_params(target_spec: Mapping[str, Any], params: Mapping[str, Any]) -> set[str]:
    """The params the spec requires of an audience export with these ``params``."""
    properties = _properties(target_spec)
    return {
        str(name)
        for name in _spec(target_spec).get("required") or []
        if applies(properties.get(str(name)), params)
    }


def pattern_violations(
    target_spec: Mapping[str, Any], params: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """``(param, pattern)`` for each string param that breaks its property's ``pattern``.

    A pattern Python's ``re`` cannot compile (JSON Schema patterns are ECMA 262) is left to
    Adobe to apply.
    """
    broken: list[tuple[str, str]] = []
    for name, schema in sorted(_properties(target_spec).items()):
        value, pattern = params.get(name), schema.get("pattern")
        if not (isinstance(value, str) and isinstance(pattern, str) and applies(schema, params)):
            continue
        try:
            if re.search(pattern, value) is None:
                broken.append((name, pattern))
        except re.error:
            continue
    return broken


def applies(schema: Any, params: Mapping[str, Any]) -> bool:
    """Whether a property applies to an audience export with these ``params``."""
    conditional = schema.get("conditional") if isinstance(schema, dict) else None
    if not isinstance(conditional, dict):
        return True
    field, operator, value = (conditional.get(k) for k in ("field", "operator", "value"))
    if field == WORKFLOW_FIELD:
        if value != "DATASETS" or operator not in ("CONTAINS", "NOT_CONTAINS"):
            return True
        return bool(operator == "NOT_CONTAINS")
    if not isinstance(field, str) or operator not in _OPERATORS:
        return True
    actual = params.get(field)  # another target param, e.g. csvOptions only with fileType CSV
    if operator in ("EQUALS", "NOT_EQUALS"):
        return bool((actual == value) == (operator == "EQUALS"))
    contains = isinstance(actual, str) and str(value) in actual
    return bool(contains == (operator == "CONTAINS"))


_OPERATORS = ("EQUALS", "NOT_EQUALS", "CONTAINS", "NOT_CONTAINS")


def _spec(target_spec: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = target_spec.get("spec", target_spec)
    return spec if isinstance(spec, Mapping) else {}


def _properties(target_spec: Mapping[str, Any]) -> dict[str, Any]:
    properties = _spec(target_spec).get("properties")
    return dict(properties) if isinstance(properties, Mapping) else {}
