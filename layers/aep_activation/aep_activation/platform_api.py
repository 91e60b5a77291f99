"""PlatformApi: the one HTTP client for Adobe Experience Platform's APIs behind its gateway.

Flow Service (:mod:`aep_activation.flow_service`) is one API on it; Data Prep, the ad-hoc
activation API and the audiences API are others (:meth:`PlatformApi.api_at`).

Every call carries ``Authorization: Bearer``, ``x-api-key``, ``x-gw-ims-org-id``,
``x-sandbox-name`` and ``Accept: application/json``; explicit (connect, read) timeouts; TLS
verification on. Errors map onto the taxonomy in one place (:func:`raise_for_response`).
The client never retries on its own except once, after a 401, with a freshly fetched token:
retrying 429/5xx is the state machine's job (backoff with jitter, bounded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import requests
from aws_lambda_powertools import Logger

from aep_activation import budget
from aep_activation.errors import (
    AuthenticationFailed,
    EtagMismatch,
    FlowServiceError,
    FlowServiceRejected,
    FlowServiceThrottled,
    FlowServiceUnavailable,
    PermissionDenied,
    ResourceNotFound,
)
from aep_activation.http import (
    DEFAULT_TIMEOUT,
    Timeout,
    error_details,
    json_body,
    parse_retry_after,
    send,
    shared_session,
)
from aep_activation.ims import TokenProvider

logger = Logger(service="aep-activation", child=True)

_SERVICE = "Flow Service"  # how errors and logs name the gateway, whichever API is called


class PlatformApi:
    """One Platform API under one base URL, with the organization's token and headers."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider,
        *,
        api_key: str,
        org_id: str,
        sandbox: str,
        session: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sleep = sleep
        self._base_url = base_url.rstrip("/")
        parts = urlsplit(self._base_url)
        self._origin = (parts.scheme, parts.netloc)
        self._base_path = parts.path
        self._tokens = tokens
        self._api_key = api_key
        self._org_id = org_id
        self.sandbox = sandbox
        self._session = session or shared_session()
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r}, sandbox={self.sandbox!r})"

    def ensure_token(self) -> None:
        """Get a valid token now (before threads that would each wait for it)."""
        self._tokens.token()

    # --- other Platform APIs behind the same gateway (Data Prep, ad-hoc activation) -------

    def api_at(self, service_path: str) -> PlatformApi:
        """Another Platform API on this gateway (``/data/foundation/conversion``), sharing the
        token provider, session, sandbox and timeouts."""
        origin = urlunsplit((*self._origin, "", "", ""))
        return PlatformApi(
            origin + service_path,
            self._tokens,
            api_key=self._api_key,
            org_id=self._org_id,
            sandbox=self.sandbox,
            session=self._session,
            timeout=self._timeout,
        )

    def call_json(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one call under this API's base URL; the decoded JSON answer (None if empty)."""
        return json_body(self.call(method, path, params=params, body=body, headers=headers))

    def link_path(self, href: str, collection: str) -> str:
        """A next link as a path under the base URL. Adobe writes it relative to the base
        (``/connections?continuationToken=...``); a full URL is accepted on our own origin
        only, so the bearer token is never sent elsewhere."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            if (parts.scheme, parts.netloc) != self._origin:
                raise FlowServiceUnavailable(
                    "a next link points to another host; not followed",
                    method="GET",
                    path=collection,
                )
            href = urlunsplit(("", "", parts.path, parts.query, ""))
            parts = urlsplit(href)
        path = parts.path if parts.path.startswith("/") else "/" + parts.path
        if self._base_path and (path == self._base_path or path.startswith(self._base_path + "/")):
            path = path[len(self._base_path) :]
        return path + (f"?{parts.query}" if parts.query else "")

    # --- the one place requests are sent ---------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send; on 401 refresh the token and send once more; wait out a 429's Retry-After
        when it fits the step's budget; raise for any error answer."""
        token = self._tokens.token()
        response = self._send(method, path, token, params=params, body=body, headers=headers)
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: one fresh try only.
            self._tokens.invalidate(token)
            token = self._tokens.token()
            response = self._send(method, path, token, params=params, body=body, headers=headers)
        for _wait in range(budget.MAX_THROTTLE_WAITS):
            retry_after = self._honourable_retry_after(response)
            if retry_after is None:
                break
            logger.info(
                "Flow Service asked to wait; waiting as asked",
                extra={"path": path.split("?", 1)[0], "retry_after": retry_after},
            )
            self._sleep(retry_after)
            response = self._send(method, path, token, params=params, body=body, headers=headers)
        raise_for_response(
            response,
            method,
            path.split("?", 1)[0],
            sandbox=self.sandbox,
            redact=[token, *_auth_param_values(body)],
            request_had_secrets=bool(_auth_param_values(body)),
        )
        return response

    def _honourable_retry_after(self, response: requests.Response) -> float | None:
        """A 429's Retry-After seconds, if waiting them leaves the step time for the call;
        otherwise None, and FlowServiceThrottled goes to the state machine's Retry."""
        if response.status_code != 429:
            return None
        seconds = parse_retry_after(response.headers.get("Retry-After"))
        if seconds is None or not budget.can_wait(seconds, sum(self._timeout)):
            return None
        return seconds

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        *,
        params: list[tuple[str, str]] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        all_headers = {
            "Authorization": f"Bearer {token}",
            "x-api-key": self._api_key,
            "x-gw-ims-org-id": self._org_id,
            "x-sandbox-name": self.sandbox,
            "Accept": "application/json",
            **(headers or {}),
        }
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        response = send(
            self._session,
            method,
            self._base_url + path,
            timeout=self._timeout,
            service=_SERVICE,
            path=path.split("?", 1)[0],
            params=params or None,
            json=body,
            headers=all_headers,
            allow_redirects=False,  # a redirect would carry the bearer token who knows where
        )
        logger.debug(
            "Flow Service call",
            extra={
                "method": method,
                "path": path.split("?", 1)[0],
                "status": response.status_code,
                "request_id": response.headers.get("x-request-id"),
            },
        )
        return response


# --- answers -> the error taxonomy --------------------------------------------------------


def raise_for_response(
    response: requests.Response,
    method: str,
    path: str,
    *,
    sandbox: str | None = None,
    redact: Iterable[str] = (),
    request_had_secrets: bool = False,
) -> None:
    """Raise the taxonomy's error for a non-2xx answer; return quietly for a 2xx one.

    ``redact`` lists strings (the token, secret auth params just sent) that must not appear
    even if Adobe quoted them back in its error message.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    details = error_details(response, redact=redact, request_had_secrets=request_had_secrets)
    adobe_says = details.message
    where = f" in sandbox {sandbox!r}" if sandbox else ""
    common: dict[str, Any] = {
        "status": status,
        "code": details.code,
        "request_id": details.request_id,
        "method": method,
        "path": path,
    }

    def explain(text: str) -> str:
        return f"{text}. Adobe says: {adobe_says}" if adobe_says else text

    error: FlowServiceError
    if status == 429:
        error = FlowServiceThrottled(
            explain("Flow Service is throttling this organization"),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            **common,
        )
    elif status >= 500:
        error = FlowServiceUnavailable(explain("Flow Service failed to answer"), **common)
        # A gateway's 502/504 says nothing of whether the backend applied the request.
        error.outcome_unknown = status in (502, 504)
    elif status == 412:
        error = EtagMismatch(
            explain("the resource changed since its etag was read; re-read it and retry"),
            **common,
        )
    elif status == 401:
        error = AuthenticationFailed(
            explain(
                "Adobe refused the access token even after fetching a new one: check that the "
                "credentials' clientId (x-api-key) and orgId belong to the same Developer "
                "Console project"
            ),
            **common,
        )
    elif status == 403:
        error = PermissionDenied(
            explain(
                f"permission denied{where}: check that the Developer Console project's product "
                "profile grants Manage Destinations, Activate Destinations and View Profiles "
                f"for this sandbox, and that the org id matches the credentials"
            ),
            **common,
        )
    elif status == 404:
        error = ResourceNotFound(explain(f"not found{where}"), **common)
    elif 300 <= status < 400:
        error = FlowServiceRejected(f"unexpected redirect ({status}): check PLATFORM_URL", **common)
    else:  # 400, 422 and any other 4xx
        error = FlowServiceRejected(explain("Flow Service rejected the request"), **common)
    raise error


def unreadable_answer(
    response: requests.Response, method: str, path: str, *, outcome_unknown: bool = False
) -> NoReturn:
    """Raise for a 2xx answer whose body is not the JSON expected (retried: Unavailable)."""
    error = FlowServiceUnavailable(
        f"Flow Service answered {response.status_code} with a body that is not the JSON expected",
        status=response.status_code,
        method=method,
        path=path,
        request_id=response.headers.get("x-request-id"),
    )
    error.outcome_unknown = outcome_unknown
    raise error


def _auth_param_values(body: Any) -> list[str]:
    """The string values of ``auth.params`` in a request body: a base connection's secrets,
    in a create's body or in the ``value`` of a JSON Patch operation on ``/auth/params``."""
    if isinstance(body, list):
        return [
            value
            for operation in body
            if isinstance(operation, dict)
            and str(operation.get("path", "")).startswith("/auth/params")
            for value in _string_values(operation.get("value"))
        ]
    if not isinstance(body, dict):
        return []
    auth = body.get("auth")
    params = auth.get("params") if isinstance(auth, dict) else None
    if not isinstance(params, dict):
        return []
    return [value for value in params.values() if isinstance(value, str)]


def _string_values(value: Any) -> list[str]:
    """A patched param's value itself, or the string values of a patched params object."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [item for item in value.values() if isinstance(item, str)]
    return []


# --- small helpers --------------------------------------------------------------------------


def quoted_etag(etag: str) -> str:
    """The etag as ``If-Match`` needs it: inside double quotes, whatever form it came in
    (bare, quoted, or with the escaped quotes of a JSON dump)."""
    bare = etag.strip().replace('\\"', '"').strip('"')
    return f'"{bare}"'


def path_segment(resource_id: str) -> str:
    # Ids are UUIDs; refuse anything that would change the path instead of naming a resource.
    if not resource_id or any(c in resource_id for c in "/?#%") or resource_id in (".", ".."):
        raise FlowServiceRejected(f"not a valid resource id: {resource_id!r}")
    return resource_id
