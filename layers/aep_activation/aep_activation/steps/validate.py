"""Step 1: validate the activation request before any Flow Service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aep_activation.errors import ConfigurationError, InvalidActivationRequest, SecretUnavailable
from aep_activation.request import ActivationRequest, parse_activation_request


def validate_request(
    raw: Any,
    *,
    secret_is_there: Callable[[str], bool],
    secrets_prefix: str | None = None,
) -> dict[str, Any]:
    """Parse and check the request (:func:`check_request`); return it normalised for the state
    machine."""
    return check_request(
        raw, secret_is_there=secret_is_there, secrets_prefix=secrets_prefix
    ).to_state()


def check_request(
    raw: Any,
    *,
    secret_is_there: Callable[[str], bool],
    secrets_prefix: str | None = None,
) -> ActivationRequest:
    """Parse and check the request.

    ``secret_is_there``: :func:`aep_activation.secrets.secret_exists` in the function. Passed
    in, so that the starter, which imports this module for :func:`check_secret_prefix` only,
    loads no Secrets Manager client.

    Raises :class:`InvalidActivationRequest` with every field error (a secret outside
    ``secrets_prefix``, the only secrets the deployed stack may read, included), or
    :class:`SecretUnavailable` when the destination's secret does not exist (checked by its
    metadata: the value is read only by the steps that need it).
    """
    request = parse_activation_request(raw)
    check_secret_prefix(request, secrets_prefix)
    secret_id = request.destination.auth.secret_id
    if secret_id is not None and not secret_is_there(secret_id):
        raise SecretUnavailable(
            f"destination.auth.secretId: the secret {secret_id!r} does not exist in Secrets "
            "Manager (or this function may not describe it); create it before starting"
        )
    return request


def check_secret_prefix(request: ActivationRequest, secrets_prefix: str | None) -> None:
    """InvalidActivationRequest if the destination secret lies outside ``secrets_prefix``.

    ConfigurationError if the prefix does not end in "/": "aep" would also admit
    "aep-activation/adobe-credentials", the stack's own Adobe credentials."""
    if secrets_prefix and not secrets_prefix.endswith("/"):
        raise ConfigurationError(
            f"DESTINATION_SECRETS_PREFIX (parameter DestinationSecretsPrefix) {secrets_prefix!r} "
            "must end in '/': a shorter prefix would match other secrets' names too"
        )
    secret_id = request.destination.auth.secret_id
    if secret_id is not None and secrets_prefix and not _under(secret_id, secrets_prefix):
        raise InvalidActivationRequest(
            [
                {
                    "path": "destination.auth.secretId",
                    "message": f"must name a secret under {secrets_prefix!r}: "
                    "the stack may read only those (parameter DestinationSecretsPrefix)",
                }
            ]
        )


def _under(secret_id: str, prefix: str) -> bool:
    """A secret name, or the name inside a secret ARN, starts with ``prefix``."""
    name = secret_id.split(":secret:", 1)[1] if ":secret:" in secret_id else secret_id
    return name.startswith(prefix)
