"""ResolveSpecs' second half: look up, side by side, every resource the activation will need.

The five find-by-name calls do not depend on each other, nor on the spec look-ups, so they run
concurrently with them: one round trip instead of one per step. On the new cards the Data Prep
names (input schema, output schema, mapping set) are looked up in the same round trip. The ensure steps then skip
their own find on a first attempt (see :class:`LookedUp`); a retried attempt still finds
before it creates, since the create it retries may have landed with its answer lost.
A namesake that is not the resource this request describes fails here, before anything is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aep_activation.catalog import PROFILE_STORE_CONNECTION_SPEC_ID
from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.ensure import data_prep_names
from aep_activation.dataprep.mapping import uses_mapping_set
from aep_activation.dataprep.step import DATA_PREP
from aep_activation.errors import ResourceConflict
from aep_activation.flow_service import FlowServiceClient
from aep_activation.naming import resource_names
from aep_activation.request import ActivationRequest
from aep_activation.steps.connections import (
    CREDENTIALS_ROTATED,
    TARGET_PARAMS_CHANGED,
    credentials_rotated,
    target_params_changes,
)
from aep_activation.steps.find_or_create import spec_id
from aep_activation.steps.resolve import ResolvedSpecs, resolve_specs

Found = dict[str, Any] | None


def resolve_and_look_up(
    request: ActivationRequest,
    client: FlowServiceClient,
    *,
    secret_keys: Callable[[str], Iterable[str]],
    secret_created: Callable[[str], float | None] | None = None,
) -> dict[str, Any]:
    """The resolved specs, plus ``existing``: the id of each resource found, else None.

    ``secret_created``: when the destination secret's version was created (the same cached
    read as ``secret_keys``'), to tell a rotation after Adobe last got the credentials."""
    names = resource_names(request)
    finds: dict[str, tuple[Callable[[str], Found], str]] = {
        "profileBaseConnection": (
            client.connections.find_by_name,
            names.profile_base_connection.name,
        ),
        "sourceConnection": (client.source_connections.find_by_name, names.source_connection.name),
        "destinationBaseConnection": (
            client.connections.find_by_name,
            names.destination_base_connection.name,
        ),
        "targetConnection": (client.target_connections.find_by_name, names.target_connection.name),
        "dataflow": (client.flows.find_by_name, names.dataflow.name),
    }
    data_prep = uses_mapping_set(request)
    prep_finds = _data_prep_finds(request, client) if data_prep else []
    client.ensure_token()  # one token for every thread below, not one fetch each
    with ThreadPoolExecutor(max_workers=len(finds) + len(prep_finds) + 1) as pool:
        specs_future = pool.submit(resolve_specs, request, client, secret_keys=secret_keys)
        found_futures = {key: pool.submit(find, name) for key, (find, name) in finds.items()}
        prep_futures = [pool.submit(find_all, name) for find_all, name in prep_finds]
        specs = specs_future.result()
        found = {key: future.result() for key, future in found_futures.items()}
        prep_found = any(future.result() for future in prep_futures)
    existing = existing_ids(found, specs, names_of(finds))
    target = found["targetConnection"]
    if target is not None and target_params_changes(request, target.get("params")):
        existing[TARGET_PARAMS_CHANGED] = "changed"  # EnsureTargetConnection PATCHes them
    base = found["destinationBaseConnection"]
    secret_id = request.destination.auth.secret_id
    if (
        base is not None
        and secret_id is not None
        and secret_created is not None
        and credentials_rotated(secret_created(secret_id), base.get("updatedAt"))
    ):
        # EnsureDestinationBaseConnection PATCHes them; the marker carries no value.
        existing[CREDENTIALS_ROTATED] = "rotated"
    if data_prep:
        # Only whether anything answers under those names: EnsureMappingSet confirms what it
        # finds by content, so it finds again unless nothing was there.
        existing[DATA_PREP] = "found" if prep_found else None
    return {**specs.to_state(), "dataPrep": data_prep, "existing": existing}


def _data_prep_finds(
    request: ActivationRequest, client: FlowServiceClient
) -> list[tuple[Callable[[str], list[dict[str, Any]]], str]]:
    conversion = ConversionClient(client)
    input_schema, output_schema, mapping_set = data_prep_names(request)
    return [
        (conversion.find_schemas, input_schema),
        (conversion.find_schemas, output_schema),
        (conversion.find_mapping_sets, mapping_set),
    ]


def names_of(finds: dict[str, tuple[Any, str]]) -> dict[str, str]:
    return {key: name for key, (_, name) in finds.items()}


def existing_ids(
    found: dict[str, Found], specs: ResolvedSpecs, names: dict[str, str]
) -> dict[str, str | None]:
    """Each found resource's id, after checking it is the one the request describes."""

    def conflict(key: str, kind: str, differs: str) -> ResourceConflict:
        return ResourceConflict(
            f"a {kind} named {names[key]!r} already exists but {differs}; "
            "rename the resource in the request (resources.*.name) or remove the other one"
        )

    def id_of(key: str) -> str | None:
        document = found[key]
        return str(document["id"]) if document is not None else None

    profile, destination = found["profileBaseConnection"], found["destinationBaseConnection"]
    if profile is not None and spec_id(profile) != PROFILE_STORE_CONNECTION_SPEC_ID:
        raise conflict(
            "profileBaseConnection", "base connection", "it is not a Profile Store connection"
        )
    if destination is not None and spec_id(destination) != specs.connection_spec_id:
        raise conflict(
            "destinationBaseConnection",
            "base connection",
            f"its connection spec is not {specs.connection_spec_id}",
        )
    for key, base_key, kind in (
        ("sourceConnection", "profileBaseConnection", "source connection"),
        ("targetConnection", "destinationBaseConnection", "target connection"),
    ):
        document = found[key]
        if document is not None and document.get("baseConnectionId") != id_of(base_key):
            raise conflict(key, kind, f"it does not use base connection {id_of(base_key)}")
    flow = found["dataflow"]
    if flow is not None and (
        (flow.get("flowSpec") or {}).get("id") != specs.flow_spec_id
        or flow.get("sourceConnectionIds") != [id_of("sourceConnection")]
        or flow.get("targetConnectionIds") != [id_of("targetConnection")]
    ):
        raise conflict("dataflow", "dataflow", "it joins other connections or another flow spec")
    return {key: id_of(key) for key in found}
