"""Step 3: the two sides of the dataflow, each a base connection then a source/target connection.

Profile Store side: base connection (no auth) -> source connection (``data.format`` CSV).
Destination side: base connection (credentials read here from Secrets Manager, sent to Adobe,
never returned) -> target connection (storage location and file format).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aep_activation.catalog import PROFILE_STORE_CONNECTION_SPEC_ID
from aep_activation.flow_service import FlowServiceClient
from aep_activation.naming import resource_names
from aep_activation.request import ActivationRequest
from aep_activation.step_inputs import LookedUp
from aep_activation.steps.find_or_create import Ensured, find_or_create, spec_id

SPEC_VERSION = "1.0"


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
) -> Ensured:
    """Find or create the destination's base connection.

    The credentials live only in this function's locals and in the POST body; the client
    masks them in any error whose answer quotes them back.
    """
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
    return find_or_create(
        "base connection",
        body,
        find=client.connections.find_by_name,
        create=client.connections.create,
        same=lambda found: spec_id(found) == connection_spec_id,
        differs=f"its connection spec is not {connection_spec_id}",
        looked_up=looked_up,
    )


def ensure_target_connection(
    request: ActivationRequest,
    client: FlowServiceClient,
    specs: dict[str, Any],
    base_connection_id: str,
    looked_up: LookedUp | None = None,
) -> Ensured:
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
    return find_or_create(
        "target connection",
        body,
        find=client.target_connections.find_by_name,
        create=client.target_connections.create,
        same=lambda found: found.get("baseConnectionId") == base_connection_id,
        differs=f"it does not use base connection {base_connection_id}",
        looked_up=looked_up,
    )
