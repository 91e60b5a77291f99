"""``/connections``, ``/sourceConnections`` and ``/targetConnections``.

Creates are validated as Flow Service validates them: the connection spec must exist (and
carry ``version``), ``auth.specName`` must be one of the spec's ``authSpec[].name`` with every
required param, target params must satisfy ``targetSpec.spec``, and a source/target
connection's base connection must exist in the same sandbox with the same connection spec.
GET answers wrap a single resource in ``{"items": [...]}``, as Adobe's samples show. A target
connection's params and a base connection's auth params are edited with ``PATCH`` under
``If-Match`` and checked again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Final

import jsonpatch

from local.emulator import errors, listing, masking, schema_check, specs
from local.emulator.context import ServiceContext, created, metadata, new_version, touch
from local.emulator.documented import AUTH_SPEC, NO_AUTH_SPEC, TARGET_SPEC
from local.emulator.exchange import Call, Reply
from local.emulator.store import Document, Kind

PROFILE_TYPE_INFO = {"type": "ProfileFragments", "id": "ups"}
PATCH_OPERATIONS: Final = frozenset({"add", "replace", "remove"})


def spec_reference(call: Call, body: dict[str, Any]) -> specs.ConnectionSpec:
    """The connection spec ``body`` names: 400 when unknown, 422 without ``version``."""
    reference = body.get("connectionSpec")
    spec_id = reference.get("id") if isinstance(reference, dict) else None
    if not isinstance(spec_id, str) or not spec_id:
        raise errors.bad_request(
            errors.UNKNOWN_CONNECTION_SPEC,
            "Please provide a valid spec id: connectionSpec.id is required",
            call.request_id,
        )
    assert isinstance(reference, dict)
    if not isinstance(reference.get("version"), str) or not reference["version"]:
        raise errors.flow_error(
            422,
            errors.MISSING_VERSION,
            "connectionSpec.version 'version' is required for spec info",
            call.request_id,
        )
    spec = specs.connection_spec(spec_id)
    if spec is None:
        raise errors.bad_request(
            errors.UNKNOWN_CONNECTION_SPEC,
            f"Please provide a valid spec id: connection spec {spec_id} does not exist",
            call.request_id,
        )
    return spec


def require_name(call: Call, body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request(errors.INVALID_BODY, "name is required", call.request_id)
    return name


def _common(call: Call, body: dict[str, Any], spec: specs.ConnectionSpec) -> Document:
    doc = metadata(call)
    doc["name"] = require_name(call, body)
    if isinstance(body.get("description"), str):
        doc["description"] = body["description"]
    doc["connectionSpec"] = {"id": spec.id, "version": body["connectionSpec"]["version"]}
    doc["state"] = "enabled"
    return doc


# --- base connections -----------------------------------------------------------------


def create_connection(call: Call, ctx: ServiceContext) -> Reply:
    body = call.json_object()
    spec = spec_reference(call, body)
    doc = _common(call, body, spec)
    auth = _checked_auth(call, spec, body.get("auth"))
    if auth is not None:
        doc["auth"] = auth
    new_version(doc)
    ctx.store.insert("connections", call.require_tenant, doc)
    return Reply(201, created(doc))


def _checked_auth(call: Call, spec: specs.ConnectionSpec, auth: Any) -> dict[str, Any] | None:
    if not spec.auth_specs:  # Profile Store / Data Lake / Data Landing Zone: nothing to authorize
        if auth is not None and not spec.is_source:  # documented: NO_AUTH_SPEC
            raise errors.bad_request(
                errors.INVALID_AUTH_SPEC,
                NO_AUTH_SPEC.refusal(f"auth sent for connection spec {spec.id}"),
                call.request_id,
            )
        return None
    names = ", ".join(spec.auth_spec_names)
    if auth is None:
        if all(not a["spec"].get("required") for a in spec.auth_specs):
            return None  # e.g. Data Landing Zone: Adobe holds the storage itself
        raise errors.bad_request(
            errors.INVALID_AUTH_SPEC,
            f"auth is required for connection spec {spec.id}; auth specs: {names}",
            call.request_id,
        )
    spec_name = auth.get("specName") if isinstance(auth, dict) else None
    auth_spec = spec.auth_spec_named(spec_name) if isinstance(spec_name, str) else None
    if auth_spec is None:
        raise errors.bad_request(  # documented: AUTH_SPEC
            errors.INVALID_AUTH_SPEC,
            AUTH_SPEC.refusal(
                f"auth.specName '{spec_name}' is not an auth spec of connection spec {spec.id}; "
                f"use one of: {names}"
            ),
            call.request_id,
        )
    assert isinstance(auth, dict)
    params = auth.get("params", {})
    problems = schema_check.problems(params, auth_spec["spec"], "auth.params")
    if problems:
        raise errors.bad_request(  # documented: AUTH_SPEC
            errors.INVALID_AUTH_PARAMS,
            AUTH_SPEC.refusal(f"Invalid auth params for '{spec_name}': " + "; ".join(problems)),
            call.request_id,
        )
    return {"specName": spec_name, "params": dict(params)}


# --- source connections ---------------------------------------------------------------


def create_source_connection(call: Call, ctx: ServiceContext) -> Reply:
    body = call.json_object()
    spec = spec_reference(call, body)
    if not spec.is_source:
        raise errors.bad_request(
            errors.UNKNOWN_CONNECTION_SPEC,
            f"Connection spec {spec.id} ({spec.name}) cannot be used for a source connection",
            call.request_id,
        )
    doc = _common(call, body, spec)
    base_id = body.get("baseConnectionId")
    inherited: dict[str, Any] = {}
    if base_id is not None:  # optional: Adobe's Profile Store sample sends none
        base = _base_connection(call, ctx, base_id, spec)
        doc["baseConnectionId"] = base["id"]
        inherited["baseConnection"] = {"id": base["id"], "connectionSpec": base["connectionSpec"]}
    for field in ("data", "params"):
        if field in body:
            doc[field] = body[field]
    if spec.id == specs.PROFILE_STORE_SPEC_ID:
        doc["typeInfo"] = dict(PROFILE_TYPE_INFO)
    doc["inheritedAttributes"] = inherited
    new_version(doc)
    ctx.store.insert("sourceConnections", call.require_tenant, doc)
    return Reply(201, created(doc))


# --- target connections ---------------------------------------------------------------


def create_target_connection(call: Call, ctx: ServiceContext) -> Reply:
    body = call.json_object()
    spec = spec_reference(call, body)
    if spec.target_spec is None:
        raise errors.bad_request(
            errors.UNKNOWN_CONNECTION_SPEC,
            f"Connection spec {spec.id} ({spec.name}) is not a destination",
            call.request_id,
        )
    doc = _common(call, body, spec)
    base = _base_connection(call, ctx, body.get("baseConnectionId"), spec)
    params = body.get("params")
    _check_target_params(call, spec, params)
    doc["baseConnectionId"] = base["id"]
    if "data" in body:
        doc["data"] = body["data"]
    doc["params"] = params
    doc["inheritedAttributes"] = {
        "baseConnection": {"id": base["id"], "connectionSpec": base["connectionSpec"]}
    }
    new_version(doc)
    ctx.store.insert("targetConnections", call.require_tenant, doc)
    return Reply(201, created(doc))


def _check_target_params(call: Call, spec: specs.ConnectionSpec, params: Any) -> None:
    assert spec.target_spec is not None
    target_spec = schema_check.applicable(spec.target_spec["spec"], params)
    problems = schema_check.problems(params, target_spec, "params")
    if problems:
        raise errors.bad_request(
            errors.INVALID_TARGET_PARAMS,
            TARGET_SPEC.refusal(
                f"Invalid target connection params for {spec.name}: " + "; ".join(problems)
            ),
            call.request_id,
        )


def patch_operations(call: Call, *, only_under: str | None = None) -> list[dict[str, Any]]:
    """The body of a ``PATCH``: a non-empty JSON Patch array whose operations each have a
    path and one of the ops Flow Service takes; with ``only_under``, every path is that path
    or below it."""
    operations = call.json()
    if not isinstance(operations, list) or not operations:
        raise errors.bad_request(
            errors.INVALID_PATCH,
            "The body must be a non-empty JSON Patch array (RFC 6902)",
            call.request_id,
        )
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise errors.bad_request(
                errors.INVALID_PATCH, f"[{index}]: op and path are required", call.request_id
            )
        if operation.get("op") not in PATCH_OPERATIONS:
            raise errors.bad_request(
                errors.INVALID_PATCH,
                f"[{index}].op: must be one of {', '.join(sorted(PATCH_OPERATIONS))}",
                call.request_id,
            )
        path = operation["path"]
        if only_under is not None and not (path == only_under or path.startswith(only_under + "/")):
            raise errors.bad_request(
                errors.READ_ONLY_FIELD,
                f"[{index}].path: '{path}' cannot be patched; only {only_under} and paths under it",
                call.request_id,
            )
    return operations


def apply_patch(
    call: Call,
    current: Document,
    what: str,
    operations_of: Callable[[Call], list[dict[str, Any]]],
    *,
    quote_error: bool = True,
) -> Document:
    """``current`` with the call's JSON Patch applied, once its ``If-Match`` names the
    current etag (missing -> 400, stale -> 412) and ``operations_of`` accepts its body.

    ``quote_error=False`` keeps the patch library's message out of the refusal: it may quote
    the values being patched (a base connection's credentials).
    """
    supplied = call.header("if-match")
    if supplied is None or not supplied.strip():
        raise errors.bad_request(
            errors.MISSING_IF_MATCH,
            f"The If-Match header is required: send the {what}'s etag, double quotes included",
            call.request_id,
        )
    if supplied.strip() != current["etag"]:
        raise errors.version_mismatch(supplied.strip(), current["etag"])
    operations = operations_of(call)
    try:
        return dict(jsonpatch.JsonPatch(operations).apply(copy.deepcopy(current)))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        detail = str(exc) if quote_error else type(exc).__name__
        raise errors.bad_request(
            errors.INVALID_PATCH, f"The patch cannot be applied: {detail}", call.request_id
        ) from None


def patch_target_connection(call: Call, ctx: ServiceContext) -> Reply:
    """``PATCH /targetConnections/{id}``: JSON Patch on ``/params`` under ``If-Match``.

    Adobe: help/destinations/api/edit-destination.md, "Edit target connection components":
    the If-Match header carries the target connection's etag ("This header is required"),
    the etag changes with every successful update, and the answer is ``{id, etag}``. Only
    the params are edited there; anything else is refused. The patched params must satisfy
    the target spec as at create (rule ``target-spec``).
    """
    current = _existing("targetConnections", call, ctx)
    patched = apply_patch(
        call,
        current,
        "target connection",
        lambda call: patch_operations(call, only_under="/params"),
    )
    spec = specs.connection_spec(current["connectionSpec"]["id"])
    assert spec is not None  # checked at create
    _check_target_params(call, spec, patched.get("params"))
    touch(patched, call.client_id)
    ctx.store.replace("targetConnections", call.require_tenant, patched)
    return Reply(200, created(patched))


def patch_connection(call: Call, ctx: ServiceContext) -> Reply:
    """``PATCH /connections/{id}``: JSON Patch on ``/auth/params`` under ``If-Match``.

    Adobe: help/destinations/api/edit-destination.md, "Edit base connection components":
    the If-Match header carries the base connection's etag (required), the answer is
    ``{id, etag}``. Only the auth params are edited here; the patched params must satisfy
    the connection spec's auth spec as at create (rule ``auth-spec``), and are stored as at
    create (GET masks them).
    """
    current = _existing("connections", call, ctx)

    def operations_of(call: Call) -> list[dict[str, Any]]:
        operations = patch_operations(call, only_under="/auth/params")
        if not isinstance(current.get("auth"), dict):
            raise errors.bad_request(
                errors.INVALID_PATCH, "This base connection has no auth to patch", call.request_id
            )
        return operations

    # The patch library's message may quote the credentials being patched: not repeated.
    patched = apply_patch(call, current, "base connection", operations_of, quote_error=False)
    spec = specs.connection_spec(current["connectionSpec"]["id"])
    assert spec is not None  # checked at create
    patched["auth"] = _checked_auth(call, spec, patched["auth"])
    touch(patched, call.client_id)
    ctx.store.replace("connections", call.require_tenant, patched)
    return Reply(200, created(patched))


def _base_connection(
    call: Call, ctx: ServiceContext, base_id: Any, spec: specs.ConnectionSpec
) -> Document:
    if not isinstance(base_id, str) or not base_id:
        raise errors.bad_request(
            errors.INVALID_BASE_CONNECTION, "baseConnectionId is required", call.request_id
        )
    base = ctx.store.live_get("connections", call.require_tenant, base_id)
    if base is None:
        raise errors.bad_request(
            errors.INVALID_BASE_CONNECTION,
            f"Base connection {base_id} does not exist in sandbox {call.require_tenant.sandbox}",
            call.request_id,
        )
    if base["connectionSpec"]["id"] != spec.id:
        raise errors.bad_request(
            errors.INVALID_BASE_CONNECTION,
            f"Base connection {base_id} uses connection spec {base['connectionSpec']['id']}, "
            f"not {spec.id}",
            call.request_id,
        )
    return base


# --- reads and deletes shared by the three kinds (and flows) --------------------------


def shown(kind: Kind, doc: Document) -> Document:
    """A resource as GET answers it (secrets masked)."""
    return masking.masked_connection(doc) if kind == "connections" else doc


def list_resources(kind: Kind, call: Call, ctx: ServiceContext) -> Reply:
    items = [shown(kind, doc) for doc in ctx.store.live_items(kind, call.require_tenant)]
    chosen = listing.select(call, items)
    body = listing.page(call, chosen, page_size=ctx.settings.page_size, list_path=f"/{kind}")
    return Reply(200, body)


def get_resource(kind: Kind, call: Call, ctx: ServiceContext) -> Reply:
    doc = _existing(kind, call, ctx)
    return Reply(200, {"items": [shown(kind, doc)]})


def delete_resource(kind: Kind, call: Call, ctx: ServiceContext) -> Reply:
    doc = _existing(kind, call, ctx)
    users = _users_of(kind, doc["id"], call, ctx)
    if users:
        raise errors.bad_request(
            errors.RESOURCE_IN_USE,
            f"Cannot delete {kind} {doc['id']}: still used by {', '.join(users)}. "
            "Delete the flow first, then target/source connections, then base connections.",
            call.request_id,
        )
    ctx.store.delete(kind, call.require_tenant, doc["id"])
    return Reply(202)


def _existing(kind: Kind, call: Call, ctx: ServiceContext) -> Document:
    resource_id = call.route_params["id"]
    doc = ctx.store.live_get(kind, call.require_tenant, resource_id)
    if doc is None:
        raise errors.not_found(kind, resource_id, call.request_id)
    return doc


def _users_of(kind: Kind, resource_id: str, call: Call, ctx: ServiceContext) -> list[str]:
    tenant = call.require_tenant
    if kind == "connections":
        user_kinds: tuple[Kind, ...] = ("sourceConnections", "targetConnections")
        return [
            f"{user_kind} {doc['id']}"
            for user_kind in user_kinds
            for doc in ctx.store.live_items(user_kind, tenant)
            if doc.get("baseConnectionId") == resource_id
        ]
    if kind in ("sourceConnections", "targetConnections"):
        field = "sourceConnectionIds" if kind == "sourceConnections" else "targetConnectionIds"
        return [
            f"flows {doc['id']}"
            for doc in ctx.store.live_items("flows", tenant)
            if resource_id in doc.get(field, [])
        ]
    return []
