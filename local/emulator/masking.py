"""Secrets never leave the emulator: masked in API answers, redacted in recordings."""

from __future__ import annotations

import copy
from typing import Any, Final

from local.emulator import specs

# What GET answers show instead of a secret auth param (Adobe never returns the secret).
MASK: Final = "********"
# What recordings show instead of a credential, token or auth param.
REDACTED: Final = "<redacted>"

_SECRET_KEYS: Final = frozenset(
    {name.lower() for name in specs.SECRET_PARAM_NAMES}
    | {"client_secret", "access_token", "clientsecret", "refresh_token"}
)
_SECRET_HEADERS: Final = frozenset({"authorization", "cookie", "x-api-secret"})


def masked_connection(doc: dict[str, Any]) -> dict[str, Any]:
    """A base connection as GET answers it: secret auth params replaced by :data:`MASK`."""
    shown = copy.deepcopy(doc)
    auth = shown.get("auth")
    if isinstance(auth, dict) and isinstance(auth.get("params"), dict):
        spec = specs.connection_spec(str(shown.get("connectionSpec", {}).get("id", "")))
        secret = specs.secret_params(spec, auth.get("specName"))
        auth["params"] = {
            name: (MASK if name in secret else value) for name, value in auth["params"].items()
        }
    return shown


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    redacted: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if " " in value else ""
            redacted[name] = f"{scheme} {REDACTED}".strip()
        elif name.lower() in _SECRET_HEADERS:
            redacted[name] = REDACTED
        else:
            redacted[name] = value
    return redacted


def redact(value: Any) -> Any:
    """A deep copy of a parsed body with every auth param and secret-named key redacted."""
    if isinstance(value, list):
        return [redact(item) for item in value]
    if not isinstance(value, dict):
        return value
    redacted: dict[str, Any] = {}
    for key, item in value.items():
        if key.lower() in _SECRET_KEYS:
            redacted[key] = REDACTED
        elif key == "auth" and isinstance(item, dict):
            redacted[key] = _redact_auth(item)
        else:
            redacted[key] = redact(item)
    return redacted


def _redact_auth(auth: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = redact({k: v for k, v in auth.items() if k != "params"})
    params = auth.get("params")
    if isinstance(params, dict):
        shown["params"] = {name: REDACTED for name in params}
    elif "params" in auth:
        shown["params"] = REDACTED
    return shown
