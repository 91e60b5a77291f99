"""Documented corrections of Adobe's published Flow Service specs.

Each :class:`Erratum` fixes one place where a spec contradicts its own examples, Adobe's Flow
Service tutorial ("Connect to batch destinations and activate data using the Flow Service
API"), or itself, and says which side the project follows and why.
``test_spec_errata.py`` proves every one on the untouched spec.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

SpecName = Literal["destinations", "flow-service"]


@dataclass(frozen=True)
class Erratum:
    """One documented correction of a published spec, and why the project follows it."""

    name: str
    spec: SpecName
    why: str
    apply: Callable[[dict[str, Any]], None] = field(repr=False)


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _json_response(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    content: dict[str, Any] = spec["paths"][path][method]["responses"][status]["content"]
    media: dict[str, Any] = content["application/json"]
    return media


def _wrap_item_lists(spec: dict[str, Any]) -> None:
    schemas = _schemas(spec)
    schemas["PageLinks"] = {
        "type": "object",
        "properties": {"next": {"type": "object", "properties": {"href": {"type": "string"}}}},
    }
    for kind, item in (
        ("connections", "ConnectionItem"),
        ("sourceConnections", "SourceConnectionItem"),
        ("targetConnections", "TargetConnectionItem"),
    ):
        wrapped = {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
                "_links": {"$ref": "#/components/schemas/PageLinks"},
            },
        }
        for path in (f"/{kind}", f"/{kind}/{{id}}"):
            _json_response(spec, path, "get", "200")["schema"] = copy.deepcopy(wrapped)


def _connection_spec_ref() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"id": {"type": "string"}, "version": {"type": "string"}},
    }


def _inherited_base_connection(spec: dict[str, Any]) -> None:
    base = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "connectionSpec": _connection_spec_ref()},
    }
    for item in ("SourceConnectionItem", "TargetConnectionItem"):
        _schemas(spec)[item]["properties"]["inheritedAttributes"]["properties"] = {
            "baseConnection": copy.deepcopy(base)
        }


def _flow_inherited_connections(spec: dict[str, Any]) -> None:
    reference = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "connectionSpec": _connection_spec_ref(),
            "baseConnection": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "connectionSpec": _connection_spec_ref()},
            },
            "typeInfo": {"type": "object"},
        },
    }
    inherited = _schemas(spec)["BaseFlowItem"]["properties"]["inheritedAttributes"]["properties"]
    for name in ("sourceConnections", "targetConnections"):
        inherited[name] = {"type": "array", "items": copy.deepcopy(reference)}


def _batch_flows_only(spec: dict[str, Any]) -> None:
    for path in ("/flows", "/flows/{id}"):
        _json_response(spec, path, "get", "200")["schema"] = {
            "$ref": "#/components/schemas/Batch_Flow"
        }


def _transformation_params_any_of(spec: dict[str, Any]) -> None:
    params = _schemas(spec)["BatchTransformation"]["properties"]["params"]
    params["anyOf"] = params.pop("oneOf")


def _generic_connection_auth(spec: dict[str, Any]) -> None:
    item = _schemas(spec)["ConnectionItem"]
    item["properties"]["auth"] = {
        "type": "object",
        "required": ["specName", "params"],
        "properties": {"specName": {"type": "string"}, "params": {"type": "object"}},
    }
    item["required"] = [name for name in item["required"] if name != "auth"]


def _generic_target_params(spec: dict[str, Any]) -> None:
    _schemas(spec)["TargetConnectionItem"]["properties"]["params"] = {"type": "object"}


def _run_status_lower_case(spec: dict[str, Any]) -> None:
    status = _schemas(spec)["StatusSummary"]["properties"]["status"]
    status["enum"] = [value.lower() for value in status["enum"]]


def _run_info_codes_as_in_examples(spec: dict[str, Any]) -> None:
    _schemas(spec)["Info"]["properties"]["code"].pop("pattern")


def _flow_action_sub_op_optional(spec: dict[str, Any]) -> None:
    for parameter in spec["paths"]["/flows/{FLOW_ID}/action"]["post"]["parameters"]:
        if parameter.get("name") == "subOp":
            parameter["required"] = False


def _generic_connection_request(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/connections"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"] = {
        "type": "object",
        "required": ["name", "connectionSpec"],
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "connectionSpec": {
                "type": "object",
                "required": ["id", "version"],
                "properties": {"id": {"type": "string"}, "version": {"type": "string"}},
            },
            "auth": {
                "type": "object",
                "required": ["specName", "params"],
                "properties": {"specName": {"type": "string"}, "params": {"type": "object"}},
            },
        },
    }


def _source_connection_request_any_of(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/sourceConnections"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    schema["anyOf"] = schema.pop("oneOf")


# Connection specs the destinations spec describes request schemas for.
DESCRIBED_TARGET_SPECS = (
    "4890fc95-5a1f-4983-94bb-e060c08e3f81",
    "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0",
    "4fce964d-3f37-408f-9778-e597338a21ee",
    "36965a81-b1c6-401b-99f8-22508f1e6a26",
)


def _target_request_for_other_destinations(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/targetConnections"]["post"]["requestBody"]["content"]
    body["application/json"]["schema"]["oneOf"].append(
        {
            "type": "object",
            "required": ["name", "baseConnectionId", "connectionSpec", "params"],
            "properties": {
                "name": {"type": "string"},
                "baseConnectionId": {"type": "string"},
                "connectionSpec": {
                    "type": "object",
                    "required": ["id", "version"],
                    "properties": {
                        "id": {"type": "string", "not": {"enum": list(DESCRIBED_TARGET_SPECS)}},
                        "version": {"type": "string"},
                    },
                },
                "params": {"type": "object", "required": ["mode"]},
            },
        }
    )


def _transformation_name(spec: dict[str, Any]) -> None:
    schemas = _schemas(spec)
    legacy = schemas["Create_Batch_Destination_Flow_Request"]["properties"]["transformations"]
    segment = schemas["Create_Batch_Destination_Flow_Request_Segment_V2"]["allOf"][1]
    for transformations in (legacy, segment["properties"]["transformations"]):
        transformations["items"]["properties"]["name"]["enum"] = ["GeneralTransform"]
    body = spec["paths"]["/flows"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"]["anyOf"] = body["schema"].pop("oneOf")


def _patch_value_any_of(spec: dict[str, Any]) -> None:
    item = _schemas(spec)["PatchFlowItem"]
    item["properties"]["value"]["anyOf"] = item["properties"]["value"].pop("oneOf")
    item["required"] = ["op", "path"]


def _patch_connection_body_is_an_array(spec: dict[str, Any]) -> None:
    item = _schemas(spec)["PatchConnectionItem"]
    item["properties"]["value"]["anyOf"] = item["properties"]["value"].pop("oneOf")
    body = spec["paths"]["/connections/{id}"]["patch"]["requestBody"]["content"]
    body["application/json"]["schema"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/PatchConnectionItem"},
    }


def _patch_instruction_op_lower_case(spec: dict[str, Any]) -> None:
    _schemas(spec)["PatchInstruction"]["properties"]["op"]["enum"] = ["add", "replace", "remove"]


def _https_server(spec: dict[str, Any]) -> None:
    for server in spec["servers"]:
        if server["url"].startswith("//"):
            server["url"] = "https:" + server["url"]


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "connection-lists-wrap-items",
        "destinations",
        "GET /connections, /sourceConnections, /targetConnections (list and by id) declare the "
        "bare item schema, but every example of the spec (ConnectionsResponse, "
        "Amazon_S3_Connection, SourceConnectionsResponseUPS, Amazon_S3_Target_Connection...) "
        "and the /flows and /runs schemas wrap resources in {items: [...]}: the project follows "
        "the examples and validates each item against the item schema.",
        _wrap_item_lists,
    ),
    Erratum(
        "inherited-base-connection-is-an-object",
        "destinations",
        "Source/TargetConnectionItem declare inheritedAttributes.baseConnection as a string; "
        "every example shows an object {id, connectionSpec}: the project follows the examples.",
        _inherited_base_connection,
    ),
    Erratum(
        "flow-inherited-connections-are-arrays",
        "destinations",
        "BaseFlowItem declares inheritedAttributes.sourceConnections/targetConnections as "
        "objects (with connectionSpec typed string); every flow example shows arrays of "
        "{id, connectionSpec, baseConnection, typeInfo}: the project follows the examples.",
        _flow_inherited_connections,
    ),
    Erratum(
        "batch-flows-only",
        "destinations",
        "GET /flows answers oneOf [Batch_Flow, Streaming_Flow], but StreamingFlowItem "
        "(BaseFlowItem + an empty object) also accepts every batch flow, so no batch flow can be "
        "valid under exactly one. The project only makes batch dataflows: Batch_Flow.",
        _batch_flows_only,
    ),
    Erratum(
        "transformation-params-any-of",
        "destinations",
        "BatchTransformation.params is oneOf [LegacyTransformationParams, "
        "TransformationParams_V2]; the two overlap (segmentSelectors alone fits both), so the "
        "spec's own flow examples fail. anyOf states the intent.",
        _transformation_params_any_of,
    ),
    Erratum(
        "connection-auth-is-generic",
        "destinations",
        "ConnectionItem.auth is oneOf five S3/SFTP request shapes: their key patterns reject "
        "the masked (and the spec's own placeholder) secrets a GET shows, the SFTP shapes "
        "disagree with the tutorial's params, other destinations have none, and Profile Store "
        "base connections have no auth at all (tutorial). The project checks {specName, params}; "
        "the auth params per connection spec are checked by the emulator's catalogue tests.",
        _generic_connection_auth,
    ),
    Erratum(
        "target-params-are-generic",
        "destinations",
        "TargetConnectionItem.params is oneOf four schemas, two of which "
        "(AmazonS3TargetConnectionParams, SFTPTargetConnectionParams) describe a whole request "
        "{connectionSpec, params}, not params: they accept any params object, so no target "
        "connection is valid under exactly one. The contract checks an object here; "
        "test_emulator_contract.py checks the params of the four connection specs the spec "
        "describes against their own schemas.",
        _generic_target_params,
    ),
    Erratum(
        "run-status-lower-case",
        "destinations",
        "StatusSummary.status enumerates Success/Failed/...; the spec's run examples (and "
        "Flow Service) answer success/failed: the project follows the examples.",
        _run_status_lower_case,
    ),
    Erratum(
        "run-info-codes-as-in-examples",
        "destinations",
        "Info.code has the pattern LETTERS-DIGITS-STATUS (FLOW-1439-404), but the spec's own "
        "Batch_Flow_Run_Success and _Failure examples carry ACTIVATION_BATCH-0000-SKIP and "
        "ACTIVATION_BATCH-0000-FAILED (an underscore, a 0000 status). Runs are reported with "
        "the examples' codes; the pattern is dropped.",
        _run_info_codes_as_in_examples,
    ),
    Erratum(
        "connection-request-is-generic",
        "destinations",
        "POST /connections accepts only the S3 and SFTP request shapes, whose key patterns "
        "reject the spec's own example placeholders; the tutorial creates Profile Store base "
        "connections without auth and documents Campaign, Azure Blob, Eloqua, Responsys and "
        "Salesforce Marketing Cloud. The project checks name, connectionSpec{id, version} and "
        "auth{specName, params}; the emulator checks the params against the connection spec.",
        _generic_connection_request,
    ),
    Erratum(
        "source-connection-request-any-of",
        "destinations",
        "POST /sourceConnections takes oneOf [Create_Source_Connection_Request, "
        "Create_Data_Lake_Source_Connection_Request]; the first accepts any connection spec, so "
        "a Data Lake request (the spec's own Create_Source_Connection_Data_Lake example) fits "
        "both and never exactly one. anyOf states the intent.",
        _source_connection_request_any_of,
    ),
    Erratum(
        "target-request-for-other-destinations",
        "destinations",
        "POST /targetConnections describes Amazon S3 and SFTP only (legacy and new cards); the "
        "tutorial documents target connections for Campaign, Azure Blob, Eloqua, Responsys and "
        "Salesforce Marketing Cloud too. One more alternative takes any other connection spec "
        "(name, baseConnectionId, connectionSpec, params with a mode); the four described "
        "specs still have to match their own schema.",
        _target_request_for_other_destinations,
    ),
    Erratum(
        "transformation-name-without-space",
        "destinations",
        "The create-flow request schemas enumerate transformations[].name 'General Transform'; "
        "the tutorial, every request/response example and the response schema use "
        "'GeneralTransform': the project follows the tutorial. The body is then anyOf (a new-card "
        "segment flow fits both the legacy and the V2 request).",
        _transformation_name,
    ),
    Erratum(
        "patch-value-any-of",
        "destinations",
        "PatchFlowItem.value is oneOf, but BatchSegmentSelector and BatchSegmentSelector_V2 are "
        "identical, so no segment selector (the spec's own PATCH examples included) is valid "
        "under exactly one; and value is required even for 'remove', which RFC 6902 defines "
        "without a value. anyOf, and value optional.",
        _patch_value_any_of,
    ),
    Erratum(
        "patch-connection-body-is-an-array",
        "destinations",
        "PATCH /connections/{id} declares one PatchConnectionItem as the body, but its own "
        "examples (Patch_Connection_Replace_Auth_Params...), RFC 6902 and Adobe's 'Edit "
        "destination connections' page send an array of operations; its value is oneOf three "
        "auth param objects that constrain nothing, so no value fits exactly one. An array, "
        "and value anyOf.",
        _patch_connection_body_is_an_array,
    ),
    Erratum(
        "flow-action-sub-op-optional",
        "flow-service",
        "POST /flows/{FLOW_ID}/action declares subOp (APPLY, ROLLBACK, PROGRESS) required for "
        "every op, but those sub-operations belong to FINALIZE_UPDATE; enabling or disabling a "
        "dataflow is documented as ?op=ENABLE / ?op=DISABLE alone. subOp is optional.",
        _flow_action_sub_op_optional,
    ),
    Erratum(
        "patch-instruction-op-lower-case",
        "flow-service",
        "PatchInstruction.op (PATCH /targetConnections/{id}) enumerates ADD, REPLACE, REMOVE, "
        "but the same spec's description, RFC 6902 and Adobe's 'Edit destination connections' "
        "page (help/destinations/api/edit-destination.md) use 'add', 'replace', 'remove': the "
        "project follows the page.",
        _patch_instruction_op_lower_case,
    ),
    Erratum(
        "scheme-relative-server",
        "flow-service",
        "servers[0].url is scheme-relative ('//{environment}.adobe.io/...'); the API is HTTPS "
        "only (the destinations spec says https://): the project reads it as https.",
        _https_server,
    ),
)
