"""``/flows``: create, and ``PATCH`` with RFC 6902 JSON Patch under an etag precondition.

- ``If-Match`` must equal the current etag *including its double quotes*; missing -> 400,
  different -> 412 (``errorMessage``: "Supplied version=[...] does not match ...").
- Only ``add``, ``replace`` and ``remove`` (the spec's ``PatchFlowItem.op``); operations on
  system fields (``id``, ``etag``, ``flowSpec``, ``inheritedAttributes`` ...) -> 400.
- The patched flow is validated like a created one (connections; selectors and the tutorial's rules
  in ``transformations.py``, in the flow spec's selector version), except that a selector the
  PATCH leaves unchanged is not judged again;
  a new segment selector gets ``createTime``/``updateTime`` (epoch seconds, as strings), a
  changed one a new ``updateTime``; profile selectors get ``operator: EXISTS`` and the
  ``mapping`` Adobe adds (Adobe's Flow Service tutorial, "Validate the dataflow").
- Answer: 200 ``{id, etag}`` (API reference) or 202 without body (tutorial), per settings.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Final

import jsonpatch

from local.emulator import errors, profile_mapping, selectors, specs, transformations
from local.emulator.connections import apply_patch, patch_operations, require_name
from local.emulator.context import ServiceContext, created, metadata, new_version, touch
from local.emulator.exchange import Call, Reply
from local.emulator.store import Document, Kind

_WHOLE_SELECTOR: Final = re.compile(r"^/transformations/\d+/params/segmentSelectors/selectors/\d+$")
READ_ONLY_FIELDS: Final = frozenset(
    {
        "id",
        "etag",
        "version",
        "createdAt",
        "updatedAt",
        "createdBy",
        "updatedBy",
        "createdClient",
        "updatedClient",
        "sandboxId",
        "sandboxName",
        "imsOrgId",
        "flowSpec",
        "inheritedAttributes",
        "state",
        "lastOperation",
        "lastRunDetails",
        "providerRefId",
    }
)


def create_flow(call: Call, ctx: ServiceContext) -> Reply:
    body = call.json_object()
    doc = metadata(call)
    doc["name"] = require_name(call, body)
    if isinstance(body.get("description"), str):
        doc["description"] = body["description"]
    spec = _flow_spec(call, ctx, body.get("flowSpec"))
    doc["flowSpec"] = {"id": spec.id, "version": body["flowSpec"].get("version", "1.0")}
    doc["state"] = "enabled"
    doc["sourceConnectionIds"] = body.get("sourceConnectionIds")
    doc["targetConnectionIds"] = body.get("targetConnectionIds")
    if "transformations" in body:
        doc["transformations"] = copy.deepcopy(body["transformations"])
    elif spec.mapping_based:
        doc["transformations"] = [profile_mapping.skeleton()]
    elif not spec.is_dataset_flow:
        doc["transformations"] = [transformations.empty_transformation()]
    if "scheduleParams" in body:
        doc["scheduleParams"] = copy.deepcopy(body["scheduleParams"])
    _validate(call, ctx, doc, previous=None)
    new_version(doc)
    ctx.store.insert("flows", call.require_tenant, doc)
    return Reply(201, created(doc))


def patch_flow(call: Call, ctx: ServiceContext) -> Reply:
    current = _live_flow(call, ctx)
    patched = apply_patch(call, current, "flow", _operations)
    _validate(call, ctx, patched, previous=current)
    touch(patched, call.client_id)
    ctx.store.replace("flows", call.require_tenant, patched)
    if ctx.settings.patch_status == 202:
        return Reply(202)
    return Reply(200, created(patched))


def _live_flow(call: Call, ctx: ServiceContext) -> Document:
    """The flow the path names, or Flow Service's 404."""
    flow_id = call.route_params["id"]
    current = ctx.store.live_get("flows", call.require_tenant, flow_id)
    if current is None:
        raise errors.not_found("flows", flow_id, call.request_id)
    return current


def flow_action(call: Call, ctx: ServiceContext) -> Reply:
    """``POST /flows/{id}/action?op=ENABLE|DISABLE``: a state transition (flow-service spec,
    ``postStateTransition``); ``If-Match`` optional, checked when sent. Answers the flow's
    ``{id, etag}``. The other ops (FINALIZE, PUBLISH...) concern other flow kinds: 400."""
    current = _live_flow(call, ctx)
    supplied = call.header("if-match")
    if supplied is not None and supplied.strip() and supplied.strip() != current["etag"]:
        raise errors.version_mismatch(supplied.strip(), current["etag"])
    op = (call.query_one("op") or "").upper()
    states = {"ENABLE": "enabled", "DISABLE": "disabled"}
    if op not in states:
        raise errors.bad_request(
            errors.INVALID_QUERY, "op: must be ENABLE or DISABLE for a dataflow", call.request_id
        )
    if current.get("state") != states[op]:
        current["state"] = states[op]
        touch(current, call.client_id)
    return Reply(200, created(current))


def edit_flow(flow: Document, operations: list[dict[str, Any]]) -> None:
    """What a person editing the flow in the UI does to it (the etag is bumped separately)."""
    patched = jsonpatch.JsonPatch(operations).apply(copy.deepcopy(flow))
    transformations.enrich(patched, flow)
    flow.clear()
    flow.update(patched)


def bump_etag(flow: Document) -> str:
    """What a concurrent editor does to the flow: a new etag (and ``updatedAt``)."""
    return touch(flow, None)


def _operations(call: Call) -> list[dict[str, Any]]:
    operations = patch_operations(call)
    for index, operation in enumerate(operations):
        top = operation["path"].split("/")[1] if operation["path"].startswith("/") else ""
        if not top or top.replace("~1", "/").replace("~0", "~") in READ_ONLY_FIELDS:
            raise errors.bad_request(
                errors.READ_ONLY_FIELD,
                f"[{index}].path: '{operation['path']}' is read-only",
                call.request_id,
            )
        if operation["op"] != "remove" and "value" not in operation:
            raise errors.bad_request(
                errors.INVALID_PATCH, f"[{index}].value: is required", call.request_id
            )
        if operation["op"] == "replace" and _WHOLE_SELECTOR.match(operation["path"]):
            value = (
                operation["value"].get("value") if isinstance(operation["value"], dict) else None
            )
            if not isinstance(value, dict) or not {"createTime", "updateTime"} <= set(value):
                raise errors.bad_request(
                    errors.INVALID_SELECTOR,
                    f"[{index}].value: a replaced segment selector must carry the whole "
                    "audience, its createTime and updateTime included",
                    call.request_id,
                )
    return operations


def _flow_spec(call: Call, ctx: ServiceContext, reference: Any) -> specs.FlowSpec:
    spec_id = reference.get("id") if isinstance(reference, dict) else None
    spec = ctx.flow_spec(spec_id) if isinstance(spec_id, str) else None
    if spec is None:
        raise errors.bad_request(
            errors.INVALID_FLOW_SPEC,
            f"Please provide a valid flow spec id: flow spec {spec_id} does not exist",
            call.request_id,
        )
    return spec


def _validate(call: Call, ctx: ServiceContext, flow: Document, previous: Document | None) -> None:
    """Check ``flow`` as a whole; fill in what Adobe adds (inherited attributes, selectors)."""
    require_name(call, flow)
    spec = _flow_spec(call, ctx, flow.get("flowSpec"))
    flow["inheritedAttributes"] = _inherited_attributes(call, ctx, flow, spec)
    if spec.mapping_based:
        profile_mapping.ignore_profile_selectors(flow)
        mapping_problems = profile_mapping.problems(flow, call.require_tenant, ctx.store)
        if mapping_problems:
            raise errors.bad_request(
                errors.INVALID_SELECTOR, "; ".join(mapping_problems), call.request_id
            )
    problems = transformations.problems(
        flow.get("transformations", []),
        v2=selectors.takes_v2_selectors(spec),
        previous=previous,
    )
    if problems:
        raise errors.bad_request(errors.INVALID_SELECTOR, "; ".join(problems), call.request_id)
    transformations.enrich(flow, previous)


def _inherited_attributes(
    call: Call, ctx: ServiceContext, flow: Document, spec: specs.FlowSpec
) -> dict[str, Any]:
    sources = _connections(call, ctx, flow, "sourceConnections", spec.source_spec_ids, spec)
    targets = _connections(call, ctx, flow, "targetConnections", spec.target_spec_ids, spec)
    return {
        "properties": {"isDestinationFlow": True},
        "sourceConnections": [_inherited(doc) for doc in sources],
        "targetConnections": [_inherited(doc) for doc in targets],
    }


def _connections(
    call: Call,
    ctx: ServiceContext,
    flow: Document,
    kind: Kind,
    accepted: tuple[str, ...],
    spec: specs.FlowSpec,
) -> list[Document]:
    field = "sourceConnectionIds" if kind == "sourceConnections" else "targetConnectionIds"
    ids = flow.get(field)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise errors.bad_request(
            errors.INVALID_FLOW_CONNECTIONS,
            f"{field} must be a non-empty array of {kind} ids",
            call.request_id,
        )
    found = []
    for resource_id in ids:
        doc = ctx.store.live_get(kind, call.require_tenant, resource_id)
        if doc is None:
            raise errors.bad_request(
                errors.INVALID_FLOW_CONNECTIONS,
                f"{field}: {kind} {resource_id} does not exist in sandbox "
                f"{call.require_tenant.sandbox}",
                call.request_id,
            )
        if doc["connectionSpec"]["id"] not in accepted:
            raise errors.bad_request(
                errors.INVALID_FLOW_CONNECTIONS,
                f"{field}: flow spec {spec.id} ({spec.name}) does not accept connection spec "
                f"{doc['connectionSpec']['id']} of {kind} {resource_id}; "
                f"it accepts {', '.join(accepted)}",
                call.request_id,
            )
        found.append(doc)
    return found


def _inherited(doc: Document) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": doc["id"], "connectionSpec": doc["connectionSpec"]}
    base = doc.get("inheritedAttributes", {}).get("baseConnection")
    if base is not None:
        entry["baseConnection"] = base
    if "typeInfo" in doc:
        entry["typeInfo"] = doc["typeInfo"]
    return entry
