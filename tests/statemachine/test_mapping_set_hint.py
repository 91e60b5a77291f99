"""Adding audiences to a new card's flow: the mapping set read beside the flow.

ActivateAudiences reads the mapping set version the activation's last apply attached (the
registry's record) at the same time as the flow, and uses it only when the flow's
``profileMapping`` names exactly that version. Whatever the record says, the flow decides:
no record, a record naming another version, or a read of the hinted version that fails all
end as without the hint (the set the flow names read after the flow), with the same result.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from aep_activation.registry import KEY, REGISTRY_TABLE_VARIABLE, registry_key
from bench.activations import adding_audience, observed_chain
from local.emulator import Fault, RecordedRequest
from tests.statemachine.harness import Machine, assert_flow_holds, example

NEW_CARD = "amazon-s3-new-card"
CONVERSION = "/data/foundation/conversion"
LATENCY = 0.2  # seconds per Adobe answer: concurrency shows in the request log


def profile_mapping(machine: Machine) -> dict[str, Any]:
    return dict(machine.only_flow()["transformations"][0]["params"]["profileMapping"])


def set_reads(machine: Machine) -> list[RecordedRequest]:
    return [
        r
        for r in machine.emulator.requests
        if r.method == "GET" and r.path.startswith(f"{CONVERSION}/mappingSets/")
    ]


def version_read(call: RecordedRequest) -> tuple[str, int]:
    return call.path.rsplit("/", 1)[1], int(call.query["version"][0])


def data_prep_writes(machine: Machine) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in machine.emulator.requests
        if r.path.startswith(CONVERSION) and r.method != "GET"
    ]


def applied(machine: Machine) -> tuple[dict[str, Any], str]:
    """A new card's activation applied: its request and its flow's id."""
    request = example(NEW_CARD)
    result = machine.run(request)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return request, str(machine.only_flow()["id"])


def forget_registry_record(machine: Machine, request: dict[str, Any]) -> None:
    machine.stack.client("dynamodb").delete_item(
        TableName=machine.stack.physical("ActivationRegistryTable"),
        Key={KEY: {"S": registry_key(request["sandbox"], request["name"])}},
    )


def test_without_a_registry_record_the_set_the_flow_names_is_read_after_it(
    machine: Machine,
) -> None:
    request, flow_id = applied(machine)
    attached = profile_mapping(machine)
    forget_registry_record(machine, request)
    machine.cold()
    machine.emulator.clear_requests()
    machine.emulator.inject(Fault.latency(LATENCY, times=None))

    result = machine.run(adding_audience(request, flow_id, 1))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls = sorted(machine.emulator.requests, key=lambda c: c.received_at or c.timestamp)
    assert [f"{c.method} {c.relative_path.split('/')[1]}" for c in calls] == [
        "POST ims",
        "GET flows",
        "GET data",  # /data/foundation/conversion/mappingSets/{id}?version=
        "PATCH flows",
        "GET flows",
    ]
    (read,) = set_reads(machine)
    assert version_read(read) == (attached["mappingId"], attached["mappingVersion"])
    assert observed_chain(calls) == 5  # the read of the set waits for the flow
    assert data_prep_writes(machine) == []
    assert profile_mapping(machine) == attached
    assert_flow_holds(machine.only_flow(), adding_audience(request, flow_id, 1))


def test_a_record_naming_another_version_than_the_flow_loses_to_the_flow(
    machine: Machine,
) -> None:
    request, flow_id = applied(machine)
    first = profile_mapping(machine)
    changed = copy.deepcopy(request)
    changed["profileAttributes"] = [*request["profileAttributes"], "homeAddress.city"]
    assert machine.run(changed).status == "SUCCEEDED"
    second = profile_mapping(machine)  # what the registry now records
    assert second["mappingVersion"] == first["mappingVersion"] + 1
    # Someone puts the first version back on the flow in the UI: the record is stale.
    machine.emulator.edit_flow(
        flow_id,
        [
            {
                "op": "replace",
                "path": "/transformations/0/params/profileMapping/mappingVersion",
                "value": first["mappingVersion"],
            }
        ],
    )
    machine.emulator.clear_requests()

    # The first request's attributes, which the first version maps.
    result = machine.run(adding_audience(request, flow_id, 1))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    reads = [version_read(r) for r in set_reads(machine)]
    # The recorded version, read beside the flow, then the one the flow names.
    assert reads == [
        (second["mappingId"], second["mappingVersion"]),
        (first["mappingId"], first["mappingVersion"]),
    ]
    assert data_prep_writes(machine) == []  # the version the flow names maps the request
    assert profile_mapping(machine) == first
    assert result.output["mappingSet"]["mappingVersion"] == first["mappingVersion"]
    assert_flow_holds(machine.only_flow(), adding_audience(request, flow_id, 1))


@pytest.mark.parametrize(("status", "error"), [(503, None), (404, "ResourceNotFound")])
def test_a_failed_read_of_the_version_the_flow_names_counts_as_that_read(
    machine: Machine, status: int, error: str | None
) -> None:
    """The recorded version is the one the flow names: its read, sent beside the flow, is
    that read, and its error is the step's, as if sent after the flow."""
    request, flow_id = applied(machine)
    attached = profile_mapping(machine)
    machine.emulator.clear_requests()
    machine.emulator.inject(
        Fault.status_code(status, method="GET", path=f"{CONVERSION}/mappingSets/*", times=1)
    )

    result = machine.run(adding_audience(request, flow_id, 1))

    reads = set_reads(machine)
    assert {version_read(r) for r in reads} == {(attached["mappingId"], attached["mappingVersion"])}
    if error is None:  # transient: the state's Retry reads both again
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        assert [r.status for r in reads] == [status, 200]
        assert_flow_holds(machine.only_flow(), adding_audience(request, flow_id, 1))
    else:  # permanent: the run fails at once, as on that read after the flow
        assert result.status == "FAILED"
        assert result.error == error
        assert [r.status for r in reads] == [status]
        assert machine.calls("PATCH", "/flows/*") == []
    assert data_prep_writes(machine) == []
    assert profile_mapping(machine) == attached


def test_a_stale_record_whose_read_fails_costs_a_read_not_the_run(machine: Machine) -> None:
    request, flow_id = applied(machine)
    attached = profile_mapping(machine)
    stale = attached["mappingVersion"] + 7  # a version Data Prep does not hold
    machine.stack.client("dynamodb").update_item(
        TableName=machine.stack.physical("ActivationRegistryTable"),
        Key={KEY: {"S": registry_key(request["sandbox"], request["name"])}},
        UpdateExpression="SET summary = :summary",
        ExpressionAttributeValues={
            ":summary": {
                "S": json.dumps(
                    {"mappingSet": {"mappingId": attached["mappingId"], "mappingVersion": stale}}
                )
            }
        },
    )
    machine.emulator.clear_requests()

    result = machine.run(adding_audience(request, flow_id, 1))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    reads = set_reads(machine)
    assert [(version_read(r), r.status) for r in reads] == [
        ((attached["mappingId"], stale), 404),
        ((attached["mappingId"], attached["mappingVersion"]), 200),
    ]
    # ActivateAudiences was not retried: one read of the flow there, one by ValidateDataflow.
    assert len(machine.calls("GET", "/flows/*")) == 2
    assert data_prep_writes(machine) == []
    assert profile_mapping(machine) == attached
    assert_flow_holds(machine.only_flow(), adding_audience(request, flow_id, 1))


def test_a_record_left_by_another_flow_of_the_activation_is_not_read(machine: Machine) -> None:
    request, flow_id = applied(machine)
    attached = profile_mapping(machine)
    # The activation's record is for another dataflow (its flow made anew since, say).
    machine.stack.client("dynamodb").update_item(
        TableName=machine.stack.physical("ActivationRegistryTable"),
        Key={KEY: {"S": registry_key(request["sandbox"], request["name"])}},
        UpdateExpression="SET dataflowId = :other",
        ExpressionAttributeValues={":other": {"S": "00000000-0000-4000-8000-0000000000ff"}},
    )
    machine.emulator.clear_requests()

    result = machine.run(adding_audience(request, flow_id, 1))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [version_read(r) for r in set_reads(machine)] == [
        (attached["mappingId"], attached["mappingVersion"])
    ]
    assert data_prep_writes(machine) == []
    assert profile_mapping(machine) == attached


@pytest.fixture
def registry_unreadable(machine: Machine) -> Iterator[Machine]:
    """ActivateAudiences told a registry table that does not exist, in new containers (the
    state machine still records in the real one); as deployed again afterwards."""
    host = machine.stack.lambdas.function("ActivateAudiencesFunction")
    assert host is not None
    deployed = host.environment[REGISTRY_TABLE_VARIABLE]
    host.environment[REGISTRY_TABLE_VARIABLE] = "no-such-table"
    machine.stack.cold_start()
    try:
        yield machine
    finally:
        host.environment[REGISTRY_TABLE_VARIABLE] = deployed
        machine.stack.cold_start()


def test_a_registry_that_cannot_be_read_is_no_hint(registry_unreadable: Machine) -> None:
    machine = registry_unreadable
    request, flow_id = applied(machine)
    attached = profile_mapping(machine)
    machine.emulator.clear_requests()

    result = machine.run(adding_audience(request, flow_id, 1))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [version_read(r) for r in set_reads(machine)] == [
        (attached["mappingId"], attached["mappingVersion"])
    ]
    (flow_read, *_) = machine.calls("GET", "/flows/*")
    (set_read,) = set_reads(machine)
    assert flow_read.timestamp <= (set_read.received_at or 0)  # after the flow, as without
    (unread,) = [line for line in machine.log_lines() if "registry not read for a hint" in line]
    assert "ResourceNotFoundException" in unread
    assert data_prep_writes(machine) == []
    assert profile_mapping(machine) == attached
