"""Steps 4-6: the dataflow. Create it (empty selectors, as the seed shows), activate audiences
and attributes with a JSON Patch guarded by the flow's etag, and check the result."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aep_activation.dataprep.attributes import MappingSetAttributes
from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.ensure import EnsuredMapping, ensure_mapping_set
from aep_activation.dataprep.mapping import (
    MappingRef,
    attached_mapping,
    desired_mapping,
    uses_mapping_set,
)
from aep_activation.errors import ActivationError, DataflowNotConverged, FlowServiceUnavailable
from aep_activation.flow_service import FlowServiceClient
from aep_activation.guardrails import check_dataflow_totals
from aep_activation.model import ActivationRequest
from aep_activation.naming import resource_names
from aep_activation.observability import logger
from aep_activation.selectors import (
    PROFILE_SELECTORS,
    ActivationPlan,
    AttributeStrategy,
    DataflowSnapshot,
    empty_transformations,
    missing_from,
    plan_activation,
)
from aep_activation.steps.find_or_create import LookedUp, find_or_create

MAX_UNREADABLE_PATCH_ANSWERS = 2
"""PATCH answers that cannot be read (so may or may not have landed) met by re-reading and
re-planning within one step."""


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
        find=client.find_flow_by_name,
        create=client.create_flow,
        same=same,
        differs="it joins other connections or another flow spec",
        looked_up=looked_up,
    )
    if ensured.created and ensured.document is None:  # the create's own answer
        created = created_flow(request, ensured.id, ensured.etag)
        return DataflowSnapshot.of_flow(created), True
    found = ensured.document
    if not found or not found.get("etag"):  # a list item without its etag: read the flow
        found = client.get_flow(ensured.id)
    return DataflowSnapshot.of_flow(found), ensured.created


def created_flow(request: ActivationRequest, flow_id: str, etag: str | None) -> dict[str, Any]:
    """What a flow this activation has just created holds: its create's answer (id, etag) and
    the empty transformations it was created with. Flow Service adds nothing to them."""
    return {
        "id": flow_id,
        "etag": etag,
        "state": "enabled",
        "transformations": empty_transformations(mapping_set=uses_mapping_set(request)),
    }


def read_dataflow(client: FlowServiceClient, dataflow_id: str) -> DataflowSnapshot:
    """Re-read a flow: its etag and what it holds (after a 412, or for an existing dataflow)."""
    return DataflowSnapshot.of_flow(client.get_flow(dataflow_id))


STATE_ACTIONS = {"enabled": "ENABLE", "disabled": "DISABLE"}


@dataclass(frozen=True)
class ActivationOutcome:
    dataflow_id: str
    etag: str | None
    plan: ActivationPlan
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
            "addedAudiences": self.plan.added_audiences,
            "updatedAudiences": self.plan.updated_audiences,
            "removedAudiences": self.plan.removed_audiences,
            "addedAttributes": self.plan.added_attributes,
            "removedAttributes": self.plan.removed_attributes,
            "fieldsChanged": self.plan.fields_changed,
            "changes": self.plan.words,
            "patched": self.patched,
            "stateAction": self.state_action,
        }


def _held_mapping(
    conversion: ConversionClient,
    flow: dict[str, Any],
    ensured: EnsuredMapping | None = None,
    held: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The mapping set a new-card flow names now, as Data Prep holds it (None: none attached).
    ``held``: that version, already read."""
    attached = attached_mapping(flow)
    if attached is None or attached.mapping_id is None or attached.mapping_version is None:
        return None
    if ensured is not None and ensured.reference == MappingRef(
        attached.mapping_id, attached.mapping_version
    ):
        return {"mappings": ensured.mappings}  # the version just found to hold the request
    if held is not None:
        return held
    return conversion.get_mapping_set(attached.mapping_id, attached.mapping_version)


def attribute_strategy(
    flow: dict[str, Any],
    conversion: ConversionClient,
    ensured: EnsuredMapping | None = None,
    *,
    attach: bool = True,
    held: dict[str, Any] | None = None,
) -> AttributeStrategy:
    """How this flow holds attributes: its own shape decides (a ``dataflowId`` may name a
    legacy flow of a new card's type, or the reverse). ``attach``: ``ensured`` is the version
    to attach; else it only spares reading that version when the flow names it. ``held``:
    the version the flow names, already read (see :func:`read_flow_beside_its_set`)."""
    if attached_mapping(flow) is None:
        return PROFILE_SELECTORS
    return MappingSetAttributes(
        held=_held_mapping(conversion, flow, ensured, held),
        target=ensured.reference if ensured is not None and attach else None,
    )


MappingSetHint = Callable[[], MappingRef | None]
"""Where a flow's mapping set probably is without reading the flow first: the version the
activation's last apply attached (the registry). Only ever confirmed against the flow."""


def read_flow_beside_its_set(
    client: FlowServiceClient,
    conversion: ConversionClient,
    dataflow_id: str,
    hint: MappingSetHint | None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Read the flow and, at the same time, the mapping set version ``hint`` names; return
    the flow and that version when the flow's ``profileMapping`` names exactly it. A version
    never changes, so that read is the read of the set the flow names, only sent earlier:
    its answer counts as that read's would, an error included (raised here).

    The flow stays the truth: no hint, or a hint naming another version than the flow (its
    answer, or its error, then ignored), gives None, and the set the flow names is read
    after it, as without a hint. This keeps the read of the set off the chain of dependent
    calls whenever the activation's last apply is what the flow still names."""
    if hint is None:
        return client.get_flow(dataflow_id), None
    context = contextvars.copy_context()  # the invocation's time budget goes along
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(context.run, _read_hinted_set, conversion, hint)
        flow = client.get_flow(dataflow_id)  # its error, if any, is the step's
        hinted = beside.result()
    attached = attached_mapping(flow)
    if hinted is None or attached is None:
        return flow, None
    reference, answer = hinted
    if (attached.mapping_id, attached.mapping_version) != (
        reference.mapping_id,
        reference.mapping_version,
    ):
        logger.info(
            "the flow names another mapping set version than its last apply attached",
            extra={"dataflowId": dataflow_id, "recordedVersion": reference.mapping_version},
        )
        return flow, None
    if isinstance(answer, ActivationError):
        raise answer
    if answer.get("id") != reference.mapping_id or answer.get("version") != (
        reference.mapping_version
    ):
        return flow, None  # not the version asked for: read the one the flow names
    return flow, answer


def _read_hinted_set(
    conversion: ConversionClient, hint: MappingSetHint
) -> tuple[MappingRef, dict[str, Any] | ActivationError] | None:
    """The hinted version and Data Prep's answer for it, or the error it answered with (kept
    until the flow says whether that read was the one the step needed)."""
    reference = hint()
    if reference is None:
        return None
    try:
        return reference, conversion.get_mapping_set(
            reference.mapping_id, reference.mapping_version
        )
    except ActivationError as exc:
        return reference, exc


def activate(
    request: ActivationRequest,
    client: FlowServiceClient,
    dataflow_id: str,
    conversion: ConversionClient | None = None,
    *,
    created_etag: str | None = None,
    prepared: Mapping[str, Any] | None = None,
    mapping_hint: MappingSetHint | None = None,
) -> ActivationOutcome:
    """Converge the flow: read it afresh, PATCH the difference (one patch, none when there is
    none) with ``If-Match`` on that read's etag, then ENABLE/DISABLE it if its state differs.

    The fresh read is what makes index-addressed ``replace``/``remove`` safe: the indexes and
    the etag come from the same document. A 412 (:class:`EtagMismatch`) propagates: the state
    machine counts it, re-reads, and calls this again, which re-plans from what is there now.
    A flow this execution has just created is not read (``created_etag``, its create's
    answer): that etag and the empty transformations it was made with are the document, and
    the etag guards the PATCH as after a read (a flow changed since gets the 412).

    New cards: the attributes and identity go into a mapping set, attached with
    ``profileMapping`` in the same PATCH as the audiences. ``prepared`` is the version the
    EnsureMappingSet step made or found beside the connections (its state); without it (a
    request naming its ``dataflowId``) the set is ensured here first, after the guardrails,
    from the version the flow names; ``mapping_hint`` lets that version be read beside the
    flow rather than after it (:func:`read_flow_beside_its_set`).
    """
    conversion = conversion or ConversionClient(client)
    held: dict[str, Any] | None = None
    if created_etag is not None:
        flow = created_flow(request, dataflow_id, created_etag)
    else:
        hint = mapping_hint if prepared is None and uses_mapping_set(request) else None
        flow, held = read_flow_beside_its_set(client, conversion, dataflow_id, hint)
    ensured: EnsuredMapping | None = None
    attached = attached_mapping(flow)
    if attached is not None:
        # Guardrails before any write: audiences from the plan, attributes from the request.
        audiences_only = plan_activation(request, flow, attributes=MappingSetAttributes())
        check_dataflow_totals(
            request,
            str(flow.get("id", dataflow_id)),
            audiences=_audiences_after(DataflowSnapshot.of_flow(flow), audiences_only),
            attributes=len(request.profile_attributes),
        )
        ensured = _prepared(request, prepared) or ensure_mapping_set(
            request, conversion, desired_mapping(request), attached, held=held
        )
    strategy = attribute_strategy(flow, conversion, ensured, held=held)
    current = DataflowSnapshot.of_flow(flow, strategy)
    plan = attempt = plan_activation(request, flow, attributes=strategy)
    if ensured is None:
        check_dataflow_totals(
            request,
            current.id,
            audiences=_audiences_after(current, plan),
            attributes=len(current.attributes)
            + len(plan.added_attributes)
            - len(plan.removed_attributes),
        )
    etag: str | None = current.etag
    for _ in range(MAX_UNREADABLE_PATCH_ANSWERS + 1):
        if attempt.empty:
            etag = current.etag
            break
        try:
            etag = client.patch_flow(current.id, attempt.operations, current.etag)
            break
        except FlowServiceUnavailable as exc:
            if not exc.outcome_unknown or exc.status is None:
                # No answer at all: the state machine retries, and a 412 then leads to a
                # re-read as for any concurrent edit.
                raise
            # An answer came but cannot be read: not known to have landed. Read what the flow
            # holds now and plan again (an empty plan means it did land).
            flow = client.get_flow(dataflow_id)
            strategy = attribute_strategy(flow, conversion, ensured)
            current = DataflowSnapshot.of_flow(flow, strategy)
            attempt = plan_activation(request, flow, attributes=strategy)
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
            etag = client.get_flow(current.id)["etag"]
        etag = client.flow_action(current.id, action, etag) or etag
    return ActivationOutcome(
        dataflow_id=current.id,
        etag=etag,
        plan=plan,
        patched=not plan.empty,
        state_action=action,
        target_connection_spec_id=current.target_connection_spec_id,
        mapping_set=ensured.to_state() if ensured is not None else None,
    )


def _prepared(
    request: ActivationRequest, prepared: Mapping[str, Any] | None
) -> EnsuredMapping | None:
    """The EnsureMappingSet step's version, found there to map the request's mappings."""
    mapping_id = (prepared or {}).get("mappingId")
    version = (prepared or {}).get("mappingVersion")
    if not isinstance(mapping_id, str) or not isinstance(version, int) or prepared is None:
        return None
    return EnsuredMapping(
        MappingRef(mapping_id, version),
        created=[str(c) for c in prepared.get("created") or []],
        mappings=desired_mapping(request).mappings,
        left_behind=[dict(o) for o in prepared.get("leftBehind") or [] if isinstance(o, dict)],
    )


def _audiences_after(current: DataflowSnapshot, plan: ActivationPlan) -> int:
    return len(current.audiences) + len(plan.added_audiences) - len(plan.removed_audiences)


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
    flow = client.get_flow(dataflow_id)
    strategy = attribute_strategy(
        flow, conversion or ConversionClient(client), _prepared(request, confirmed), attach=False
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
