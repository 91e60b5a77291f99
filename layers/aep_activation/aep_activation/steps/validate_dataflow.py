"""ValidateDataflow: re-read the flow and confirm it holds the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aep_activation.dataflow_diff import DataflowSnapshot, missing_from
from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.mapping import desired_mapping
from aep_activation.errors import DataflowNotConverged
from aep_activation.flow_service import FlowServiceClient
from aep_activation.request import ActivationRequest
from aep_activation.steps.flow_view import attribute_strategy, prepared_mapping


def check_dataflow(
    request: ActivationRequest,
    client: FlowServiceClient,
    dataflow_id: str,
    conversion: ConversionClient | None = None,
    *,
    confirmed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Re-read the flow and confirm it holds the request: every audience with its schedule,
    export mode and file name template, every attribute (new cards: the mapping set the flow
    names maps exactly the request's attributes and identity), nothing pruned left over, and
    the requested state; :class:`DataflowNotConverged` if not yet.

    ``confirmed``: the mapping set version this execution attached, found to map exactly the
    request's mappings. A version never changes (an update makes a new one), so when the flow
    names that version it is not read again."""
    flow = client.flows.get(dataflow_id)
    strategy = attribute_strategy(
        flow,
        conversion or ConversionClient(client),
        prepared_mapping(request, confirmed),
        attach=False,
    )
    snapshot = DataflowSnapshot.of_flow(flow, strategy)
    missing = missing_from(request, flow, attributes=strategy)
    if snapshot.state != request.dataflow_state:
        missing.append(f"state is {snapshot.state}, not {request.dataflow_state}")
    if missing:
        raise DataflowNotConverged(
            f"dataflow {dataflow_id} does not hold the request yet: " + "; ".join(missing)
        )
    checked: dict[str, Any] = {
        "dataflowId": snapshot.id,
        "etag": snapshot.etag,
        "audiences": snapshot.audiences,
        "attributes": snapshot.attributes,
        "state": snapshot.state,
    }
    if snapshot.mapping is not None:
        checked["identityNamespace"] = request.identity_namespace  # the set was found to hold it
        checked["columns"] = [
            f"{name} -> {column}" for name, column in desired_mapping(request).columns
        ]
        checked["mappingSet"] = {
            "mappingId": snapshot.mapping.get("mappingId"),
            "mappingVersion": snapshot.mapping.get("mappingVersion"),
        }
    return checked
