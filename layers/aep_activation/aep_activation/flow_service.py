"""FlowServiceClient: Adobe Flow Service (destinations side) as typed resource collections.

Each of Flow Service's collections is one attribute with the same operations
(``client.connections.find_by_name(name)``, ``client.source_connections.create(body)``,
``client.flows.patch(...)``); the calls themselves, their headers, retries and errors, are
:class:`~aep_activation.platform_api.PlatformApi`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aws_lambda_powertools import Logger

from aep_activation import budget
from aep_activation.catalog import PROFILE_STORE_CONNECTION_SPEC_ID
from aep_activation.config import Settings
from aep_activation.credentials import load_adobe_credentials
from aep_activation.errors import FlowServiceUnavailable, PagingLimitExceeded, ResourceNotFound
from aep_activation.http import json_body, shared_session
from aep_activation.ims import SharedTokenStore, TokenProvider
from aep_activation.platform_api import PlatformApi, path_segment, quoted_etag, unreadable_answer

logger = Logger(service="aep-activation", child=True)

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Created:
    """Answer to a create: the new resource's id and etag (with its double quotes, as sent)."""

    id: str
    etag: str | None = None


class Collection:
    """A Flow Service collection that is read: list it, get one by id, find one by name."""

    def __init__(self, api: PlatformApi, path: str) -> None:
        self._api = api
        self.path = path  # "/connections"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def list(self, *properties: str) -> list[JsonObject]:
        """Every item (``property`` filters such as ``name==x``), following
        ``_links.next.href`` until it is absent."""
        params: list[tuple[str, str]] | None = [("property", p) for p in properties]
        target = self.path
        seen: set[str] = set()
        items: list[JsonObject] = []
        for _page in range(budget.MAX_PAGES):
            response = self._api.call("GET", target, params=params)
            page = json_body(response)
            page_items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(page_items, list) or not all(isinstance(i, dict) for i in page_items):
                unreadable_answer(response, "GET", self.path)
            items.extend(page_items)
            href = _next_href(page)
            if href is None:
                return items
            if href in seen:
                raise FlowServiceUnavailable(
                    "paging went round in a loop (the same next link came back twice)",
                    method="GET",
                    path=self.path,
                    request_id=response.headers.get("x-request-id"),
                )
            seen.add(href)
            target, params = self._api.link_path(href, self.path), None
        raise PagingLimitExceeded(
            f"the list still offered a next page after {budget.MAX_PAGES} pages; not followed "
            "further",
            method="GET",
            path=self.path,
        )

    def get(self, resource_id: str) -> JsonObject:
        path = f"{self.path}/{path_segment(resource_id)}"
        response = self._api.call("GET", path)
        answer = json_body(response)
        # Flow Service wraps single resources in {"items": [...]} like lists.
        if isinstance(answer, dict) and isinstance(answer.get("items"), list):
            items = answer["items"]
            if not items:
                raise ResourceNotFound(
                    f"{self.path.lstrip('/')} {resource_id} does not exist in sandbox "
                    f"{self._api.sandbox!r}",
                    status=response.status_code,
                    method="GET",
                    path=path,
                    request_id=response.headers.get("x-request-id"),
                )
            if isinstance(items[0], dict):
                return items[0]
        elif isinstance(answer, dict) and "id" in answer:
            return answer
        unreadable_answer(response, "GET", path)

    def find_by_name(self, name: str) -> JsonObject | None:
        # The server filters; the exact-name check guards against a looser server-side match.
        # Names are deterministic but not unique in Adobe: the oldest match wins, so every
        # retry settles on the same resource.
        matches = [item for item in self.list(f"name=={name}") if item.get("name") == name]
        if len(matches) > 1:
            logger.warning(
                "several resources share a name; using the oldest",
                extra={"collection": self.path, "count": len(matches)},
            )
        matches.sort(key=lambda item: _number(item.get("createdAt")))  # stable: ties keep order
        return matches[0] if matches else None


class Resources(Collection):
    """A collection this project writes: also create and delete."""

    def create(self, body: Mapping[str, Any]) -> Created:
        response = self._api.call("POST", self.path, body=dict(body))
        answer = json_body(response)
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            unreadable_answer(response, "POST", self.path, outcome_unknown=True)
        etag = answer.get("etag")
        return Created(id=answer["id"], etag=etag if isinstance(etag, str) else None)

    def delete(self, resource_id: str) -> None:
        self._api.call("DELETE", f"{self.path}/{path_segment(resource_id)}")


class FlowSpecs(Collection):
    def joining(
        self,
        target_connection_spec_id: str,
        source_connection_spec_id: str = PROFILE_STORE_CONNECTION_SPEC_ID,
    ) -> list[JsonObject]:
        """The flow specs joining that source to that target (matched on both: a target's
        audience and dataset flow specs differ only by their source)."""
        return [
            spec
            for spec in self.list()
            if target_connection_spec_id in _ids(spec.get("targetConnectionSpecIds"))
            and source_connection_spec_id in _ids(spec.get("sourceConnectionSpecIds"))
        ]

    def find_joining(
        self,
        target_connection_spec_id: str,
        source_connection_spec_id: str = PROFILE_STORE_CONNECTION_SPEC_ID,
    ) -> JsonObject | None:
        """The first flow spec joining that source to that target, if any."""
        joining = self.joining(target_connection_spec_id, source_connection_spec_id)
        return joining[0] if joining else None


class Patchable(Resources):
    """A collection whose resources take JSON Patch under ``If-Match`` (flows; target
    connections and base connections, whose params and auth params Adobe's "Edit destination
    connections" page edits so)."""

    def patch(
        self, resource_id: str, operations: Sequence[Mapping[str, Any]], etag: str
    ) -> str | None:
        """Apply JSON Patch ``operations`` if the resource is still at ``etag``.

        Returns the new etag when the answer carries one (200 ``{id, etag}``); None for the
        tutorial's 202 without a body, in which case re-read the resource for its etag.
        A stale etag raises EtagMismatch (412). Any other answer that cannot be read (an empty
        200, a body that is not JSON) raises FlowServiceUnavailable with ``outcome_unknown``:
        the patch may or may not have landed, so the resource must be re-read.
        """
        path = f"{self.path}/{path_segment(resource_id)}"
        response = self._api.call(
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
        unreadable_answer(response, "PATCH", path, outcome_unknown=True)


class Flows(Patchable):
    def action(self, flow_id: str, op: str, etag: str | None = None) -> str | None:
        """``POST /flows/{id}/action?op=ENABLE|DISABLE``; the new etag if the answer has one.

        With ``etag`` the action is guarded like a PATCH (412 when the flow changed)."""
        path = f"{self.path}/{path_segment(flow_id)}/action"
        # No body (the spec's StateActionDTO is optional), but a POST says what it would send:
        # Adobe's gateway refuses a POST without a JSON Content-Type.
        headers = {"Content-Type": "application/json"}
        if etag:
            headers["If-Match"] = quoted_etag(etag)
        response = self._api.call("POST", path, params=[("op", op)], headers=headers)
        body = json_body(response)
        if isinstance(body, dict) and isinstance(body.get("etag"), str) and body["etag"]:
            return str(body["etag"])
        return None


class Runs(Collection):
    def of_flow(self, flow_id: str, *properties: str) -> list[JsonObject]:
        """The flow's runs (``flowId==``), with any further ``property`` filters."""
        return self.list(f"flowId=={flow_id}", *properties)


class FlowServiceClient(PlatformApi):
    """Flow Service's collections on the Platform API at its base URL (``PLATFORM_URL``)."""

    # Made on first use: a client that only lists runs builds nothing else.

    @cached_property
    def connection_specs(self) -> Collection:
        return Collection(self, "/connectionSpecs")

    @cached_property
    def flow_specs(self) -> FlowSpecs:
        return FlowSpecs(self, "/flowSpecs")

    @cached_property
    def connections(self) -> Patchable:
        """Base connections."""
        return Patchable(self, "/connections")

    @cached_property
    def source_connections(self) -> Resources:
        return Resources(self, "/sourceConnections")

    @cached_property
    def target_connections(self) -> Patchable:
        return Patchable(self, "/targetConnections")

    @cached_property
    def flows(self) -> Flows:
        return Flows(self, "/flows")

    @cached_property
    def runs(self) -> Runs:
        return Runs(self, "/runs")


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
