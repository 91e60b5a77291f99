"""EnsureMappingSet: the Data Prep step of a new card's activation, beside the connections.

It makes what the dataflow's ``profileMapping`` will name: the input and output schemas (side
by side) and the mapping set joining them (a new version when the attributes change). It
needs no connection and no dataflow, so it runs as a third branch beside the two connection
branches, and ActivateAudiences only attaches what it made, in the PATCH it sends anyway.

Where a dataflow of this activation already exists (ResolveSpecs found it), the flow is the
source of truth: the version it names is read and reused when it maps the request (see
:mod:`aep_activation.dataprep.ensure`). Otherwise the set is found by name, or created; on a
first attempt after ResolveSpecs' look-up found nothing under any of the names, created at
once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.ensure import EnsuredMapping, ensure_mapping_set
from aep_activation.dataprep.mapping import attached_mapping, desired_mapping
from aep_activation.flow_service import FlowServiceClient
from aep_activation.request import ActivationRequest
from aep_activation.step_inputs import LookedUp

DATA_PREP = "dataPrep"
"""The look-up's key: None when nothing was found under any of the Data Prep names."""


def ensure_for_activation(
    request: ActivationRequest,
    client: FlowServiceClient,
    existing: Mapping[str, str | None] | None,
    *,
    retry: bool = False,
    dry_run: bool = False,
) -> EnsuredMapping:
    """The mapping set version this activation's dataflow must name (``dry_run``: what would
    be made, nothing written)."""
    conversion = ConversionClient(client)
    dataflow_id = (existing or {}).get("dataflow")
    attached = attached_mapping(client.flows.get(dataflow_id)) if dataflow_id else None
    looked_up = None
    if existing is not None and DATA_PREP in existing and existing[DATA_PREP] is None:
        looked_up = LookedUp(id=None, retry=retry)
    return ensure_mapping_set(
        request,
        conversion,
        desired_mapping(request),
        attached,
        looked_up=looked_up,
        dry_run=dry_run,
    )


WORDS = {
    "inputSchema": "create Data Prep input schema",
    "outputSchema": "create Data Prep output schema",
    "mappingSet": "create mapping set",
    "mappingVersion": "create a new version of mapping set",
}
"""A dry run's writes in plain words (each followed by the resource's name, or the set's id)."""


def would_make(
    request: ActivationRequest, client: FlowServiceClient, flow: Mapping[str, Any] | None
) -> list[dict[str, str]]:
    """What this step would write for ``request`` against ``flow`` (None: there is no flow
    yet), by the same logic, reading only: ``{"resource", "name", "words"}`` each."""
    attached = attached_mapping(dict(flow)) if flow is not None else None
    if flow is not None and attached is None:
        return []  # a flow of the selectors shape holds its attributes itself
    ensured = ensure_mapping_set(
        request, ConversionClient(client), desired_mapping(request), attached, dry_run=True
    )
    return [{**made, "words": WORDS[made["resource"]]} for made in ensured.would_create]
