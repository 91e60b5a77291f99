"""Step 3: the two sides of the dataflow, each a base connection then a source/target connection.

Profile Store side: base connection (no auth) -> source connection (``data.format`` CSV).
Destination side: base connection (credentials read here from Secrets Manager, sent to Adobe,
never returned) -> target connection (storage location and file format). A target connection
found with other params than the request's gets the request's params with Adobe's
``PATCH /targetConnections/{id}`` (help/destinations/api/edit-destination.md). A base
connection found older than the destination secret's version gets the secret's credentials with
``PATCH /connections/{id}`` on ``/auth/params`` (same page): Adobe never returns them, so the
secret version's creation time against the connection's ``updatedAt`` is what tells a rotation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Final

from aep_activation.catalog import PROFILE_STORE_CONNECTION_SPEC_ID
from aep_activation.errors import EtagMismatch
from aep_activation.flow_service import FlowServiceClient, Patchable
from aep_activation.naming import resource_names
from aep_activation.request import ActivationRequest
from aep_activation.step_inputs import LookedUp
from aep_activation.steps.find_or_create import Ensured, find_or_create, spec_id

SPEC_VERSION = "1.0"
TARGET_PARAMS_CHANGED: Final = "targetConnectionParams"
"""Key of ResolveSpecs' ``existing`` set when the target connection it found holds other
params than the request's: EnsureTargetConnection then reads it again and PATCHes them."""
CREDENTIALS_ROTATED: Final = "destinationCredentials"
"""Key of ResolveSpecs' ``existing`` set when the destination secret's version is newer than
the base connection it found: EnsureDestinationBaseConnection then PATCHes its auth params."""


def credentials_rotated(secret_created: float | None, connection_updated_at: Any) -> bool:
    """Whether the secret's version (``CreatedDate``, epoch seconds) was created after the
    base connection's last update (``updatedAt``, epoch milliseconds): Adobe then holds
    credentials older than the secret's. Unknown times count as not rotated."""
    if secret_created is None or isinstance(connection_updated_at, bool):
        return False
    if not isinstance(connection_updated_at, int | float):
        return False
    return secret_created * 1000 > connection_updated_at


def ensure_profile_base_connection(
    request: ActivationRequest, client: FlowServiceClient, looked_up: LookedUp | None = None
) -> Ensured:
    names = resource_names(request).profile_base_connection
    body = {
        "name": names.name,
        "description": names.description,
        "connectionSpec": {"id": PROFILE_STORE_CONNECTION_SPEC_ID, "version": SPEC_VERSION},
    }
    return find_or_create(
        "base connection",
        body,
        find=client.connections.find_by_name,
        create=client.connections.create,
        same=lambda found: spec_id(found) == PROFILE_STORE_CONNECTION_SPEC_ID,
        differs="it is not a Profile Store connection",
        looked_up=looked_up,
    )


def ensure_source_connection(
    request: ActivationRequest,
    client: FlowServiceClient,
    base_connection_id: str,
    looked_up: LookedUp | None = None,
) -> Ensured:
    names = resource_names(request).source_connection
    body = {
        "name": names.name,
        "description": names.description,
        "baseConnectionId": base_connection_id,
        "connectionSpec": {"id": PROFILE_STORE_CONNECTION_SPEC_ID, "version": SPEC_VERSION},
        "data": {"format": "CSV", "schema": None},
        "params": {},
    }
    return find_or_create(
        "source connection",
        body,
        find=client.source_connections.find_by_name,
        create=client.source_connections.create,
        same=lambda found: found.get("baseConnectionId") == base_connection_id,
        differs=f"it does not use base connection {base_connection_id}",
        looked_up=looked_up,
    )


def ensure_destination_base_connection(
    request: ActivationRequest,
    client: FlowServiceClient,
    specs: dict[str, Any],
    *,
    read_secret: Callable[[str], dict[str, Any]],
    looked_up: LookedUp | None = None,
    rotated: bool = False,
) -> Ensured:
    """Find or create the destination's base connection.

    The credentials live only in this function's locals and in the POST (or PATCH) body; the
    client masks them in any error whose answer quotes them back. ``rotated``: the look-up
    found the secret newer than the connection, so a found connection gets the secret's auth
    params (``read_secret`` must then read the current version, not a cached one).
    """
    if rotated and looked_up is not None and looked_up.id is not None:
        looked_up = None  # found again here, for its etag
    names = resource_names(request).destination_base_connection
    connection_spec_id = str(specs["connectionSpecId"])
    secret_id = request.destination.auth.secret_id
    secret = read_secret(secret_id) if secret_id is not None else {}
    # Only the auth spec's params: any other key in the secret stays here, never sent.
    allowed = set(specs.get("authParams") or ())
    params = {key: value for key, value in secret.items() if key in allowed}
    params = {**params, **request.destination.auth.request_params}  # e.g. s3Role: not secret
    body: dict[str, Any] = {
        "name": names.name,
        "description": names.description,
        "connectionSpec": {"id": connection_spec_id, "version": SPEC_VERSION},
    }
    # A connection spec without auth spec (Data Landing Zone: Adobe's example sends no auth)
    # gets none; ResolveSpecs read that from the live spec.
    if not ("authSpecName" in specs and specs["authSpecName"] is None):
        body["auth"] = {"specName": request.destination.auth.spec_name, "params": params}
    ensured = find_or_create(
        "base connection",
        body,
        find=client.connections.find_by_name,
        create=client.connections.create,
        same=lambda found: spec_id(found) == connection_spec_id,
        differs=f"its connection spec is not {connection_spec_id}",
        looked_up=looked_up,
    )
    if not rotated or ensured.created or "auth" not in body:
        return ensured
    operations = [{"op": "replace", "path": "/auth/params", "value": body["auth"]["params"]}]
    return _patched_under_etag(client.connections, ensured, operations)


def ensure_target_connection(
    request: ActivationRequest,
    client: FlowServiceClient,
    specs: dict[str, Any],
    base_connection_id: str,
    looked_up: LookedUp | None = None,
    *,
    params_changed: bool = False,
) -> Ensured:
    """Find or create the target connection; give a found one the request's params.

    ``params_changed``: the look-up found it with other params, so it is found again here
    (its params and etag) instead of taken by id.
    """
    if params_changed and looked_up is not None and looked_up.id is not None:
        looked_up = None
    names = resource_names(request).target_connection
    connection_spec_id = str(specs["connectionSpecId"])
    body: dict[str, Any] = {
        "name": names.name,
        "description": names.description,
        "baseConnectionId": base_connection_id,
        "connectionSpec": {"id": connection_spec_id, "version": SPEC_VERSION},
        "params": request.destination.target.params,
    }
    entry = request.destination.catalog_entry()
    if entry is not None and entry.card == "legacy":
        # The seed's legacy cards declare the payload format this way; newer cards take none.
        body["data"] = {"format": "json", "schema": {"id": "1.0", "version": "1.0"}}
    ensured = find_or_create(
        "target connection",
        body,
        find=client.target_connections.find_by_name,
        create=client.target_connections.create,
        same=lambda found: found.get("baseConnectionId") == base_connection_id,
        differs=f"it does not use base connection {base_connection_id}",
        looked_up=looked_up,
    )
    if ensured.created or ensured.document is None:
        return ensured  # made from the request, or taken by id from an unchanged look-up
    operations = [{"op": "replace", "path": "/params", "value": body["params"]}]
    return _patched_under_etag(
        client.target_connections,
        ensured,
        operations,
        still_needed=lambda live: bool(target_params_changes(request, live.get("params"))),
    )


def _patched_under_etag(
    resources: Patchable,
    ensured: Ensured,
    operations: list[dict[str, Any]],
    *,
    still_needed: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> Ensured:
    """PATCH a found resource under its etag (read first when the find gave none).

    The ensure steps' Retry does not cover EtagMismatch: a 412 (someone edited it in between)
    is met by one fresh read and one more attempt, unless ``still_needed`` says the resource
    read now no longer needs the patch.
    """
    document: dict[str, Any] = dict(ensured.document or {})
    for attempt in (1, 2):
        if not still_needed(document):
            return ensured
        etag = document.get("etag")
        if not isinstance(etag, str) or not etag:
            document = resources.get(ensured.id)  # the list gave no etag
            etag = str(document.get("etag") or "")
        try:
            new_etag = resources.patch(ensured.id, operations, etag)
        except EtagMismatch:
            if attempt == 2:
                raise
            document = resources.get(ensured.id)
            continue
        return dataclasses.replace(ensured, etag=new_etag, updated=True)
    raise AssertionError("unreachable")  # pragma: no cover


def target_params_changes(request: ActivationRequest, live_params: Any) -> list[str]:
    """How the live target connection's params differ from the request's, in words
    (``path 'a' -> 'b'``); empty when they agree.

    Only the keys the request sends are compared (Adobe may add defaults), plus a key the
    request no longer sends that the catalog knows as a param of the request's target mode.
    """
    desired = request.destination.target.params
    live = live_params if isinstance(live_params, dict) else {}
    changes = [
        f"{key} {_shown(live, key)} -> {value!r}"
        for key, value in desired.items()
        if live.get(key) != value
    ]
    changes += [
        f"{key} {live[key]!r} -> (not set)"
        for key in _request_side_params(request)
        if key not in desired and key in live
    ]
    return changes


def _request_side_params(request: ActivationRequest) -> tuple[str, ...]:
    entry = request.destination.catalog_entry()
    mode = entry.target_mode(request.destination.target.mode) if entry is not None else None
    return mode.known_params if mode is not None else ()


def _shown(params: dict[str, Any], key: str) -> str:
    return repr(params[key]) if key in params else "(not set)"
