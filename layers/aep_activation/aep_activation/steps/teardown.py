"""operation "teardown": delete what an activation made, in the order Flow Service allows.

1. the dataflow; 2. the target and source connections; 3. the destination base connection;
4. the Profile Store base connection, unless another source connection (another flow) still
uses it. Each deletion is confirmed by a 404 on read.

One step (one state, one Lambda call) does it all. Before anything is deleted it refuses
(:class:`TeardownNotConfirmed`) unless the live dataflow's id is the request's
``confirmDataflowId``: a name alone never deletes a dataflow.

It starts from what exists now, so a retry, or a teardown that failed halfway and is run
again, finishes the job, and a second teardown deletes nothing: resources are found by
``dataflowId`` or by their deterministic names, a DELETE answered 404 counts as already gone.

Its result, ``$.teardown``: ``{"resources": {...ids, null when absent}, "deleted": [...],
"alreadyGone": [...], "kept": [...], "leftBehind": [...]}`` (after a retry, what the failed
attempt deleted is ``alreadyGone``).

On the new file-based cards the dataflow's mapping set and its input and output schemas
stay: Adobe's Data Prep API (``data-prep.yaml``) publishes no DELETE for either, only list,
create, read and update. The step lists them in ``leftBehind`` (mapping set id and
version, schema ids, and why), so nobody believes them gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.mapping import attached_mapping
from aep_activation.errors import DeletionNotConfirmed, ResourceNotFound, TeardownNotConfirmed
from aep_activation.flow_service import FlowServiceClient, JsonObject
from aep_activation.naming import mapping_set_name, resource_names
from aep_activation.request import ActivationRequest


def tear_down(request: ActivationRequest, client: FlowServiceClient) -> dict[str, Any]:
    """Find what the activation made, then delete it level by level; the record of it all."""
    flow = find_flow(request, client)
    confirm_flow(request, flow)  # before anything is deleted
    record: dict[str, Any] = {
        "resources": find_resources(request, client, flow),
        "deleted": [],
        "alreadyGone": [],
        "kept": [],
        "leftBehind": left_behind(request, ConversionClient(client), flow),
    }
    teardown = _Teardown(client, record)
    resources = record["resources"]
    teardown.delete("flows", resources.get("dataflowId"))
    for target_id in resources.get("targetConnectionIds") or []:
        teardown.delete("targetConnections", target_id)
    for source_id in resources.get("sourceConnectionIds") or []:
        teardown.delete("sourceConnections", source_id)
    teardown.delete("connections", resources.get("destinationBaseConnectionId"))
    profile_id = resources.get("profileBaseConnectionId")
    users = _source_connections_using(client, profile_id) if profile_id else []
    if users:
        record["kept"].append(
            {
                "kind": "connections",
                "id": profile_id,
                "reason": "the Profile Store base connection is still used by source "
                f"connection(s) {', '.join(users)}",
            }
        )
    else:
        teardown.delete("connections", profile_id)
    return record


def find_flow(request: ActivationRequest, client: FlowServiceClient) -> JsonObject | None:
    """The activation's dataflow, by ``dataflowId`` or by name; None when it is gone."""
    if request.dataflow_id is not None:
        return _get_or_none(client.flows.get, request.dataflow_id)
    return client.flows.find_by_name(resource_names(request).dataflow.name)


def confirm_flow(request: ActivationRequest, flow: JsonObject | None) -> None:
    """TeardownNotConfirmed, before anything is deleted, unless the live dataflow is the one
    the request confirms. A flow already gone (a teardown started again) has nothing to
    confirm: what is left of the activation is found by its names."""
    if flow is None:
        return
    live_id = str(flow.get("id"))
    if live_id.lower() != (request.confirm_dataflow_id or "").lower():
        raise TeardownNotConfirmed(
            f"confirmDataflowId {request.confirm_dataflow_id} is not the id of the dataflow "
            f"this teardown would delete ({live_id}, {flow.get('name')!r}); nothing was deleted"
        )


def find_resources(
    request: ActivationRequest, client: FlowServiceClient, flow: JsonObject | None
) -> dict[str, Any]:
    """The ids of what the activation made, found from its flow or by name (None: gone)."""
    names = resource_names(request)
    if flow is not None:
        source_ids = _ids(flow.get("sourceConnectionIds"))
        target_ids = _ids(flow.get("targetConnectionIds"))
    else:  # the flow is gone already (an earlier teardown): its connections by name
        source = client.source_connections.find_by_name(names.source_connection.name)
        target = client.target_connections.find_by_name(names.target_connection.name)
        source_ids = [str(source["id"])] if source else []
        target_ids = [str(target["id"])] if target else []
    profile_id = _base_of(client.source_connections.get, source_ids) or _id_of(
        client.connections.find_by_name(names.profile_base_connection.name)
    )
    destination_id = _base_of(client.target_connections.get, target_ids) or _id_of(
        client.connections.find_by_name(names.destination_base_connection.name)
    )
    return {
        "dataflowId": str(flow["id"]) if flow else None,
        "targetConnectionIds": target_ids,
        "sourceConnectionIds": source_ids,
        "destinationBaseConnectionId": destination_id,
        "profileBaseConnectionId": profile_id,
    }


NO_DATA_PREP_DELETE: Final = "Adobe's Data Prep API offers no delete"


def left_behind(
    request: ActivationRequest, conversion: ConversionClient, flow: JsonObject | None
) -> list[dict[str, Any]]:
    """The mapping set (id, version) and schemas a new-card teardown cannot delete.

    Found from the flow's ``profileMapping``; when the flow is gone (a teardown run again),
    by the set's deterministic name. Every version's input and output schemas are listed: a
    changed attribute list made new ones. A legacy flow (no ``profileMapping``) has none."""
    if flow is not None:
        attached = attached_mapping(flow)
        if attached is None or attached.mapping_id is None:
            return []
        mapping_id, version = attached.mapping_id, attached.mapping_version
    else:
        found = conversion.find_mapping_set_by_name(mapping_set_name(request))
        if found is None:
            return []
        mapping_id, version = str(found["id"]), found.get("version")
    latest = version if isinstance(version, int) and not isinstance(version, bool) else 0
    schema_ids: list[str] = []
    for each in range(latest + 1):
        try:
            held = conversion.get_mapping_set(mapping_id, each)
        except ResourceNotFound:
            continue
        for side in ("inputSchema", "outputSchema"):
            reference = held.get(side)
            schema_id = reference.get("id") if isinstance(reference, dict) else None
            if isinstance(schema_id, str) and schema_id not in schema_ids:
                schema_ids.append(schema_id)
    reason = f"{NO_DATA_PREP_DELETE} for mapping sets or schemas"
    return [
        {"kind": "mappingSets", "id": mapping_id, "version": version, "reason": reason},
        *({"kind": "schemas", "id": schema_id, "reason": reason} for schema_id in schema_ids),
    ]


class _Teardown:
    def __init__(self, client: FlowServiceClient, record: dict[str, Any]) -> None:
        self._client = client
        self._record = record

    def delete(self, kind: str, resource_id: str | None) -> None:
        if not resource_id:
            return
        delete, read = self._operations(kind)
        entry = {"kind": kind, "id": resource_id}
        try:
            delete(resource_id)
        except ResourceNotFound:
            self._record["alreadyGone"].append(entry)
            return
        if _get_or_none(read, resource_id) is not None:
            raise DeletionNotConfirmed(f"{kind} {resource_id} still reads back after its DELETE")
        self._record["deleted"].append(entry)

    def _operations(self, kind: str) -> tuple[Callable[[str], None], Callable[[str], JsonObject]]:
        c = self._client
        return {
            "flows": (c.flows.delete, c.flows.get),
            "targetConnections": (c.target_connections.delete, c.target_connections.get),
            "sourceConnections": (c.source_connections.delete, c.source_connections.get),
            "connections": (c.connections.delete, c.connections.get),
        }[kind]


def _source_connections_using(client: FlowServiceClient, base_connection_id: str) -> list[str]:
    return [
        str(source["id"])
        for source in client.source_connections.list()
        if source.get("baseConnectionId") == base_connection_id
    ]


def _get_or_none(read: Callable[[str], JsonObject], resource_id: str) -> JsonObject | None:
    try:
        return read(resource_id)
    except ResourceNotFound:
        return None


def _base_of(read: Callable[[str], JsonObject], ids: list[str]) -> str | None:
    for resource_id in ids:
        doc = _get_or_none(read, resource_id)
        base = doc.get("baseConnectionId") if doc else None
        if isinstance(base, str) and base:
            return base
    return None


def _id_of(doc: JsonObject | None) -> str | None:
    return str(doc["id"]) if doc else None


def _ids(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
