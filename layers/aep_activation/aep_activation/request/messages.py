"""The request's error text: pydantic's errors as ``{"path", "message"}`` in plain words.

Rule lists (:mod:`aep_activation.violations`) are expanded under the location of the model
that raised them; submitted values are never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from aep_activation.request.credentials import USE_A_SECRET, looks_like_credential
from aep_activation.violations import RULES_ERROR, Loc, format_path

_FRIENDLY: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: "is required",
    "extra_forbidden": lambda ctx: "is not a known field (check the spelling)",
    "string_type": lambda ctx: "must be a string",
    "model_type": lambda ctx: "must be an object",
    "model_attributes_type": lambda ctx: "must be an object",
    "dict_type": lambda ctx: "must be an object",
    "tuple_type": lambda ctx: "must be a list",
    "list_type": lambda ctx: "must be a list",
    "literal_error": lambda ctx: f"must be one of: {ctx.get('expected', '')}".replace("'", ""),
    "string_too_short": lambda ctx: "must not be empty"
    if ctx.get("min_length") == 1
    else f"must have at least {ctx.get('min_length')} characters",
    "string_too_long": lambda ctx: f"must have at most {ctx.get('max_length')} characters",
    "bool_type": lambda ctx: "must be true or false",
    "int_type": lambda ctx: "must be a whole number",
    "greater_than_equal": lambda ctx: f"must be at least {ctx.get('ge')}",
    "less_than_equal": lambda ctx: f"must be at most {ctx.get('le')}",
}


def _message_for(error: Mapping[str, Any]) -> str:
    loc: Loc = tuple(error["loc"])
    error_type: str = error["type"]
    if error_type == "extra_forbidden" and loc:
        key = str(loc[-1])
        if looks_like_credential(key) or key == "params":
            return f"is not allowed: {USE_A_SECRET}"
        if loc[-2:-1] == ("auth",):
            return (
                "is not allowed in auth: the auth params belong in the Secrets Manager "
                "secret named by destination.auth.secretId"
            )
    friendly = _FRIENDLY.get(error_type)
    if friendly is not None:
        return friendly(error.get("ctx") or {})
    return str(error["msg"])


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"path", "message"}``, rule lists expanded, inputs never shown."""
    found: list[dict[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False, include_context=True):
        loc: Loc = tuple(error["loc"])
        if error["type"] == RULES_ERROR:
            entries = [(loc + rel, message) for rel, message in error["ctx"]["violations"]]
        else:
            entries = [(loc, _message_for(error))]
        for path, message in entries:
            item = {"path": format_path(path), "message": message}
            if item not in found:
                found.append(item)
    return found
