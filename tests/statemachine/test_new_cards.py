"""The new file-based cards take attributes and one identity through a mapping set.

Every new card activates end to end through the real ASL; the emulator then holds a mapping
set whose attributes, identity and mandatory/primary fields are exactly the request's (see
``assert_mapping_holds``), and the flow holds no ``profileSelectors`` (Adobe ignores them on
these cards, and so does the emulator: a layer that only sent selectors fails here).
"""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.catalog import find_destination
from aep_activation.request import parse_activation_request
from local.emulator import RecordedRequest
from tests.statemachine.harness import (
    ONE_OF_EACH,
    Machine,
    assert_flow_holds,
    example,
    example_names,
)
from tests.statemachine.paths import HAPPY_NEW, assert_route
from tests.support import payloads

CONVERSION_BASE = "/data/foundation/conversion"
NEW_CARD_CONNECTION_SPECS = {
    "4fce964d-3f37-408f-9778-e597338a21ee",  # Amazon S3
    "6d6b59bf-fb58-4107-9064-4d246c0e5bb2",  # Azure Blob
    "be2c3209-53bc-47e7-ab25-145db8b873e1",  # ADLS Gen2
    "10440537-2a7b-4583-ac39-ed38d4b848e8",  # Data Landing Zone
    "c5d93acb-ea8b-4b14-8f53-02138444ae99",  # Google Cloud Storage
    "36965a81-b1c6-401b-99f8-22508f1e6a26",  # SFTP
}
NEW_CARD_EXAMPLES = [
    "amazon-s3-new-card",
    "azure-blob-new-card",
    "adls-gen2",
    "data-landing-zone",
    "google-cloud-storage",
    "sftp-new-card",
]


def conversion_calls(machine: Machine, method: str = "*") -> list[RecordedRequest]:
    return [
        r
        for r in machine.emulator.requests
        if r.path.startswith(CONVERSION_BASE) and method in ("*", r.method)
    ]


def patch_operations(machine: Machine) -> list[dict[str, Any]]:
    return [op for call in machine.calls("PATCH", "/flows/*") for op in call.body]


def test_the_new_card_examples_are_the_six_new_cards() -> None:
    specs = {
        name: parse_activation_request(example(name)).destination.resolved_connection_spec_id
        for name in NEW_CARD_EXAMPLES
    }
    assert set(specs.values()) == NEW_CARD_CONNECTION_SPECS
    assert set(NEW_CARD_EXAMPLES) <= set(example_names())


@pytest.mark.parametrize("name", NEW_CARD_EXAMPLES)
def test_a_new_card_activates_with_its_mapping_set(machine: Machine, name: str) -> None:
    request = example(name)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, HAPPY_NEW)
    assert machine.census() == {"prod": ONE_OF_EACH}
    flow = machine.only_flow()
    assert_flow_holds(flow, request)
    assert not any("profileSelectors" in op["path"] for op in patch_operations(machine))
    posts = [c.relative_path for c in conversion_calls(machine, "POST")]
    assert posts == [
        f"{CONVERSION_BASE}/schemas",
        f"{CONVERSION_BASE}/schemas",
        f"{CONVERSION_BASE}/mappingSets",
    ]
    mapping = result.output["dataflow"]
    assert mapping["attributes"] == request["profileAttributes"]
    # The summary names each attribute with the column it is exported as (no dots).
    identity = [request["identityNamespace"]] if "identityNamespace" in request else []
    assert mapping["columns"] == [
        f"{name} -> {name.replace('.', '_')}" for name in [*request["profileAttributes"], *identity]
    ]


def test_the_dataflow_is_created_with_the_general_transform_skeleton(machine: Machine) -> None:
    result = machine.run(example("amazon-s3-new-card"))
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (create,) = machine.calls("POST", "/flows")
    assert create.body["transformations"] == [payloads.new_card_transform()]


def test_a_rerun_creates_nothing_and_patches_nothing(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    etag = machine.only_flow()["etag"]
    machine.emulator.clear_requests()

    second = machine.run(request)

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    writes = [c for c in machine.emulator.requests if c.method not in ("GET",)]
    assert [w.path for w in writes if not w.path.endswith("/ims/token/v3")] == []
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert len(machine.emulator.list_resources("mappingSets")) == 1
    assert len(machine.emulator.list_resources("schemas")) == 2
    assert machine.only_flow()["etag"] == etag
    assert_flow_holds(machine.only_flow(), request)


def test_changed_attributes_make_a_new_mapping_version(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    (mapping,) = machine.emulator.list_resources("mappingSets")
    machine.emulator.clear_requests()
    request["profileAttributes"] = [*request["profileAttributes"], "homeAddress.city"]

    second = machine.run(request)

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert [c.method for c in conversion_calls(machine) if c.method != "GET"] == [
        "POST",
        "POST",
        "PUT",
    ]
    (again,) = machine.emulator.list_resources("mappingSets")
    assert again["id"] == mapping["id"]
    assert again["version"] == 1
    flow = machine.only_flow()
    params = flow["transformations"][0]["params"]
    assert params["profileMapping"] == {"mappingId": mapping["id"], "mappingVersion": 1}
    assert_flow_holds(flow, request)
    assert second.output["changes"]["addedAttributes"] == ["homeAddress.city"]


def test_a_dot_in_the_identity_namespace_is_escaped(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    request["identityNamespace"] = "Phone_E.164"
    request["deduplicationKeys"] = ["personalEmail.address"]

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    flow = machine.only_flow()
    assert_flow_holds(flow, request)
    sources = [m["source"] for m in flow["__mappingSet"]["mappings"]]
    assert sources[-1] == "identityMap.Phone_E//.164"
    destinations = [m["destination"] for m in flow["__mappingSet"]["mappings"]]
    assert destinations[-1] == "Phone_E_164"
    assert result.output["dataflow"]["attributes"] == request["profileAttributes"]


def test_an_existing_new_card_dataflow_gets_its_mapping_too(machine: Machine) -> None:
    base = example("amazon-s3-new-card")
    created = machine.run(base)
    assert created.status == "SUCCEEDED", (created.error, created.cause)
    flow_id = machine.only_flow()["id"]
    request = example("amazon-s3-new-card")
    request["dataflowId"] = flow_id
    request["audiences"] = request["audiences"][:1]
    request["audiences"][0]["id"] = "0d8b6f5e-5a48-4e7c-9c1e-2a3b4c5d6e7f"

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_flow_holds(machine.only_flow(), request)
    assert len(machine.emulator.list_resources("mappingSets")) == 1


def test_a_stale_catalog_flow_spec_loses_to_the_live_one(machine: Machine) -> None:
    # Adobe has changed the audience flow specs before: the catalog's id is only a default.
    stale = find_destination("Amazon S3 (new)")
    assert stale is not None
    assert stale.flow_spec_id is not None
    live = "5b0c6c9a-6a8e-4f57-9d5e-2f0c4c1f9a11"
    machine.emulator.republish_flow_spec(stale.flow_spec_id, live)

    result = machine.run(example("amazon-s3-new-card"))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.only_flow()["flowSpec"]["id"] == live
    assert result.output["destination"]["flowSpecId"] == live
    (warning,) = result.output["warnings"]
    assert f"serves audience flow spec {live}" in warning
    assert f"not the catalog's default {stale.flow_spec_id}" in warning
    assert "FlowSpec_V2" in warning  # where the catalog's id came from


def test_an_assumed_role_s3_activation_needs_no_destination_secret(machine: Machine) -> None:
    request = example("amazon-s3-assumed-role")
    assert "secretId" not in request["destination"]["auth"]

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_flow_holds(machine.only_flow(), request)
    connections = machine.emulator.list_resources("connections")
    (base,) = [c for c in connections if c["connectionSpec"]["id"] in NEW_CARD_CONNECTION_SPECS]
    assert base["auth"] == {
        "specName": "Assumed Role",
        "params": {"s3Role": "arn:aws:iam::123456789012:role/aep-exports"},
    }
    (target,) = machine.emulator.list_resources("targetConnections")
    assert target["params"]["includeFileManifest"] is True
    assert target["params"]["csvOptions"] == request["destination"]["target"]["csvOptions"]


def test_the_new_sftp_card_takes_a_port_with_an_ssh_key(machine: Machine) -> None:
    # Adobe's file-based tutorial sends "port" with "SFTP with SSH Key" as with a password.
    request = example("sftp-new-card")
    request["destination"]["auth"] = {
        "specName": "SFTP with SSH Key",
        "secretId": "aep/destinations/sftp-new-ssh-key-port",
    }
    secret = {
        "domain": "sftp.example.com",
        "username": "aep",
        "sshKey": "bm90LWEtcmVhbC1rZXk=",
        "port": "2222",
    }
    machine.stack.seed_secret("aep/destinations/sftp-new-ssh-key-port", secret)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (base,) = [
        c
        for c in machine.emulator.list_resources("connections")
        if c["connectionSpec"]["id"] in NEW_CARD_CONNECTION_SPECS
    ]
    assert base["auth"]["specName"] == "SFTP with SSH Key"


def test_the_new_sftp_card_refuses_a_legacy_host_in_its_secret(machine: Machine) -> None:
    request = example("sftp-new-card")
    secret = {
        "domain": "sftp.example.com",
        "host": "sftp.example.com",
        "username": "aep",
        "password": "not-a-real-password",
    }
    request["destination"]["auth"]["secretId"] = "aep/destinations/sftp-new-with-host"
    machine.stack.seed_secret("aep/destinations/sftp-new-with-host", secret)

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "DestinationSpecMismatch"
    (event,) = machine.result_events(result.arn)
    failure = event["detail"]["failure"]
    assert failure["state"] == "ResolveSpecs"
    assert failure["error"] == "DestinationSpecMismatch"
    assert "'host' is the legacy SFTP card's param" in failure["message"]
    assert machine.calls("POST") == []


@pytest.mark.parametrize("name", ["amazon-s3", "azure-blob", "sftp-password"])
def test_retired_legacy_cards_still_run_but_the_summary_warns(machine: Machine, name: str) -> None:
    request = example(name)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (warning,) = result.output["warnings"]
    assert "Adobe retired the legacy" in warning
    assert "June 30, 2023" in warning
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["warnings"] == [warning]


def test_a_current_card_run_carries_no_warning(machine: Machine) -> None:
    result = machine.run(example("amazon-s3-new-card"))
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert "warnings" not in result.output


def test_a_legacy_flow_found_by_dataflow_id_is_recognised_by_its_target_spec(
    machine: Machine,
) -> None:
    legacy = example("amazon-s3")
    created = machine.run(legacy)
    assert created.status == "SUCCEEDED", (created.error, created.cause)
    flow_id = machine.only_flow()["id"]
    # The request names a current card; the flow it points at is on the retired one.
    request = example("amazon-s3-new-card")
    del request["identityNamespace"]
    request["deduplicationKeys"] = ["personalEmail.address"]
    request["dataflowId"] = flow_id

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (warning,) = result.output["warnings"]
    assert "4890fc95-5a1f-4983-94bb-e060c08e3f81" in warning
    assert conversion_calls(machine) == []  # a legacy flow keeps its profile selectors


def test_a_changed_audience_is_replaced_whole_with_its_adobe_times(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    held = machine.only_flow()["transformations"][0]["params"]["segmentSelectors"]["selectors"]
    request["audiences"][0]["name"] = "Mountain bikers (renamed)"

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (replace,) = [op for op in patch_operations(machine) if op["op"] == "replace"]
    assert replace["path"].endswith("/segmentSelectors/selectors/0")
    for key in ("createTime", "updateTime"):
        assert replace["value"]["value"][key] == held[0]["value"][key]
    assert result.output["changes"]["updatedAudiences"] == [request["audiences"][0]["id"]]
    assert_flow_holds(machine.only_flow(), request)


def test_the_data_landing_zone_base_connection_carries_no_auth(machine: Machine) -> None:
    # Adobe: "The Data Landing Zone destination does not require an auth spec"; its example
    # base connection sends a name and nothing else. The emulator refuses an auth there.
    result = machine.run(example("data-landing-zone"))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    destination_bases = [
        call.body
        for call in machine.calls("POST", "/connections")
        if call.body["connectionSpec"]["id"] == "10440537-2a7b-4583-ac39-ed38d4b848e8"
    ]
    assert len(destination_bases) == 1
    assert "auth" not in destination_bases[0]
