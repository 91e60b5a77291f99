"""EnsureDataflow: the dataflow from the source to the target connection, found or created
with empty selectors (as the seed shows)."""

from __future__ import annotations

from typing import Any

from aep_activation.dataflow_diff import DataflowSnapshot, empty_transformations
from aep_activation.dataprep.mapping import uses_mapping_set
from aep_activation.flow_service import FlowServiceClient
from aep_activation.naming import resource_names
from aep_activation.request import ActivationRequest
from aep_activation.step_inputs import LookedUp
from aep_activation.steps.find_or_create import find_or_create
from aep_activation.steps.flow_view import created_flow


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
        "transformations": empty_transformations(mapping_set=uses_mapping_set(request)),
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
        find=client.flows.find_by_name,
        create=client.flows.create,
        same=same,
        differs="it joins other connections or another flow spec",
        looked_up=looked_up,
    )
    if ensured.created and ensured.document is None:  # the create's own answer
        created = created_flow(request, ensured.id, ensured.etag)
        return DataflowSnapshot.of_flow(created), True
    found = ensured.document
    if not found or not found.get("etag"):  # a list item without its etag: read the flow
        found = client.flows.get(ensured.id)
    return DataflowSnapshot.of_flow(found), ensured.created
