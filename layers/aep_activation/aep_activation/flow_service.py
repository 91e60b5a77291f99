"""FlowServiceClient: the one HTTP client for Adobe Flow Service (destinations side).

Every call carries ``Authorization: Bearer``, ``x-api-key``, ``x-gw-ims-org-id``,
``x-sandbox-name`` and ``Accept: application/json``; explicit (connect, read) timeouts; TLS
verification on. Errors map onto the taxonomy in one place (:func:`raise_for_response`).
The client never retries on its own except once, after a 401, with a freshly fetched token:
retrying 429/5xx is the state machine's job (backoff with jitter, bounded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import requests
from aws_lambda_powertools import Logger

from aep_activation import budget
from aep_activation.catalog import PROFILE_STORE_CONNECTION_SPEC_ID
from aep_activation.config import Settings
from aep_activation.credentials import load_adobe_credentials
from aep_activation.errors import (
    AuthenticationFailed,
    EtagMismatch,
    FlowServiceError,
    FlowServiceRejected,
    FlowServiceThrottled,
    FlowServiceUnavailable,
    PagingLimitExceeded,
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
from aep_activation.ims import SharedTokenStore, TokenProvider

logger = Logger(service="aep-activation", child=True)

_SERVICE = "Flow Service"

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Created:
    """Answer to a create: the new resource's id and etag (with its double quotes, as sent)."""

    id: str
    etag: str | None = None


class FlowServiceClient:
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
        return f"FlowServiceClient(base_url={self._base_url!r}, sandbox={self.sandbox!r})"

    def ensure_token(self) -> None:
        """Get a valid token now (before threads that would each wait for it)."""
        self._tokens.token()

    # --- connection specs ------------------------------------------------------------

    def list_connection_specs(self, *properties: str) -> list[JsonObject]:
        return self._list("/connectionSpecs", properties)

    def get_connection_spec(self, spec_id: str) -> JsonObject:
        return self._get("/connectionSpecs", spec_id)

    def find_connection_spec_by_name(self, name: str) -> JsonObject | None:
        return self._find_by_name("/connectionSpecs", name)

    # --- flow specs --------------------------------------------------------------------

    def list_flow_specs(self, *properties: str) -> list[JsonObject]:
        return self._list("/flowSpecs", properties)

    def get_flow_spec(self, spec_id: str) -> JsonObject:
        return self._get("/flowSpecs", spec_id)

    def flow_specs_joining(
        self,
        target_connection_spec_id: str,
        source_connection_spec_id: str = PROFILE_STORE_CONNECTION_SPEC_ID,
    ) -> list[JsonObject]:
        """The flow specs joining that source to that target (matched on both: a target's
        audience and dataset flow specs differ only by their source)."""
        return [
            spec
            for spec in self.list_flow_specs()
            if target_connection_spec_id in _ids(spec.get("targetConnectionSpecIds"))
            and source_connection_spec_id in _ids(spec.get("sourceConnectionSpecIds"))
        ]

    def find_flow_spec(
        self,
        target_connection_spec_id: str,
        source_connection_spec_id: str = PROFILE_STORE_CONNECTION_SPEC_ID,
    ) -> JsonObject | None:
        """The first flow spec joining that source to that target, if any."""
        joining = self.flow_specs_joining(target_connection_spec_id, source_connection_spec_id)
        return joining[0] if joining else None

    # --- base connections ------------------------------------------------------------

    def create_connection(self, body: Mapping[str, Any]) -> Created:
        return self._create("/connections", body)

    def get_connection(self, connection_id: str) -> JsonObject:
        return self._get("/connections", connection_id)

    def list_connections(self, *properties: str) -> list[JsonObject]:
        return self._list("/connections", properties)

    def find_connection_by_name(self, name: str) -> JsonObject | None:
        return self._find_by_name("/connections", name)

    def delete_connection(self, connection_id: str) -> None:
        self._delete("/connections", connection_id)

    # --- source connections ------------------------------------------------------------

    def create_source_connection(self, body: Mapping[str, Any]) -> Created:
        return self._create("/sourceConnections", body)

    def get_source_connection(self, connection_id: str) -> JsonObject:
        return self._get("/sourceConnections", connection_id)

    def list_source_connections(self, *properties: str) -> list[JsonObject]:
        return self._list("/sourceConnections", properties)

    def find_source_connection_by_name(self, name: str) -> JsonObject | None:
        return self._find_by_name("/sourceConnections", name)

    def delete_source_connection(self, connection_id: str) -> None:
        self._delete("/sourceConnections", connection_id)

    # --- target connections ------------------------------------------------------------

    def create_target_connection(self, body: Mapping[str, Any]) -> Created:
        return self._create("/targetConnections", body)

    def get_target_connection(self, connection_id: str) -> JsonObject:
        return self._get("/targetConnections", connection_id)

    def list_target_connections(self, *properties: str) -> list[JsonObject]:
        return self._list("/targetConnections", properties)

    def find_target_connection_by_name(self, name: str) -> JsonObject | None:
        return self._find_by_name("/targetConnections", name)

    def delete_target_connection(self, connection_id: str) -> None:
        self._delete("/targetConnections", connection_id)

    # --- flows -------------------------------------------------------------------------

    def create_flow(self, body: Mapping[str, Any]) -> Created:
        return self._create("/flows", body)

    def get_flow(self, flow_id: str) -> JsonObject:
        return self._get("/flows", flow_id)

    def list_flows(self, *properties: str) -> list[JsonObject]:
        return self._list("/flows", properties)

    def find_flow_by_name(self, name: str) -> JsonObject | None:
        return self._find_by_name("/flows", name)

    def patch_flow(
        self, flow_id: str, operations: Sequence[Mapping[str, Any]], etag: str
    ) -> str | None:
        """Apply JSON Patch ``operations`` if the flow is still at ``etag``.

        Returns the new etag when the answer carries one (200 ``{id, etag}``); None for the
        tutorial's 202 without a body, in which case re-read the flow for its etag.
        A stale etag raises EtagMismatch (412). Any other answer that cannot be read (an empty
        200, a body that is not JSON) raises FlowServiceUnavailable with ``outcome_unknown``:
        the patch may or may not have landed, so the flow must be re-read.
        """
        path = f"/flows/{_segment(flow_id)}"
        response = self._call(
            "PATCH", path, body=list(operations), headers={"If-Match": quoted_etag(etag)}
        )
        body = json_body(response)
        if isinstance(body, dict) and isinstance(body.get("etag"), str) and body["etag"]:
            return str(body["etag"])
        header = response.headers.get("etag")
        if header and not (response.content and body is None):
            return header
        if response.status_code == 202 and not response.content:
            return None
        _garbage(response, "PATCH", path, outcome_unknown=True)

    def delete_flow(self, flow_id: str) -> None:
        self._delete("/flows", flow_id)

    def flow_action(self, flow_id: str, op: str, etag: str | None = None) -> str | None:
        """``POST /flows/{id}/action?op=ENABLE|DISABLE``; the new etag if the answer has one.

        With ``etag`` the action is guarded like a PATCH (412 when the flow changed)."""
        path = f"/flows/{_segment(flow_id)}/action"
        # No body (the spec's StateActionDTO is optional), but a POST says what it would send:
        # Adobe's gateway refuses a POST without a JSON Content-Type.
        headers = {"Content-Type": "application/json"}
        if etag:
            headers["If-Match"] = quoted_etag(etag)
        response = self._call("POST", path, params=[("op", op)], headers=headers)
        body = json_body(response)
        if isinstance(body, dict) and isinstance(body.get("etag"), str) and body["etag"]:
            return str(body["etag"])
        return None

    # --- runs --------------------------------------------------------------------------

    def list_runs(self, flow_id: str, *properties: str) -> list[JsonObject]:
        return self._list("/runs", (f"flowId=={flow_id}", *properties))

    # --- other Platform APIs behind the same gateway (Data Prep, ad-hoc activation) -------

    def for_service(self, service_path: str) -> FlowServiceClient:
        """A client for another Platform API on this gateway (``/data/foundation/conversion``),
        sharing the token provider, session, sandbox and timeouts."""
        origin = urlunsplit((*self._origin, "", "", ""))
        return FlowServiceClient(
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
        """Send one call under this client's base URL; the decoded JSON answer (None if empty)."""
        return json_body(self._call(method, path, params=params, body=body, headers=headers))

    # --- generic resource operations -----------------------------------------------------

    def _create(self, collection: str, body: Mapping[str, Any]) -> Created:
        response = self._call("POST", collection, body=dict(body))
        answer = json_body(response)
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            _garbage(response, "POST", collection, outcome_unknown=True)
        etag = answer.get("etag")
        return Created(id=answer["id"], etag=etag if isinstance(etag, str) else None)

    def _get(self, collection: str, resource_id: str) -> JsonObject:
        path = f"{collection}/{_segment(resource_id)}"
        response = self._call("GET", path)
        answer = json_body(response)
        # Flow Service wraps single resources in {"items": [...]} like lists.
        if isinstance(answer, dict) and isinstance(answer.get("items"), list):
            items = answer["items"]
            if not items:
                raise ResourceNotFound(
                    f"{collection.lstrip('/')} {resource_id} does not exist in sandbox "
                    f"{self.sandbox!r}",
                    status=response.status_code,
                    method="GET",
                    path=path,
                    request_id=response.headers.get("x-request-id"),
                )
            if isinstance(items[0], dict):
                return items[0]
        elif isinstance(answer, dict) and "id" in answer:
            return answer
        _garbage(response, "GET", path)

    def _delete(self, collection: str, resource_id: str) -> None:
        self._call("DELETE", f"{collection}/{_segment(resource_id)}")

    def _find_by_name(self, collection: str, name: str) -> JsonObject | None:
        # The server filters; the exact-name check guards against a looser server-side match.
        # Names are deterministic but not unique in Adobe: the oldest match wins, so every
        # retry settles on the same resource.
        matches = [
            item for item in self._list(collection, (f"name=={name}",)) if item.get("name") == name
        ]
        if len(matches) > 1:
            logger.warning(
                "several resources share a name; using the oldest",
                extra={"collection": collection, "count": len(matches)},
            )
        matches.sort(key=lambda item: _number(item.get("createdAt")))  # stable: ties keep order
        return matches[0] if matches else None

    def _list(self, collection: str, properties: Iterable[str]) -> list[JsonObject]:
        """Every item, following ``_links.next.href`` until it is absent."""
        params: list[tuple[str, str]] | None = [("property", p) for p in properties]
        target = collection
        seen: set[str] = set()
        items: list[JsonObject] = []
        for _page in range(budget.MAX_PAGES):
            response = self._call("GET", target, params=params)
            page = json_body(response)
            page_items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(page_items, list) or not all(isinstance(i, dict) for i in page_items):
                _garbage(response, "GET", collection)
            items.extend(page_items)
            href = _next_href(page)
            if href is None:
                return items
            if href in seen:
                raise FlowServiceUnavailable(
                    "paging went round in a loop (the same next link came back twice)",
                    method="GET",
                    path=collection,
                    request_id=response.headers.get("x-request-id"),
                )
            seen.add(href)
            target, params = self._follow(href, collection), None
        raise PagingLimitExceeded(
            f"the list still offered a next page after {budget.MAX_PAGES} pages; not followed "
            "further",
            method="GET",
            path=collection,
        )

    def _follow(self, href: str, collection: str) -> str:
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

    def _call(
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


def _garbage(
    response: requests.Response, method: str, path: str, *, outcome_unknown: bool = False
) -> NoReturn:
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
    """The string values of ``auth.params`` in a request body: a base connection's secrets."""
    if not isinstance(body, dict):
        return []
    auth = body.get("auth")
    params = auth.get("params") if isinstance(auth, dict) else None
    if not isinstance(params, dict):
        return []
    return [value for value in params.values() if isinstance(value, str)]


# --- small helpers --------------------------------------------------------------------------


def quoted_etag(etag: str) -> str:
    """The etag as ``If-Match`` needs it: inside double quotes, whatever form it came in
    (bare, quoted, or with the escaped quotes of a JSON dump)."""
    bare = etag.strip().replace('\\"', '"').strip('"')
    return f'"{bare}"'


def _segment(resource_id: str) -> str:
    # Ids are UUIDs; refuse anything that would change the path instead of naming a resource.
    if not resource_id or any(c in resource_id for c in "/?#%") or resource_id in (".", ".."):
        raise FlowServiceRejected(f"not a valid resource id: {resource_id!r}")
    return resource_id


def _ids(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _next_href(page: JsonObject) -> str | None:
    links = page.get("_links")
    next_link = links.get("next") if isinstance(links, dict) else None
    href = next_link.get("href") if isinstance(next_link, dict) else None
    return href if isinstance(href, str) and href.strip() else None


# --- wiring for Lambda handlers -------------------------------------------------------------


def flow_service_from_settings(settings: Settings, sandbox: str) -> FlowServiceClient:
    """A client for ``sandbox`` using the credentials secret named by the settings.

    The secret (Powertools cache), the token (process-wide cache, and the stack's shared token
    secret when ``IMS_TOKEN_CACHE_SECRET`` names one) and the HTTP session (module-level) all
    survive across warm invocations.
    """
    credentials = load_adobe_credentials(settings.adobe_credentials_secret)
    session = shared_session()
    shared = (
        SharedTokenStore(settings.ims_token_cache_secret)
        if settings.ims_token_cache_secret
        else None
    )
    tokens = TokenProvider(
        settings.ims_url,
        credentials,
        session=session,
        timeout=settings.http_timeout,
        shared=shared,
    )
    return FlowServiceClient(
        settings.platform_url,
        tokens,
        api_key=credentials.client_id,
        org_id=credentials.org_id,
        sandbox=sandbox,
        session=session,
        timeout=settings.http_timeout,
    )
