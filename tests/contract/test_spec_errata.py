"""Each erratum of ``openapi_contract.ERRATA``, proven on the untouched spec.

Every test shows the published spec rejecting its own example (or the payload of Adobe's Flow
Service tutorial) for exactly the documented reason, and the corrected spec accepting it. If
Adobe fixes its spec, the matching test fails and the erratum can go.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_schema_validator import OAS30Validator

from local.emulator import specs
from tests.contract.openapi_contract import (
    ERRATA,
    corrected_spec,
    describe,
    make_request,
    raw_spec,
    request_errors,
)
from tests.support import payloads

Problem = tuple[str, str]


def problems(spec: dict[str, Any], schema: dict[str, Any], instance: Any) -> set[Problem]:
    """Top-level JSON Schema errors as (path, keyword)."""
    validator = OAS30Validator({"components": spec["components"], **schema})
    return {
        ("/".join(str(p) for p in error.absolute_path), str(error.validator))
        for error in validator.iter_errors(instance)
    }


def messages(spec: dict[str, Any], schema: dict[str, Any], instance: Any) -> str:
    validator = OAS30Validator({"components": spec["components"], **schema})
    found = []
    for error in validator.iter_errors(instance):
        found.append(error.message)
        found.extend(sub.message for sub in error.context or [])
    return "\n".join(found)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def example(name: str) -> Any:
    return copy.deepcopy(raw_spec("destinations")["components"]["examples"][name]["value"])


def response_schema(spec: dict[str, Any], path: str, status: str = "200") -> dict[str, Any]:
    operation = spec["paths"][path]["get"]
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def request_schema(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema: dict[str, Any] = body["schema"]
    return schema


RAW = raw_spec("destinations")
FIXED = corrected_spec("destinations")


def test_connection_lists_wrap_items() -> None:
    for path, name in [
        ("/connections", "ConnectionsResponse"),
        ("/connections/{id}", "Amazon_S3_Connection"),
        ("/sourceConnections/{id}", "SourceConnectionsResponseUPS"),
        ("/targetConnections/{id}", "Amazon_S3_Target_Connection"),
    ]:
        found = problems(RAW, response_schema(RAW, path), example(name))
        assert ("", "required") in found, (path, found)
        assert "'id' is a required property" in messages(
            RAW, response_schema(RAW, path), example(name)
        )
        assert problems(FIXED, response_schema(FIXED, path), example(name)) == set(), path


def test_inherited_base_connection_is_an_object() -> None:
    # Target connections share the fault: see test_target_params_are_generic.
    item = example("SourceConnectionsResponseUPS")["items"][0]

    assert problems(RAW, ref("SourceConnectionItem"), item) == {
        ("inheritedAttributes/baseConnection", "type")
    }
    assert problems(FIXED, ref("SourceConnectionItem"), item) == set()


def test_flow_inherited_connections_are_arrays() -> None:
    item = example("Batch_Flow_Daily_Full_Once_Scheduled")["items"][0]

    raw = problems(RAW, ref("BaseFlowItem"), item)

    assert raw == {
        ("inheritedAttributes/sourceConnections", "type"),
        ("inheritedAttributes/targetConnections", "type"),
    }
    assert problems(FIXED, ref("BaseFlowItem"), item) == set()


def test_batch_flows_only() -> None:
    flows = example("Batch_Flow_Daily_Full_Once_Scheduled")
    published = {"oneOf": [ref("Batch_Flow"), ref("Streaming_Flow")]}

    assert problems(FIXED, published, flows) == {("", "oneOf")}
    assert "is valid under each of" in messages(FIXED, published, flows)
    assert problems(FIXED, response_schema(FIXED, "/flows/{id}"), flows) == set()


def test_transformation_params_any_of() -> None:
    transformation = example("Batch_Flow_Daily_Full_Once_Scheduled")["items"][0]["transformations"][
        0
    ]

    assert problems(RAW, ref("BatchTransformation"), transformation) == {("params", "oneOf")}
    assert "is valid under each of" in messages(RAW, ref("BatchTransformation"), transformation)
    assert problems(FIXED, ref("BatchTransformation"), transformation) == set()


def test_connection_auth_is_generic() -> None:
    s3 = example("Amazon_S3_Connection")["items"][0]
    sftp = example("SFTP_Connection")["items"][0]
    profile_store = {
        **copy.deepcopy(s3),
        "connectionSpec": {"id": specs.PROFILE_STORE_SPEC_ID, "version": "1.0"},
    }
    del profile_store["auth"]

    assert problems(RAW, ref("ConnectionItem"), s3) == {("auth", "oneOf")}
    assert "does not match '^[A-Za-z0-9\\\\/\\\\+]{40}$'" in messages(
        RAW, ref("ConnectionItem"), s3
    )
    assert problems(RAW, ref("ConnectionItem"), sftp) == {("auth", "oneOf")}
    assert problems(RAW, ref("ConnectionItem"), profile_store) == {("", "required")}
    for item in (s3, sftp, profile_store):
        assert problems(FIXED, ref("ConnectionItem"), item) == set()


def test_target_params_are_generic() -> None:
    item = example("Amazon_S3_Target_Connection")["items"][0]

    assert problems(RAW, ref("TargetConnectionItem"), item) == {
        ("params", "oneOf"),
        ("inheritedAttributes/baseConnection", "type"),  # see the erratum above
    }
    assert "is valid under each of" in messages(RAW, ref("TargetConnectionItem"), item)
    assert problems(FIXED, ref("TargetConnectionItem"), item) == set()


def test_run_status_lower_case() -> None:
    runs = example("Batch_Flow_Run_Success")
    status = ("items/0/metrics/statusSummary/status", "enum")

    assert status in problems(RAW, ref("Flow_Runs"), runs)
    assert status not in problems(FIXED, ref("Flow_Runs"), runs)


def test_run_info_codes_as_in_examples() -> None:
    for name in ("Batch_Flow_Run_Success", "Batch_Flow_Run_Failure"):
        runs = example(name)
        raw = {where for where, rule in problems(RAW, ref("Flow_Runs"), runs) if rule == "pattern"}
        fixed = {
            where for where, rule in problems(FIXED, ref("Flow_Runs"), runs) if rule == "pattern"
        }

        assert any(where.endswith("/code") for where in raw), name
        assert fixed == set(), name


def test_connection_request_is_generic() -> None:
    schema_raw = request_schema(RAW, "/connections", "post")
    schema_fixed = request_schema(FIXED, "/connections", "post")
    s3_example = example("Create_S3_Base_Connection")
    seed_profile_store = payloads.profile_base()

    for body in (s3_example, seed_profile_store):
        assert problems(RAW, schema_raw, body) == {("", "oneOf")}
        assert problems(FIXED, schema_fixed, body) == set()
    assert "'<Add secret key>' does not match" in messages(RAW, schema_raw, s3_example)
    assert "'auth' is a required property" in messages(RAW, schema_raw, seed_profile_store)


def test_transformation_name_without_space() -> None:
    seed_body = payloads.flow("source-id", "target-id")
    new_card_body = payloads.flow("source-id", "target-id", "1a0514a6-33d4-4c7f-aff8-594799c47549")

    raw = request_schema(RAW, "/flows", "post")
    assert problems(RAW, raw, seed_body) == {("", "oneOf")}
    assert "'GeneralTransform' is not one of ['General Transform']" in messages(RAW, raw, seed_body)
    fixed = request_schema(FIXED, "/flows", "post")
    assert problems(FIXED, fixed, seed_body) == set()
    assert problems(FIXED, fixed, new_card_body) == set()
    both = {"oneOf": fixed["anyOf"]}
    assert problems(FIXED, both, new_card_body) == {("", "oneOf")}


def test_patch_value_any_of() -> None:
    patch = example("Patch_Batch_Flow_Daily_Full_Once_Scheduled")
    remove = [{"op": "remove", "path": "/transformations/0/params/profileSelectors/selectors/0"}]

    assert problems(RAW, ref("Patch_Flow_Request"), patch) == {("0/value", "oneOf")}
    assert "is valid under each of" in messages(RAW, ref("Patch_Flow_Request"), patch)
    assert problems(RAW, ref("Patch_Flow_Request"), remove) == {("0", "required")}
    assert problems(FIXED, ref("Patch_Flow_Request"), patch) == set()
    assert problems(FIXED, ref("Patch_Flow_Request"), remove) == set()


def test_patch_connection_body_is_an_array() -> None:
    replace = example("Patch_Connection_Replace_Auth_Params")
    raw = request_schema(RAW, "/connections/{id}", "patch")
    fixed = request_schema(FIXED, "/connections/{id}", "patch")

    assert isinstance(replace, list)
    assert ("", "type") in problems(RAW, raw, replace)  # the spec's own example is refused
    assert problems(RAW, raw, replace[0]) == {("value", "oneOf")}
    assert problems(FIXED, fixed, replace) == set()
    assert problems(FIXED, fixed, replace[0]) == {("", "type")}


def test_scheme_relative_server() -> None:
    request = make_request(
        "GET",
        "/connectionSpecs",
        headers=[("Authorization", "Bearer x"), ("x-api-key", "k"), ("x-gw-ims-org-id", "o")],
    )

    assert raw_spec("flow-service")["servers"][0]["url"].startswith("//")
    raw = request_errors(request, corrected=False)
    assert len(raw) == 1
    assert raw[0].startswith("ServerNotFound")
    assert request_errors(request) == []


def test_flow_action_sub_op_optional() -> None:
    request = make_request(
        "POST",
        "/flows/df8d079d-11eb-466a-9731-6b5948a009e4/action",
        query=[("op", "DISABLE")],
        headers=[("Authorization", "Bearer x"), ("x-api-key", "k"), ("x-gw-ims-org-id", "o")],
    )

    # Every other erratum applied (the raw file fails first on its scheme-relative server).
    as_published = copy.deepcopy(corrected_spec("flow-service"))
    for parameter in as_published["paths"]["/flows/{FLOW_ID}/action"]["post"]["parameters"]:
        if parameter["name"] == "subOp":
            parameter["required"] = True
    raw = describe(OpenAPI.from_dict(as_published).request_validator.iter_errors(request))

    assert len(raw) == 1
    assert "subOp" in raw[0]
    assert request_errors(request) == []


def test_patch_instruction_op_lower_case() -> None:
    # The body of help/destinations/api/edit-destination.md's Amazon S3 example.
    body = [
        {
            "op": "replace",
            "path": "/params",
            "value": {"bucketName": "newBucketName", "path": "updatedPath"},
        }
    ]
    raw = raw_spec("flow-service")
    fixed = corrected_spec("flow-service")
    schema = {"type": "array", "items": ref("PatchInstruction")}

    assert problems(raw, schema, body) == {("0/op", "enum")}
    assert problems(fixed, schema, body) == set()


def test_source_connection_request_any_of() -> None:
    lake = example("Create_Source_Connection_Data_Lake")
    raw = request_schema(RAW, "/sourceConnections", "post")

    assert problems(RAW, raw, lake) == {("", "oneOf")}
    assert "is valid under each of" in messages(RAW, raw, lake)
    assert problems(FIXED, request_schema(FIXED, "/sourceConnections", "post"), lake) == set()


def test_target_request_for_other_destinations() -> None:
    campaign = {
        "name": "TargetConnection for Adobe Campaign",
        "baseConnectionId": "base-id",
        "connectionSpec": {"id": specs.CAMPAIGN, "version": "1.0"},
        "params": {"mode": "FTP", "remotePath": "/exports", "format": "CSV"},
    }
    s3_without_path = {
        "name": "TargetConnection for Amazon S3",
        "baseConnectionId": "base-id",
        "connectionSpec": {"id": specs.AMAZON_S3, "version": "1.0"},
        "params": {"mode": "S3", "bucketName": "acme-exports", "format": "CSV"},
    }
    raw = request_schema(RAW, "/targetConnections", "post")
    fixed = request_schema(FIXED, "/targetConnections", "post")

    assert problems(RAW, raw, campaign) == {("", "oneOf")}
    assert problems(FIXED, fixed, campaign) == set()
    assert problems(FIXED, fixed, s3_without_path) == {("", "oneOf")}
    assert "'path' is a required property" in messages(FIXED, fixed, s3_without_path)


def test_the_seed_source_connection_needs_no_erratum() -> None:
    body = payloads.profile_source("base-id")

    assert problems(RAW, request_schema(RAW, "/sourceConnections", "post"), body) == set()


EVIDENCE = {
    "connection-lists-wrap-items": test_connection_lists_wrap_items,
    "inherited-base-connection-is-an-object": test_inherited_base_connection_is_an_object,
    "flow-inherited-connections-are-arrays": test_flow_inherited_connections_are_arrays,
    "batch-flows-only": test_batch_flows_only,
    "transformation-params-any-of": test_transformation_params_any_of,
    "connection-auth-is-generic": test_connection_auth_is_generic,
    "run-info-codes-as-in-examples": test_run_info_codes_as_in_examples,
    "flow-action-sub-op-optional": test_flow_action_sub_op_optional,
    "target-params-are-generic": test_target_params_are_generic,
    "run-status-lower-case": test_run_status_lower_case,
    "connection-request-is-generic": test_connection_request_is_generic,
    "source-connection-request-any-of": test_source_connection_request_any_of,
    "target-request-for-other-destinations": test_target_request_for_other_destinations,
    "transformation-name-without-space": test_transformation_name_without_space,
    "patch-value-any-of": test_patch_value_any_of,
    "scheme-relative-server": test_scheme_relative_server,
    "patch-instruction-op-lower-case": test_patch_instruction_op_lower_case,
    "patch-connection-body-is-an-array": test_patch_connection_body_is_an_array,
}


@pytest.mark.parametrize("erratum", ERRATA, ids=lambda e: e.name)
def test_every_erratum_is_proven_and_explained(erratum: Any) -> None:
    assert erratum.name in EVIDENCE
    assert len(erratum.why) > 80
    assert len({e.name for e in ERRATA}) == len(ERRATA)
