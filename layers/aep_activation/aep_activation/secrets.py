"""Secrets Manager access: JSON secrets, cached per container, named errors.

Every failure becomes :class:`SecretUnavailable` naming the secret and, where it applies, the
missing keys; a secret's value never reaches a message, a log line or an exception chain
(``json.JSONDecodeError`` keeps the whole document in ``.doc``, so nothing is chained).

The calls go through :mod:`aep_activation.aws_json` (signed requests, no AWS SDK): the SDK, its
Secrets Manager client and Powertools Parameters were a third or more of an Adobe-calling
function's cold-start CPU (the measurement is in that module). A value read is kept for
``max_age`` seconds in this container, as Powertools Parameters kept it: a warm function reads
a secret once per ``max_age``, a new container reads it afresh.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Iterable
from typing import Any

from aep_activation import aws_clients, aws_json
from aep_activation.errors import SecretUnavailable
from aep_activation.observability import quiet_sdk_loggers

DEFAULT_MAX_AGE = 300
"""Seconds a secret stays cached in a warm Lambda (rotation is picked up within this)."""

quiet_sdk_loggers()  # no HTTP client's DEBUG line may carry a secret, whoever imports this

_NOT_FOUND_CODES = frozenset({"ResourceNotFoundException"})
_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "KMSAccessDeniedException"})

# name -> (monotonic expiry, decoded JSON value, the version's CreatedDate in epoch seconds)
_cache: dict[str, tuple[float, Any, float | None]] = {}
_cache_lock = threading.Lock()


class _NotJson(Exception):
    """The secret's value is not JSON (raised without the value or the decoder's error)."""


def get_json_secret(
    name: str,
    *,
    required_keys: Iterable[str] = (),
    max_age: int = DEFAULT_MAX_AGE,
    force_fetch: bool = False,
) -> dict[str, Any]:
    """The secret ``name`` as a JSON object holding at least ``required_keys``.

    Returns a copy, so a caller cannot change the cached value under the next caller.
    ``force_fetch`` reads Secrets Manager even when a cached value is still fresh.
    """
    value, _created = _cached(name, max_age=max_age, force_fetch=force_fetch)
    if not isinstance(value, dict):
        raise SecretUnavailable(f"secret {name!r} must hold a JSON object")
    missing = [key for key in required_keys if _is_blank(value.get(key))]
    if missing:
        raise SecretUnavailable(f"secret {name!r} lacks required key(s): {', '.join(missing)}")
    return dict(value)


def put_json_secret(name: str, value: dict[str, Any]) -> None:
    """Store ``value`` as the secret's new current version (the value is never in a message).

    The cached read of ``name`` is left as it is: a reader that needs the new version asks
    with ``force_fetch``."""
    try:
        aws_clients.put_secret_value(name, json.dumps(value))
    except aws_json.AwsCallError as exc:
        raise SecretUnavailable(f"secret {name!r} could not be written ({exc.code})") from None


def secret_keys(name: str, *, max_age: int = DEFAULT_MAX_AGE) -> frozenset[str]:
    """The top-level keys of a JSON secret (to check a secret's shape without using values)."""
    return frozenset(get_json_secret(name, max_age=max_age))


def secret_version_created(name: str, *, max_age: int = DEFAULT_MAX_AGE) -> float | None:
    """When the version of ``name`` this container reads was created (Secrets Manager's
    ``CreatedDate``, seconds since the epoch), from the same cached read as its value: no call
    when the value was read within ``max_age``. None when the answer carries no date."""
    return _cached(name, max_age=max_age, force_fetch=False)[1]


def secret_exists(name: str) -> bool:
    """Whether the secret exists, from its metadata only (``DescribeSecret``, no value read).

    A secret scheduled for deletion counts as missing. Access denied is not "missing": it is
    a deployment problem and raises SecretUnavailable.
    """
    try:
        described = aws_clients.describe_secret(name)
    except aws_json.AwsCallError as exc:
        if exc.code in _NOT_FOUND_CODES:
            return False
        if exc.status is None:  # no answer from Secrets Manager
            raise SecretUnavailable(
                f"secret {name!r} could not be described ({exc.code})"
            ) from None
        raise SecretUnavailable(_client_error_text(name, exc.code)) from None
    return "DeletedDate" not in described


def is_cached(name: str) -> bool:
    """Whether this container holds an unexpired read of ``name``: a read now makes no call."""
    with _cache_lock:
        found = _cache.get(name)
    return found is not None and time.monotonic() < found[0]


def clear_cache() -> None:
    """Forget cached secret values (tests, or after rotating a secret)."""
    with _cache_lock:
        _cache.clear()


def _cached(name: str, *, max_age: int, force_fetch: bool) -> tuple[Any, float | None]:
    now = time.monotonic()
    if not force_fetch:
        with _cache_lock:
            found = _cache.get(name)
        if found is not None and now < found[0]:
            return found[1], found[2]
    try:
        answer = aws_clients.get_secret_value(name)
        value = _decoded(answer)
    except aws_json.AwsCallError as exc:
        raise SecretUnavailable(_client_error_text(name, exc.code)) from None
    except _NotJson:
        raise SecretUnavailable(f"secret {name!r} is not valid JSON") from None
    created = answer.get("CreatedDate")
    created_at = float(created) if isinstance(created, int | float) else None
    if max_age > 0:
        with _cache_lock:
            _cache[name] = (now + max_age, value, created_at)
    return value, created_at


def _decoded(answer: dict[str, Any]) -> Any:
    """The secret's JSON value: ``SecretString``, else ``SecretBinary`` (base64 on the wire)."""
    text = answer.get("SecretString")
    try:
        if not isinstance(text, str):
            text = base64.b64decode(str(answer.get("SecretBinary", "")), validate=True).decode()
        return json.loads(text)
    except (ValueError, binascii.Error):  # JSONDecodeError and UnicodeDecodeError both
        raise _NotJson from None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _client_error_text(name: str, code: str) -> str:
    if code in _NOT_FOUND_CODES:
        return f"secret {name!r} does not exist (or is scheduled for deletion)"
    if code in _DENIED_CODES:
        return (
            f"access to secret {name!r} is denied: check the function's IAM role and the KMS "
            "key policy"
        )
    if code == "DecryptionFailure":
        return f"secret {name!r} could not be decrypted: check the KMS key"
    return f"secret {name!r} could not be read ({code or 'unknown error'})"
