"""Parsing a request: JSON text or a mapping, size guards, then every rule.

``parse_activation_request`` is the one entry point. It checks every rule before any API call
and reports *all* broken rules at once, each with the path of the field that breaks it, as
:class:`~aep_activation.errors.InvalidActivationRequest`.

Messages name the field and the rule in plain words; they never repeat a submitted value
(a credential pasted in the wrong place must not end up in a log).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from aep_activation import fields
from aep_activation.errors import (
    InvalidActivationRequest,
    RequestNestedTooDeeply,
    RequestTooLarge,
)
from aep_activation.fields import CONTEXT_TODAY
from aep_activation.limits import (
    MAX_NESTING_DEPTH,
    MAX_REQUEST_BYTES,
    nested_too_deeply,
    request_too_large,
)
from aep_activation.request.activation import ActivationRequest, validate_request


def parse_activation_request(
    data: Mapping[str, Any] | str | bytes, *, today: date | None = None
) -> ActivationRequest:
    """Validate a request (a mapping, or JSON text) against every rule.

    ``today`` overrides the UTC date the "not in the past" rules compare with.
    Raises :class:`InvalidActivationRequest` listing every broken rule by field path.
    """
    if isinstance(data, str | bytes | bytearray):
        _check_raw_size(len(data))
        _check_depth_of_text(data)
        problem: str | None = None
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            # exc.msg and the position describe the syntax; they do not quote the document.
            problem = f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        except UnicodeDecodeError:
            problem = "is not valid JSON: the text is not UTF-8"
        if problem is not None:
            raise InvalidActivationRequest([{"path": "(root)", "message": problem}])
    else:
        _check_depth_of_data(data)
    if not isinstance(data, Mapping):
        raise InvalidActivationRequest([{"path": "(root)", "message": "must be a JSON object"}])
    request = validate_request(data, {CONTEXT_TODAY: today or fields.utc_today()})
    size = len(json.dumps(request.to_state(), separators=(",", ":")).encode("utf-8"))
    if size > MAX_REQUEST_BYTES:
        raise RequestTooLarge([{"path": "(root)", "message": request_too_large(size)}])
    return request


def _check_raw_size(size: int) -> None:
    # Text far beyond the limit is refused before parsing; the exact check is on the
    # normalised request, after validation.
    if size > 4 * MAX_REQUEST_BYTES:
        raise RequestTooLarge([{"path": "(root)", "message": request_too_large(size)}])


def _too_deep() -> RequestNestedTooDeeply:
    return RequestNestedTooDeeply([{"path": "(root)", "message": nested_too_deeply()}])


def _check_depth_of_text(text: str | bytes | bytearray) -> None:
    """Count bracket depth outside strings, without recursion, before json.loads recurses."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise _too_deep()
        elif byte in (0x5D, 0x7D):
            depth -= 1


def _check_depth_of_data(data: Any) -> None:
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_NESTING_DEPTH:
                raise _too_deep()
            children = value.values() if isinstance(value, Mapping) else value
            pending.extend((child, depth + 1) for child in children)
