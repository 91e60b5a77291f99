"""How the dataflow steps see a flow: the document a flow just created is, which attribute
strategy reads it, the mapping set version a previous step prepared, and the state actions.

EnsureDataflow, ActivateAudiences, ValidateDataflow and the plan share these.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from aep_activation.flow_service import FlowServiceClient
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
    conversion: ConversionClient, flow: dict[str, Any], ensured: EnsuredMapping | None = None
) -> dict[str, Any] | None:
    """The mapping set a new-card flow names now, as Data Prep holds it (None: none attached)."""
    attached = attached_mapping(flow)
    if attached is None or attached.mapping_id is None or attached.mapping_version is None:
        return None
    if ensured is not None and ensured.reference == MappingRef(
        attached.mapping_id, attached.mapping_version
    ):
        return {"mappings": ensured.mappings}  # the version just found to hold the request
    return conversion.get_mapping_set(attached.mapping_id, attached.mapping_version)


def attribute_strategy(
    flow: dict[str, Any],
    conversion: ConversionClient,
    ensured: EnsuredMapping | None = None,
    *,
    attach: bool = True,
) -> AttributeStrategy:
    """How this flow holds attributes: its own shape decides (a ``dataflowId`` may name a
    legacy flow of a new card's type, or the reverse). ``attach``: ``ensured`` is the version
    to attach; else it only spares reading that version when the flow names it."""
    if attached_mapping(flow) is None:
        return PROFILE_SELECTORS
    return MappingSetAttributes(
        held=_held_mapping(conversion, flow, ensured),
        target=ensured.reference if ensured is not None and attach else None,
    )


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
