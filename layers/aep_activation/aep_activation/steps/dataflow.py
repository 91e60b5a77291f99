"""Steps 4-6: the dataflow. Create it (empty selectors, as the seed shows), activate audiences
and attributes with a JSON Patch guarded by the flow's etag, and check the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aep_activation.conversion import ConversionClient
from aep_activation.errors import DataflowNotConverged
from aep_activation.flow_service import FlowServiceClient
from aep_activation.guardrails import check_dataflow_totals
from aep_activation.mapping_set import (
    AttachedMapping,
    attach_operations,
    desired_mapping,
    general_transform_skeleton,
    holds,
    mapped_attributes,
    uses_mapping_set,
)
from aep_activation.model import ActivationRequest
from aep_activation.naming import resource_names
from aep_activation.selectors import (
    GENERAL_TRANSFORM,
    DataflowSnapshot,
    missing_from,
    plan_activation,
)
from aep_activation.steps.find_or_create import find_or_create
from aep_activation.steps.mapping import ensure_mapping_set


def ensure_dataflow(
    request: ActivationRequest,
    client: FlowServiceClient,
    specs: dict[str, Any],
    connections: dict[str, Any],
) -> tuple[DataflowSnapshot, bool]:
    """Find or create the dataflow; return what it holds now and whether it was created."""
    names = resource_names(request).dataflow
    flow_spec_id = str(specs["flowSpecId"])
    source_id = str(connections["profile"]["sourceConnectionId"])
    target_id = str(connections["destination"]["targetConnectionId"])
    transformation = (
        general_transform_skeleton()
        if uses_mapping_set(request)
        else {
            "name": GENERAL_TRANSFORM,
            "params": {
                "segmentSelectors": {"selectors": []},
                "profileSelectors": {"selectors": []},
            },
        }
    )
    body = {
        "name": names.name,
        "description": names.description,
        "flowSpec": {"id": flow_spec_id, "version": "1.0"},
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "transformations": [transformation],
    }

    def same(found: dict[str, Any]) -> bool:
        return (
            (found.get("flowSpec") or {}).get("id") == flow_spec_id
            and found.get("sourceConnectionIds") == [source_id]
            and found.get("targetConnectionIds") == [target_id]
        )

    ensured = find_or_create(
        "dataflow",
        body,
        find=client.find_flow_by_name,
        create=client.create_flow,
        same=same,
        differs="it joins other connections or another flow spec",
    )
    if ensured.created:
        return DataflowSnapshot.of_flow({**body, "id": ensured.id, "etag": ensured.etag}), True
    found = ensured.document
    if not found or not found.get("etag"):  # a list item without its etag: read the flow
        found = client.get_flow(ensured.id)
    return DataflowSnapshot.of_flow(found), False


def read_dataflow(client: FlowServiceClient, dataflow_id: str) -> DataflowSnapshot:
    """Re-read a flow: its etag and what it holds (after a 412, or for an existing dataflow)."""
    return DataflowSnapshot.of_flow(client.get_flow(dataflow_id))


@dataclass(frozen=True)
class ActivationOutcome:
    dataflow_id: str
    etag: str | None
    added_audiences: list[str]
    updated_audiences: list[str]
    added_attributes: list[str]
    fields_changed: list[str]
    patched: bool
    mapping_set: dict[str, Any] | None = None

    def to_state(self) -> dict[str, Any]:
        return {
            "mappingSet": self.mapping_set,
            "dataflowId": self.dataflow_id,
            "etag": self.etag,
            "addedAudiences": self.added_audiences,
            "updatedAudiences": self.updated_audiences,
            "addedAttributes": self.added_attributes,
            "fieldsChanged": self.fields_changed,
            "patched": self.patched,
        }


def activate(
    request: ActivationRequest,
    client: FlowServiceClient,
    snapshot: DataflowSnapshot,
    conversion: ConversionClient | None = None,
) -> ActivationOutcome:
    """PATCH what is missing, with ``If-Match`` on the snapshot's etag.

    A 412 (:class:`EtagMismatch`) propagates: the state machine re-reads the flow and calls
    this again, which then recomputes the patch from what is there now.

    New cards: the attributes and identity go into a mapping set (found or created first),
    attached with ``profileMapping`` in the same PATCH as the audiences.
    """
    if snapshot.mapping is not None:  # the flow's own shape decides (a dataflowId may name either)
        return _activate_with_mapping_set(
            request, client, snapshot, conversion or ConversionClient(client)
        )
    plan = plan_activation(request, snapshot)
    check_dataflow_totals(
        request,
        snapshot.id,
        audiences=len(snapshot.audiences) + len(plan.added_audiences),
        attributes=len(snapshot.attributes) + len(plan.added_attributes),
    )
    etag: str | None = snapshot.etag
    if not plan.empty:
        etag = client.patch_flow(snapshot.id, plan.operations, snapshot.etag)
    return ActivationOutcome(
        dataflow_id=snapshot.id,
        etag=etag,
        added_audiences=plan.added_audiences,
        updated_audiences=plan.updated_audiences,
        added_attributes=plan.added_attributes,
        fields_changed=plan.fields_changed,
        patched=not plan.empty,
    )


def _activate_with_mapping_set(
    request: ActivationRequest,
    client: FlowServiceClient,
    snapshot: DataflowSnapshot,
    conversion: ConversionClient,
) -> ActivationOutcome:
    desired = desired_mapping(request)
    plan = plan_activation(request, snapshot, attributes_by_mapping=True)
    check_dataflow_totals(
        request,
        snapshot.id,
        audiences=len(snapshot.audiences) + len(plan.added_audiences),
        attributes=len(desired.attributes),
    )
    ensured = ensure_mapping_set(request, conversion, desired)
    attached = (
        AttachedMapping.from_state(snapshot.mapping, snapshot.transform_index)
        if snapshot.mapping is not None
        else None
    )
    mapping_ops, changed = attach_operations(ensured.reference, desired, attached)
    added_attributes: list[str] = []
    if "profileMapping" in changed:
        before: list[str] = []
        if attached is not None and attached.mapping_id and attached.mapping_version is not None:
            previous = conversion.get_mapping_set(attached.mapping_id, attached.mapping_version)
            before = mapped_attributes(previous)[0]
        added_attributes = [p for p in desired.attributes if p not in before]
    operations = plan.operations + mapping_ops
    etag: str | None = snapshot.etag
    if operations:
        etag = client.patch_flow(snapshot.id, operations, snapshot.etag)
    return ActivationOutcome(
        dataflow_id=snapshot.id,
        etag=etag,
        added_audiences=plan.added_audiences,
        updated_audiences=plan.updated_audiences,
        added_attributes=added_attributes,
        fields_changed=changed,
        patched=bool(operations),
        mapping_set={
            "mappingId": ensured.reference.mapping_id,
            "mappingVersion": ensured.reference.mapping_version,
            "created": ensured.created,
        },
    )


def check_dataflow(
    request: ActivationRequest,
    client: FlowServiceClient,
    dataflow_id: str,
    conversion: ConversionClient | None = None,
) -> dict[str, Any]:
    """Re-read the flow and confirm it holds every requested audience (with its schedule, export
    mode and file name template) and attribute; :class:`DataflowNotConverged` if not yet."""
    snapshot = read_dataflow(client, dataflow_id)
    if snapshot.mapping is not None:
        return _check_mapping_set(request, snapshot, conversion or ConversionClient(client))
    missing = missing_from(request, snapshot)
    if missing:
        raise DataflowNotConverged(
            f"dataflow {dataflow_id} does not hold the request yet: " + "; ".join(missing)
        )
    return {
        "dataflowId": snapshot.id,
        "etag": snapshot.etag,
        "audiences": [a["id"] for a in snapshot.audiences],
        "attributes": snapshot.attributes,
    }


def _check_mapping_set(
    request: ActivationRequest, snapshot: DataflowSnapshot, conversion: ConversionClient
) -> dict[str, Any]:
    missing = missing_from(request, snapshot, attributes_by_mapping=True)
    desired = desired_mapping(request)
    attached = (
        AttachedMapping.from_state(snapshot.mapping, snapshot.transform_index)
        if snapshot.mapping is not None
        else None
    )
    attributes: list[str] = []
    identity: str | None = None
    if attached is None or attached.mapping_id is None or attached.mapping_version is None:
        missing.append("no mapping set is attached (profileMapping)")
    else:
        stored = conversion.get_mapping_set(attached.mapping_id, attached.mapping_version)
        attributes, identity = mapped_attributes(stored)
        if not holds(stored, desired):
            missing.append(
                f"mapping set {attached.mapping_id} version {attached.mapping_version} maps "
                f"{attributes} and identity {identity}, not the request's"
            )
        if list(attached.mandatory_fields) != list(desired.mandatory_fields):
            missing.append("mandatoryFields differ from the request")
        if [dict(p) for p in attached.primary_fields] != [dict(p) for p in desired.primary_fields]:
            missing.append("primaryFields differ from the request")
    if missing:
        raise DataflowNotConverged(
            f"dataflow {snapshot.id} does not hold the request yet: " + "; ".join(missing)
        )
    return {
        "dataflowId": snapshot.id,
        "etag": snapshot.etag,
        "audiences": [a["id"] for a in snapshot.audiences],
        "attributes": attributes,
        "identityNamespace": identity,
        "mappingSet": {
            "mappingId": attached.mapping_id if attached else None,
            "mappingVersion": attached.mapping_version if attached else None,
        },
    }
