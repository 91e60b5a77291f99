"""Data Prep (the "conversion" service): mapper schemas and mapping sets.

Base path ``/data/foundation/conversion``; the new cloud-storage cards take their attributes
and identity from a mapping set (``profileMapping`` on the flow), not ``profileSelectors``.

Shapes follow Adobe's Data Prep API reference (``data-prep.yaml``, excerpted with its licence
in ``tests/contract/adobe/``) and the tutorial "Activate audiences to file-based destinations
by using the Flow Service API":

- ``POST /schemas`` ``{name, jsonSchema}`` -> 200 ``{id, version: 0, name, jsonSchema, ...}``
  (ids are 32 hex digits, no dashes, as in every sample);
- ``POST /mappingSets`` ``{name?, inputSchema: {id}, outputSchema: {id}, mappings, xdmVersion?}``
  -> 200 ``SimpleRepresentation`` ``{id, version: 0, createdDate, modifiedDate, createdBy,
  modifiedBy}``; ``PUT /mappingSets/{id}`` stores the next version and answers the mapping set;
- ``GET /schemas`` and ``GET /mappingSets`` need ``start`` and ``limit`` and answer
  ``{data, _page: {count, limit}, _links}`` (``MapperSetPage``), ``name`` filters. Their items
  carry no ``name``: Adobe's pages show none (``help/data-prep/api/schemas.md``, "Get all
  schemas": ``id``, ``version``, ``jsonSchema``, ``schemaRef``; ``mapping-set.md``, "List
  mapping sets": ids, dates, schemas, mappings, status). The setting
  ``data_prep_list_names`` gives them their ``name`` (the other shape a client must survive);
- ``GET /mappingSets/{id}?version=N`` answers that version (the latest without ``version``).

Every ``ATTRIBUTE`` source must exist in the input schema: a map (``identityMap``) takes any
key, but the key ends at the next dot, so an identity namespace holding a dot must be escaped
as ``//`` (``identityMap.Phone_E//164``) or the path leads nowhere and the set is refused.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any, Final

from local.emulator import errors, identifiers
from local.emulator.context import ServiceContext
from local.emulator.exchange import Call, Reply
from local.emulator.store import Document, Kind

SOURCE_TYPES: Final = frozenset({"ATTRIBUTE", "EXPRESSION", "STATIC"})
INVALID_MAPPING_SET: Final = "CONVERSION-1001-400"
IDENTITY_MAP: Final = "identityMap"
NAMESPACE_DOT_ESCAPE: Final = "//"
_HIDDEN: Final = "_versions"


def _new_id() -> str:
    return uuid.uuid4().hex


def _who(call: Call) -> str:
    return f"{call.client_id or 'unknown'}@AdobeID"


def _stamp(call: Call) -> dict[str, Any]:
    now = identifiers.now_ms()
    return {
        "createdDate": now,
        "modifiedDate": now,
        "createdBy": _who(call),
        "modifiedBy": _who(call),
    }


def _bad(call: Call, message: str) -> errors.ApiError:
    return errors.bad_request(INVALID_MAPPING_SET, message, call.request_id)


def _page(call: Call, ctx: ServiceContext, items: list[Document]) -> Reply:
    start, limit = _paging(call)
    name = call.query_one("name")
    if name is not None:  # the documented filter: "Filters the schemas based on name"
        items = [item for item in items if item.get("name") == name]
    window = items[start : start + limit]
    if not ctx.settings.data_prep_list_names:
        window = [{k: v for k, v in item.items() if k != "name"} for item in window]
    links: dict[str, Any] = {}
    if start + limit < len(items):
        links["next"] = {"href": f"{call.path}?start={start + limit}&limit={limit}"}
    return Reply(
        200, {"data": window, "_page": {"count": len(window), "limit": limit}, "_links": links}
    )


def _paging(call: Call) -> tuple[int, int]:
    values = []
    for name in ("start", "limit"):
        raw = call.query_one(name)
        if raw is None or not raw.isdigit():
            raise errors.bad_request(
                errors.INVALID_QUERY, f"the query parameter {name} is required", call.request_id
            )
        values.append(int(raw))
    start, limit = values
    if limit < 1:
        raise errors.bad_request(errors.INVALID_QUERY, "limit must be at least 1", call.request_id)
    return start, limit


def _public(doc: Document) -> Document:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k != _HIDDEN}


def _get(call: Call, ctx: ServiceContext, kind: Kind) -> Document:
    doc = ctx.store.live_get(kind, call.require_tenant, call.route_params["id"])
    if doc is None:
        raise errors.not_found(kind, call.route_params["id"], call.request_id)
    return doc


# --- /schemas ------------------------------------------------------------------------------


def create_schema(call: Call, ctx: ServiceContext) -> Reply:
    body = call.json_object()
    json_schema = body.get("jsonSchema")
    if not isinstance(json_schema, dict) or json_schema.get("type") != "object":
        raise _bad(call, "jsonSchema: must be a JSON schema of type object")
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        raise _bad(call, "name: is required")
    doc = {"id": _new_id(), "version": 0, "name": body["name"], "jsonSchema": json_schema}
    doc.update(_stamp(call))
    ctx.store.insert("schemas", call.require_tenant, doc)
    return Reply(200, _public(doc))


def list_schemas(call: Call, ctx: ServiceContext) -> Reply:
    items = [_public(d) for d in ctx.store.live_items("schemas", call.require_tenant)]
    return _page(call, ctx, items)


def get_schema(call: Call, ctx: ServiceContext) -> Reply:
    return Reply(200, _public(_get(call, ctx, "schemas")))


# --- /mappingSets --------------------------------------------------------------------------


def create_mapping_set(call: Call, ctx: ServiceContext) -> Reply:
    body = call.json_object()
    doc: Document = {"id": _new_id(), "version": 0}
    if isinstance(body.get("name"), str):
        doc["name"] = body["name"]
    doc.update(_mapping_content(call, ctx, body))
    doc.update(_stamp(call))
    doc["status"] = "PUBLISHED"
    doc[_HIDDEN] = [_public(doc)]
    ctx.store.insert("mappingSets", call.require_tenant, doc)
    return Reply(
        200,
        {
            k: doc[k]
            for k in ("id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy")
        },
    )


def update_mapping_set(call: Call, ctx: ServiceContext) -> Reply:
    doc = _get(call, ctx, "mappingSets")
    body = call.json_object()
    doc.update(_mapping_content(call, ctx, body))
    if isinstance(body.get("name"), str):
        doc["name"] = body["name"]
    doc["version"] = int(doc["version"]) + 1
    doc["modifiedDate"] = identifiers.now_ms()
    doc["modifiedBy"] = _who(call)
    doc[_HIDDEN].append(_public(doc))
    return Reply(200, _public(doc))


def list_mapping_sets(call: Call, ctx: ServiceContext) -> Reply:
    items = [_public(d) for d in ctx.store.live_items("mappingSets", call.require_tenant)]
    return _page(call, ctx, items)


def get_mapping_set(call: Call, ctx: ServiceContext) -> Reply:
    doc = _get(call, ctx, "mappingSets")
    raw = call.query_one("version")
    if raw is None:
        return Reply(200, _public(doc))
    version = mapping_set_version(doc, int(raw) if raw.lstrip("-").isdigit() else -1)
    if version is None:
        raise errors.not_found("mappingSets", f"{doc['id']} version {raw}", call.request_id)
    return Reply(200, version)


def mapping_set_version(doc: Document, version: int) -> Document | None:
    """One stored version of a mapping set (a copy), or None."""
    versions = doc.get(_HIDDEN) or []
    found = next((v for v in versions if v.get("version") == version), None)
    return copy.deepcopy(found) if found is not None else None


def _mapping_content(call: Call, ctx: ServiceContext, body: dict[str, Any]) -> dict[str, Any]:
    tenant = call.require_tenant
    schemas = {}
    for side in ("inputSchema", "outputSchema"):
        ref = body.get(side)
        schema_id = ref.get("id") if isinstance(ref, dict) else None
        schema = (
            ctx.store.live_get("schemas", tenant, schema_id) if isinstance(schema_id, str) else None
        )
        if schema is None:
            raise _bad(call, f"{side}.id: no schema {schema_id} in sandbox {tenant.sandbox}")
        schemas[side] = schema
    mappings = body.get("mappings")
    if not isinstance(mappings, list) or not mappings:
        raise _bad(call, "mappings: must be a non-empty array")
    stored = []
    destinations: set[str] = set()
    for index, mapping in enumerate(mappings):
        at = f"mappings[{index}]"
        if not isinstance(mapping, dict):
            raise _bad(call, f"{at}: must be an object")
        source_type = mapping.get("sourceType")
        source, destination = mapping.get("source"), mapping.get("destination")
        if source_type not in SOURCE_TYPES:
            raise _bad(call, f"{at}.sourceType: must be one of {', '.join(sorted(SOURCE_TYPES))}")
        if (
            not isinstance(source, str)
            or not source
            or not isinstance(destination, str)
            or not destination
        ):
            raise _bad(call, f"{at}: source and destination are required")
        if destination in destinations:
            raise _bad(call, f"{at}.destination: {destination} is mapped more than once")
        destinations.add(destination)
        if source_type == "ATTRIBUTE" and not _path_exists(
            schemas["inputSchema"]["jsonSchema"], source
        ):
            raise _bad(call, f"{at}.source: {source} is not a field of the input schema")
        identity = source.startswith(IDENTITY_MAP + ".")
        stored.append(
            {
                "id": _new_id(),
                "version": 0,
                **_stamp(call),
                "sourceType": source_type,
                "source": source,
                "destination": destination,
                "identity": identity,
                "primaryIdentity": False,
                "functionVersion": 0,
                "sourceAttribute": source,
                "destinationXdmPath": destination,
            }
        )
    content: dict[str, Any] = {
        "inputSchema": {"id": schemas["inputSchema"]["id"], "version": 0},
        "outputSchema": {"id": schemas["outputSchema"]["id"], "version": 0},
        "mappings": stored,
    }
    if isinstance(body.get("xdmVersion"), str):
        content["xdmVersion"] = body["xdmVersion"]
    return content


def _path_exists(schema: dict[str, Any], path: str) -> bool:
    node: Any = schema
    for segment in path.split("."):
        if not isinstance(node, dict):
            return False
        if node.get("type") == "array":
            node = node.get("items")
            if not isinstance(node, dict):
                return False
        properties = node.get("properties")
        if isinstance(properties, dict) and segment in properties:
            node = properties[segment]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]  # a map: any key
        else:
            return False
    return True


def identity_namespace(source: str) -> str | None:
    """The namespace an ``identityMap.<ns>`` source exports (``//`` read back as a dot)."""
    prefix = IDENTITY_MAP + "."
    if not source.startswith(prefix):
        return None
    return source[len(prefix) :].replace(NAMESPACE_DOT_ESCAPE, ".")
