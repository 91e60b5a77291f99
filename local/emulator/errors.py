"""Adobe-shaped error answers.

Adobe's edge answers in three shapes, and so does the emulator:

- the API gateway: ``{"error_code": "401013", "message": "Oauth token is not valid"}``
  (codes from Experience Platform's troubleshooting guide, "request header errors");
- Flow Service: ``{"type": ".../FLOW-1439-404", "title", "status", "report": {...},
  "errorMessage", "errorDetails"}`` as in Adobe's published 404/403 samples, with the request
  id in ``report["request-id"]``;
- the version check of PATCH: ``{"errorMessage": "Supplied version=[...] does not match the
  current version on entity=[...]", "errorDetails": ...}`` (412 sample of the OpenAPI file).

IMS has its own OAuth shape: ``{"error": "invalid_client", "error_description": "..."}``.

``FLOW-1439-404`` and ``FLOW-2120-403`` are codes Adobe documents; the other FLOW codes
below are the emulator's own, stable so that tests can match on them.
"""

from __future__ import annotations

from typing import Any, Final

FLOW_ERROR_TYPE: Final = "https://ns.adobe.com/aep/errors/{code}"

# Emulator codes, by cause.
INVALID_BODY: Final = "FLOW-1001-400"
MISSING_VERSION: Final = "FLOW-1002-422"
UNKNOWN_CONNECTION_SPEC: Final = "FLOW-1004-400"
INVALID_AUTH_SPEC: Final = "FLOW-1005-400"
INVALID_AUTH_PARAMS: Final = "FLOW-1006-400"
INVALID_BASE_CONNECTION: Final = "FLOW-1010-400"
INVALID_TARGET_PARAMS: Final = "FLOW-1011-400"
INVALID_FLOW_SPEC: Final = "FLOW-1020-400"
INVALID_FLOW_CONNECTIONS: Final = "FLOW-1021-400"
INVALID_PATCH: Final = "FLOW-1030-400"
READ_ONLY_FIELD: Final = "FLOW-1031-400"
INVALID_SELECTOR: Final = "FLOW-1032-400"
MISSING_IF_MATCH: Final = "FLOW-1040-400"
RESOURCE_IN_USE: Final = "FLOW-1050-400"
INVALID_QUERY: Final = "FLOW-1060-400"
UNSUPPORTED_CONTENT_TYPE: Final = "FLOW-1070-400"
NOT_FOUND: Final = "FLOW-1439-404"
FORBIDDEN: Final = "FLOW-2120-403"
INTERNAL: Final = "FLOW-0500-500"

_TITLES: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Resource not found",
    409: "Conflict",
    412: "Precondition Failed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """Raised by a handler to answer with an error; ``body`` is the JSON sent."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def title_for(status: int) -> str:
    return _TITLES.get(status, "Error")


def flow_error_body(
    status: int, code: str, message: str, request_id: str, **report: Any
) -> dict[str, Any]:
    """Flow Service's error shape, as in Adobe's published FLOW-1439-404 sample."""
    return {
        "type": FLOW_ERROR_TYPE.format(code=code),
        "title": title_for(status),
        "status": status,
        "report": {"detailed-message": message, "request-id": request_id, **report},
        "errorMessage": message,
        "errorDetails": message,
    }


def flow_error(status: int, code: str, message: str, request_id: str, **report: Any) -> ApiError:
    return ApiError(status, flow_error_body(status, code, message, request_id, **report))


def bad_request(code: str, message: str, request_id: str, **report: Any) -> ApiError:
    return flow_error(400, code, message, request_id, **report)


def not_found(kind: str, resource_id: str, request_id: str) -> ApiError:
    message = (
        f"The requested {kind} resource {resource_id} is not found. "
        "Verify the resource ID before trying again."
    )
    return flow_error(404, NOT_FOUND, message, request_id, id=resource_id, type=kind)


def gateway_body(code: str, message: str) -> dict[str, Any]:
    return {"error_code": code, "message": message}


def gateway_error(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, gateway_body(code, message))


def version_mismatch(supplied: str, current: str) -> ApiError:
    message = (
        f"Supplied version=[{supplied}] does not match the current version on entity=[{current}]"
    )
    return ApiError(412, {"errorMessage": message, "errorDetails": message})


def ims_error(status: int, error: str, description: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})


def fault_body(status: int, request_id: str) -> dict[str, Any]:
    """The body an injected status fault answers with, shaped as Adobe's edge would."""
    if status == 429:
        return gateway_body("429001", "Too many requests")
    if status == 401:
        return gateway_body("401013", "Oauth token is not valid")
    if status == 403:
        return flow_error_body(
            403,
            FORBIDDEN,
            "You do not have sufficient permissions to perform the operation. "
            "Please contact your administrator to resolve permissions and try again.",
            request_id,
        )
    if status in (502, 503, 504):
        return gateway_body(f"{status}000", title_for(status))
    if status == 404:
        return flow_error_body(404, NOT_FOUND, "The requested resource is not found.", request_id)
    if status >= 500:
        return flow_error_body(status, INTERNAL, "An internal error occurred.", request_id)
    return flow_error_body(status, f"FLOW-1000-{status}", "The request was rejected.", request_id)
