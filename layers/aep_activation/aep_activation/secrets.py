"""Secrets Manager access: JSON secrets through Powertools Parameters (cached), named errors.

Every failure becomes :class:`SecretUnavailable` naming the secret and, where it applies, the
missing keys; a secret's value never reaches a message, a log line or an exception chain
(``json.JSONDecodeError`` keeps the whole document in ``.doc``, so nothing is chained).

In a Lambda container the SDK, the Secrets Manager client and the Parameters provider are made
when this module is imported, in the init phase (:mod:`aep_activation.lambda_init`): every cold
first call of a function that imports this module reads a secret (the Adobe credentials).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aep_activation.errors import SecretUnavailable
from aep_activation.lambda_init import prepare
from aep_activation.observability import quiet_sdk_loggers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from mypy_boto3_secretsmanager import SecretsManagerClient

DEFAULT_MAX_AGE = 300
"""Seconds a secret stays cached in a warm Lambda (rotation is picked up within this)."""

quiet_sdk_loggers()  # secret values must not reach a DEBUG log line, whoever imports this

_NOT_FOUND_CODES = frozenset({"ResourceNotFoundException"})
_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "KMSAccessDeniedException"})


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
    from aws_lambda_powertools.utilities.parameters.exceptions import (
        GetParameterError,
        TransformParameterError,
    )

    try:
        value = _provider().get(name, transform="json", max_age=max_age, force_fetch=force_fetch)
    except TransformParameterError:
        raise SecretUnavailable(f"secret {name!r} is not valid JSON") from None
    except GetParameterError as exc:
        raise SecretUnavailable(_fetch_failure(name, exc)) from None
    if not isinstance(value, dict):
        raise SecretUnavailable(f"secret {name!r} must hold a JSON object")
    missing = [key for key in required_keys if _is_blank(value.get(key))]
    if missing:
        raise SecretUnavailable(f"secret {name!r} lacks required key(s): {', '.join(missing)}")
    return dict(value)


def put_json_secret(name: str, value: dict[str, Any]) -> None:
    """Store ``value`` as the secret's new current version (the value is never in a message)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        _secrets_manager().put_secret_value(SecretId=name, SecretString=json.dumps(value))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise SecretUnavailable(f"secret {name!r} could not be written ({code})") from None
    except BotoCoreError as exc:
        raise SecretUnavailable(
            f"secret {name!r} could not be written ({type(exc).__name__})"
        ) from None


def secret_keys(name: str, *, max_age: int = DEFAULT_MAX_AGE) -> frozenset[str]:
    """The top-level keys of a JSON secret (to check a secret's shape without using values)."""
    return frozenset(get_json_secret(name, max_age=max_age))


def secret_exists(name: str) -> bool:
    """Whether the secret exists, from its metadata only (``DescribeSecret``, no value read).

    A secret scheduled for deletion counts as missing. Access denied is not "missing": it is
    a deployment problem and raises SecretUnavailable.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        described = _secrets_manager().describe_secret(SecretId=name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _NOT_FOUND_CODES:
            return False
        raise SecretUnavailable(_client_error_text(name, code)) from None
    except BotoCoreError as exc:
        raise SecretUnavailable(
            f"secret {name!r} could not be described ({type(exc).__name__})"
        ) from None
    return "DeletedDate" not in described


def clear_cache() -> None:
    """Forget cached secret values and clients (tests, or after rotating a secret)."""
    _provider.cache_clear()
    _secrets_manager.cache_clear()


@functools.cache
def _secrets_manager() -> SecretsManagerClient:
    import boto3

    return boto3.client("secretsmanager")


@functools.cache
def _provider() -> SecretsProvider:
    """Powertools' provider (its cache of values) around our client."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=_secrets_manager())


prepare(_provider)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fetch_failure(name: str, exc: Exception) -> str:
    from botocore.exceptions import ClientError

    # Powertools re-raises every SDK failure as GetParameterError inside its except block,
    # so the SDK error is the implicit context; its code tells missing from denied.
    cause = exc.__context__
    if isinstance(cause, ClientError):
        return _client_error_text(name, cause.response.get("Error", {}).get("Code", ""))
    reason = type(cause).__name__ if cause is not None else "unknown error"
    return f"secret {name!r} could not be read ({reason})"


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
