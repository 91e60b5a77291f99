"""ActivateAudiences: the audiences and attributes onto the dataflow, with one JSON Patch
guarded by the flow's etag, then its state (ENABLE/DISABLE) when it differs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aep_activation.dataflow_diff import DataflowDiff, DataflowSnapshot, diff_dataflow
from aep_activation.dataprep.attributes import MappingSetAttributes
from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.ensure import EnsuredMapping, ensure_mapping_set
from aep_activation.dataprep.mapping import attached_mapping, desired_mapping
from aep_activation.errors import FlowServiceUnavailable
from aep_activation.flow_service import FlowServiceClient
from aep_activation.limits import check_dataflow_totals
from aep_activation.request import ActivationRequest
from aep_activation.steps.flow_view import (
    STATE_ACTIONS,
    attribute_strategy,
    created_flow,
    prepared_mapping,
)

MAX_UNREADABLE_PATCH_ANSWERS = 2
"""PATCH answers that cannot be read (so may or may not have landed) met by re-reading and
re-diffing within one step."""


@dataclass(frozen=True)
class ActivationOutcome:
    dataflow_id: str
    etag: str | None
    diff: DataflowDiff
    patched: bool
    state_action: str | None
    mapping_set: dict[str, Any] | None = None
    target_connection_spec_id: str | None = None
    """Of the flow as read: tells a retired card's flow named by ``dataflowId``."""

    def to_state(self) -> dict[str, Any]:
        return {
            "mappingSet": self.mapping_set,
            "dataflowId": self.dataflow_id,
            "targetConnectionSpecId": self.target_connection_spec_id,
            "etag": self.etag,
            "addedAudiences": self.diff.added_audiences,
            "updatedAudiences": self.diff.updated_audiences,
            "removedAudiences": self.diff.removed_audiences,
            "addedAttributes": self.diff.added_attributes,
            "removedAttributes": self.diff.removed_attributes,
            "fieldsChanged": self.diff.fields_changed,
            "changes": self.diff.words,
            "patched": self.patched,
            "stateAction": self.state_action,
        }


def activate(
    request: ActivationRequest,
    client: FlowServiceClient,
    dataflow_id: str,
    conversion: ConversionClient | None = None,
    *,
    created_etag: str | None = None,
    prepared: Mapping[str, Any] | None = None,
) -> ActivationOutcome:
    """Converge the flow: read it afresh, PATCH the difference (one patch, none when there is
    none) with ``If-Match`` on that read's etag, then ENABLE/DISABLE it if its state differs.

    The fresh read is what makes index-addressed ``replace``/``remove`` safe: the indexes and
    the etag come from the same document. A 412 (:class:`EtagMismatch`) propagates: the state
    machine counts it, re-reads, and calls this again, which diffs again from what is there now.
    A flow this execution has just created is not read (``created_etag``, its create's
    answer): that etag and the empty transformations it was made with are the document, and
    the etag guards the PATCH as after a read (a flow changed since gets the 412).

    New cards: the attributes and identity go into a mapping set, attached with
    ``profileMapping`` in the same PATCH as the audiences. ``prepared`` is the version the
    EnsureMappingSet step made or found beside the connections (its state); without it (a
    request naming its ``dataflowId``) the set is ensured here first, after the guardrails.
    """
    conversion = conversion or ConversionClient(client)
    flow = (
        created_flow(request, dataflow_id, created_etag)
        if created_etag is not None
        else client.flows.get(dataflow_id)
    )
    ensured: EnsuredMapping | None = None
    attached = attached_mapping(flow)
    if attached is not None:
        # Guardrails before any write: audiences from the diff, attributes from the request.
        audiences_only = diff_dataflow(request, flow, attributes=MappingSetAttributes())
        check_dataflow_totals(
            request,
            str(flow.get("id", dataflow_id)),
            audiences=_audiences_after(DataflowSnapshot.of_flow(flow), audiences_only),
            attributes=len(request.profile_attributes),
        )
        ensured = prepared_mapping(request, prepared) or ensure_mapping_set(
            request, conversion, desired_mapping(request), attached
        )
    strategy = attribute_strategy(flow, conversion, ensured)
    current = DataflowSnapshot.of_flow(flow, strategy)
    diff = attempt = diff_dataflow(request, flow, attributes=strategy)
    if ensured is None:
        check_dataflow_totals(
            request,
            current.id,
            audiences=_audiences_after(current, diff),
            attributes=len(current.attributes)
            + len(diff.added_attributes)
            - len(diff.removed_attributes),
        )
    etag: str | None = current.etag
    for _ in range(MAX_UNREADABLE_PATCH_ANSWERS + 1):
        if attempt.empty:
            etag = current.etag
            break
        try:
            etag = client.flows.patch(current.id, attempt.operations, current.etag)
            break
        except FlowServiceUnavailable as exc:
            if not exc.outcome_unknown or exc.status is None:
                # No answer at all: the state machine retries, and a 412 then leads to a
                # re-read as for any concurrent edit.
                raise
            # An answer came but cannot be read: not known to have landed. Read what the flow
            # holds now and diff again (an empty diff means it did land).
            flow = client.flows.get(dataflow_id)
            strategy = attribute_strategy(flow, conversion, ensured)
            current = DataflowSnapshot.of_flow(flow, strategy)
            attempt = diff_dataflow(request, flow, attributes=strategy)
    else:
        if attempt.empty:  # the last re-read shows the patch landed
            etag = current.etag
        else:
            raise FlowServiceUnavailable(
                f"the PATCH of dataflow {dataflow_id} got {MAX_UNREADABLE_PATCH_ANSWERS + 1} "
                "answers that could not be read; the step is retried",
                method="PATCH",
                path=f"/flows/{dataflow_id}",
            )
    action = None
    if current.state != request.dataflow_state:
        action = STATE_ACTIONS[request.dataflow_state]
        if etag is None:  # a 202 without a body: the action needs the new etag
            etag = client.flows.get(current.id)["etag"]
        etag = client.flows.action(current.id, action, etag) or etag
    return ActivationOutcome(
        dataflow_id=current.id,
        etag=etag,
        diff=diff,
        patched=not diff.empty,
        state_action=action,
        target_connection_spec_id=current.target_connection_spec_id,
        mapping_set=ensured.to_state() if ensured is not None else None,
    )


def _audiences_after(current: DataflowSnapshot, diff: DataflowDiff) -> int:
    return len(current.audiences) + len(diff.added_audiences) - len(diff.removed_audiences)
