"""Steps 4-6: the dataflow. Create it (empty selectors, as the seed shows), activate audiences
and attributes with a JSON Patch guarded by the flow's etag, and check the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aep_activation.errors import DataflowNotConverged
from aep_activation.flow_service import FlowServiceClient
from aep_activation.model import ActivationRequest
from aep_activation.naming import resource_names
from aep_activation.selectors import (
    GENERAL_TRANSFORM,
    DataflowSnapshot,
    missing_from,
    plan_activation,
)
from aep_activation.steps.find_or_create import LookedUp, find_or_create


def ensure_dataflow(
    request: ActivationRequest,
    client: FlowServiceClient,
    specs: dict[str, Any],
    connections: dict[str, Any],
    looked_up: LookedUp | None = None,
) -> tuple[DataflowSnapshot, bool]:
    """Find or create the dataflow; return what it holds now and whether it was created."""
    names = resource_names(request).dataflow
    flow_spec_id = str(specs["flowSpecId"])
    source_id = str(connections["profile"]["sourceConnectionId"])
    target_id = str(connections["destination"]["targetConnectionId"])
    body = {
        "name": names.name,
        "description": names.description,
        "flowSpec": {"id": flow_spec_id, "version": "1.0"},
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "transformations": [
            {
                "name": GENERAL_TRANSFORM,
                "params": {
                    "segmentSelectors": {"selectors": []},
                    "profileSelectors": {"selectors": []},
                },
            }
        ],
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
        looked_up=looked_up,
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

    def to_state(self) -> dict[str, Any]:
        return {
            "dataflowId": self.dataflow_id,
            "etag": self.etag,
            "addedAudiences": self.added_audiences,
            "updatedAudiences": self.updated_audiences,
            "addedAttributes": self.added_attributes,
            "fieldsChanged": self.fields_changed,
            "patched": self.patched,
        }


def activate(
    request: ActivationRequest, client: FlowServiceClient, snapshot: DataflowSnapshot
) -> ActivationOutcome:
    """PATCH what is missing, with ``If-Match`` on the snapshot's etag.

    A 412 (:class:`EtagMismatch`) propagates: the state machine re-reads the flow and calls
    this again, which then recomputes the patch from what is there now.
    """
    plan = plan_activation(request, snapshot)
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


def check_dataflow(
    request: ActivationRequest, client: FlowServiceClient, dataflow_id: str
) -> dict[str, Any]:
    """Re-read the flow and confirm it holds every requested audience (with its schedule, export
    mode and file name template) and attribute; :class:`DataflowNotConverged` if not yet."""
    snapshot = read_dataflow(client, dataflow_id)
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
