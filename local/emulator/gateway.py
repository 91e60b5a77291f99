"""Adobe I/O gateway checks every Flow Service call passes before the service sees it.

Codes and messages follow Experience Platform's troubleshooting guide ("request header
errors"). A missing or unknown token and an expired one are both 401 (401013 / 401014).
"""

from __future__ import annotations

from typing import Final

from local.emulator import errors
from local.emulator.exchange import Call, Tenant
from local.emulator.ims import TokenRegistry

DEFAULT_SANDBOX: Final = "prod"
JSON_CONTENT_TYPES: Final = frozenset({"application/json"})
PATCH_CONTENT_TYPES: Final = frozenset({"application/json", "application/json-patch+json"})
PAYLOAD_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def admit(call: Call, tokens: TokenRegistry) -> None:
    """Check the headers of a Flow Service call; set ``call.tenant`` and ``call.client_id``."""
    api_key = call.header("x-api-key")
    if not api_key:
        raise errors.gateway_error(403, "403000", "Api Key is required")
    issued = tokens.lookup(_bearer_token(call.header("authorization")))
    if issued is None:
        raise errors.gateway_error(401, "401013", "Oauth token is not valid")
    if issued.expired:
        raise errors.gateway_error(401, "401014", "Oauth token has expired")
    if api_key != issued.client.client_id:
        raise errors.gateway_error(403, "403003", "Api Key is invalid")
    org = call.header("x-gw-ims-org-id")
    if not org:
        raise errors.gateway_error(400, "400003", "Missing header x-gw-ims-org-id header.")
    if org != issued.client.org_id:
        raise errors.gateway_error(403, "403025", "Profile is not valid")
    sandbox = (call.header("x-sandbox-name") or "").strip() or DEFAULT_SANDBOX
    call.tenant = Tenant(org=org, sandbox=sandbox)
    call.client_id = issued.client.client_id
    _check_content_type(call)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        return ""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _check_content_type(call: Call) -> None:
    if call.method not in PAYLOAD_METHODS:
        return
    allowed = PATCH_CONTENT_TYPES if call.method == "PATCH" else JSON_CONTENT_TYPES
    if call.content_type not in allowed:
        body = errors.flow_error_body(
            400,
            errors.UNSUPPORTED_CONTENT_TYPE,
            "Unsupported Content-Type in the request header",
            call.request_id,
        )
        # The troubleshooting guide shows this error with a top-level "detail".
        body["detail"] = "Unsupported Content-Type in the request header"
        raise errors.ApiError(400, body)
