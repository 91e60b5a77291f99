"""operation "plan": the dry run. The same resolution and diff as apply, against the live
resources, and nothing written: only GETs reach Flow Service.

It answers what apply would do: the resources it would create (found by their deterministic
names, or the dataflow by ``dataflowId``; on the new cards, what the EnsureMappingSet step
would make, by that step's own logic), the target connection params it would PATCH, the JSON
Patch it would send to the dataflow, the state action, and each change in plain words. A flow already in the desired state gives an
empty plan that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aep_activation.dataflow_diff import diff_dataflow, empty_transformations
from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.mapping import uses_mapping_set
from aep_activation.dataprep.step import would_make
from aep_activation.flow_service import Collection, FlowServiceClient, JsonObject
from aep_activation.naming import ResourceNames, resource_names
from aep_activation.request import ActivationRequest
from aep_activation.steps.connections import target_params_changes
from aep_activation.steps.flow_view import STATE_ACTIONS, attribute_strategy
from aep_activation.steps.resolve import resolve_specs

# What apply creates before the dataflow, in order: (state key, words, its name, where it is).
_Where = Callable[[FlowServiceClient], Collection]
_CREATED_BY_APPLY: tuple[tuple[str, str, Callable[[ResourceNames], str], _Where], ...] = (
    (
        "profileBaseConnection",
        "Profile Store base connection",
        lambda names: names.profile_base_connection.name,
        lambda client: client.connections,
    ),
    (
        "sourceConnection",
        "source connection",
        lambda names: names.source_connection.name,
        lambda client: client.source_connections,
    ),
    (
        "destinationBaseConnection",
        "destination base connection",
        lambda names: names.destination_base_connection.name,
        lambda client: client.connections,
    ),
    (
        "targetConnection",
        "target connection",
        lambda names: names.target_connection.name,
        lambda client: client.target_connections,
    ),
)


@dataclass(frozen=True)
class Plan:
    dataflow_id: str | None
    would_create: list[dict[str, str]]
    patch: list[dict[str, Any]]
    state_action: str | None
    changes: list[str]
    target_params: list[str] = field(default_factory=list)
    """How the found target connection's params differ from the request's (apply PATCHes)."""

    @property
    def converged(self) -> bool:
        return not (self.would_create or self.patch or self.state_action or self.target_params)

    def to_state(self) -> dict[str, Any]:
        return {
            "dataflowId": self.dataflow_id,
            "converged": self.converged,
            "summary": "the dataflow is already in the desired state: nothing to do"
            if self.converged
            else f"{len(self.changes)} change(s)",
            "wouldCreate": self.would_create,
            "patch": self.patch,
            "stateAction": self.state_action,
            "changes": self.changes,
        }


def plan(
    request: ActivationRequest,
    client: FlowServiceClient,
    *,
    secret_keys: Callable[[str], Iterable[str]],
) -> Plan:
    specs = resolve_specs(request, client, secret_keys=secret_keys)
    names = resource_names(request)
    would_create: list[dict[str, str]] = []
    target_params: list[str] = []
    flow: JsonObject | None
    if request.dataflow_id is not None:
        flow = client.flows.get(request.dataflow_id)  # named: it must exist (404 otherwise)
    else:
        for key, words, name_of, collection in _CREATED_BY_APPLY:
            name = name_of(names)
            found = collection(client).find_by_name(name)
            if found is None:
                would_create.append({"resource": key, "name": name, "words": f"create {words}"})
            elif key == "targetConnection":
                target_params = target_params_changes(request, found.get("params"))
        found = client.flows.find_by_name(names.dataflow.name)
        flow = client.flows.get(str(found["id"])) if found else None
    if uses_mapping_set(request):  # what EnsureMappingSet would make beside the connections
        would_create += would_make(request, client, flow)
    if flow is None:
        would_create.append(
            {"resource": "dataflow", "name": names.dataflow.name, "words": "create dataflow"}
        )
    # A dataflow apply would create starts empty and enabled: diff against that.
    live = flow or _new_flow(specs.flow_spec_id, mapping_set=uses_mapping_set(request))
    # New cards: the mapping set the flow names is read (a GET); none is made in a dry run.
    diff = diff_dataflow(
        request, live, attributes=attribute_strategy(live, ConversionClient(client))
    )
    action = (
        STATE_ACTIONS[request.dataflow_state]
        if live.get("state") != request.dataflow_state
        else None
    )
    changes = [f"{c['words']} {c['name']!r}" for c in would_create]
    changes += [f"target connection params: {change}" for change in target_params]
    changes += diff.words
    if action is not None:
        changes.append(f"{action.lower()} the dataflow (it is {live.get('state')})")
    return Plan(
        dataflow_id=str(flow["id"]) if flow else None,
        would_create=[{k: v for k, v in c.items() if k != "words"} for c in would_create],
        patch=diff.operations,
        state_action=action,
        changes=changes,
        target_params=target_params,
    )


def _new_flow(flow_spec_id: str, *, mapping_set: bool) -> JsonObject:
    return {
        "flowSpec": {"id": flow_spec_id},
        "state": "enabled",
        "transformations": empty_transformations(mapping_set=mapping_set),
    }
