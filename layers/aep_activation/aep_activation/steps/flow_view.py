"""How the dataflow steps see a flow: the document a flow just created is, which attribute
strategy reads it, the mapping set version a previous step prepared, and the state actions.

EnsureDataflow, ActivateAudiences, ValidateDataflow and the plan share these.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aep_activation.dataflow_diff import (
    PROFILE_SELECTORS,
    AttributeStrategy,
    DataflowSnapshot,
    empty_transformations,
)
from aep_activation.dataprep.attributes import MappingSetAttributes
from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.ensure import EnsuredMapping
from aep_activation.dataprep.mapping import (
    MappingRef,
    attached_mapping,
    desired_mapping,
    uses_mapping_set,
)
from aep_activation.errors import ActivationError
from aep_activation.flow_service import FlowServiceClient
from aep_activation.observability import logger
from aep_activation.request import ActivationRequest

STATE_ACTIONS = {"enabled": "ENABLE", "disabled": "DISABLE"}


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
    return DataflowSnapshot.of_flow(client.flows.get(dataflow_id))


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
        return client.flows.get(dataflow_id), None
    context = contextvars.copy_context()  # the invocation's time budget goes along
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(context.run, _read_hinted_set, conversion, hint)
        flow = client.flows.get(dataflow_id)  # its error, if any, is the step's
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


def prepared_mapping(
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
