"""Teardown: delete in the order Flow Service allows, confirm each deletion by a 404,
finish after a failure when started again, and delete nothing the second time."""

from __future__ import annotations

import copy
from typing import Any

from local.emulator import Fault
from tests.statemachine import asl, paths
from tests.statemachine.harness import ONE_OF_EACH, Machine, example, with_dataflow
from tests.statemachine.paths import FAIL, assert_route

REQUEST = "amazon-s3"
# One state finds and deletes, level by level (each retry starts from what exists now).
TEARDOWN_STEP = "TeardownActivation"
TEARDOWN = (
    *paths.TEARDOWN,
    TEARDOWN_STEP,
    "ReleaseActivationLease",
    "PublishSuccess",  # records TORN_DOWN in the registry, then publishes
)


def as_teardown(request: dict[str, Any], dataflow_id: str) -> dict[str, Any]:
    """The teardown of ``request``'s activation, confirming the id of its dataflow."""
    return {**copy.deepcopy(request), "operation": "teardown", "confirmDataflowId": dataflow_id}


def applied(machine: Machine, request: dict[str, Any]) -> dict[str, str]:
    result = machine.run(request)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return machine.resource_ids(request["sandbox"])


def deletions(machine: Machine) -> list[tuple[str, int | None]]:
    return [(c.relative_path, c.status) for c in machine.calls("DELETE", "*")]


def test_a_teardown_deletes_in_order_and_confirms_each_deletion(machine: Machine) -> None:
    request = example(REQUEST)
    ids = applied(machine, request)
    machine.emulator.clear_requests()

    result = machine.run(as_teardown(request, ids["dataflowId"]))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, TEARDOWN)
    assert machine.census() == {}
    expected = [
        f"/flows/{ids['dataflowId']}",
        f"/targetConnections/{ids['targetConnectionId']}",
        f"/sourceConnections/{ids['sourceConnectionId']}",
        f"/connections/{ids['destinationBaseConnectionId']}",
        f"/connections/{ids['profileBaseConnectionId']}",
    ]
    assert deletions(machine) == [(path, 202) for path in expected]
    for path in expected:  # each DELETE is followed by a read answering 404
        calls = [c for c in machine.flow_service_calls() if c.relative_path == path]
        assert [(c.method, c.status) for c in calls][-2:] == [("DELETE", 202), ("GET", 404)]
    teardown = result.output["teardown"]
    assert [d["id"] for d in teardown["deleted"]] == [p.rsplit("/", 1)[1] for p in expected]
    assert teardown["alreadyGone"] == teardown["kept"] == []
    assert result.output["operation"] == "teardown"
    (event,) = machine.result_events(result.arn)
    assert event["detail-type"] == "ActivationSucceeded"
    assert event["detail"]["teardown"] == teardown


def test_a_second_teardown_succeeds_and_deletes_nothing(machine: Machine) -> None:
    request = example(REQUEST)
    ids = applied(machine, request)
    first = machine.run(as_teardown(request, ids["dataflowId"]))
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    machine.emulator.clear_requests()

    second = machine.run(as_teardown(request, ids["dataflowId"]))

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert_route(second.states, TEARDOWN)
    assert deletions(machine) == []
    assert [c.method for c in machine.flow_service_calls()] == ["GET"] * len(
        machine.flow_service_calls()
    )
    assert second.output["teardown"]["deleted"] == []
    assert second.output["teardown"]["resources"] == {
        "dataflowId": None,
        "targetConnectionIds": [],
        "sourceConnectionIds": [],
        "destinationBaseConnectionId": None,
        "profileBaseConnectionId": None,
    }


def test_a_teardown_failing_at_the_target_connection_completes_when_started_again(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    ids = applied(machine, request)
    budget = asl.retrier_for(TEARDOWN_STEP, "FlowServiceUnavailable")
    attempts = budget.max_attempts + 1
    machine.emulator.inject(
        Fault.status_code(503, method="DELETE", path="/targetConnections/*", times=attempts)
    )

    failed = machine.run(as_teardown(request, ids["dataflowId"]))

    assert failed.status == "FAILED"
    assert failed.error == "FlowServiceUnavailable"
    assert_route(
        failed.states,
        (*paths.TEARDOWN, TEARDOWN_STEP, *FAIL),
    )
    assert len(machine.calls("DELETE", "/targetConnections/*")) == attempts
    # Each retry started from what exists now: the dataflow, gone after the first attempt, was
    # deleted once, and no DELETE reached a base connection (the level below never started).
    assert len(machine.calls("DELETE", "/flows/*")) == 1
    assert machine.calls("DELETE", "/connections/*") == []
    (event,) = machine.result_events(failed.arn)
    assert event["detail"]["failure"]["state"] == TEARDOWN_STEP
    assert event["detail"]["failure"]["error"] == "FlowServiceUnavailable"
    left = {**ONE_OF_EACH, "flows": 0}
    assert machine.census() == {"prod": left}  # the dataflow went, the rest is still there
    assert machine.resource_ids_without_flow() == {
        k: v for k, v in ids.items() if k != "dataflowId"
    }

    again = machine.run(as_teardown(request, ids["dataflowId"]))

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert_route(again.states, TEARDOWN)
    assert machine.census() == {}
    assert [d["kind"] for d in again.output["teardown"]["deleted"]] == [
        "targetConnections",
        "sourceConnections",
        "connections",
        "connections",
    ]


def test_a_teardown_by_dataflow_id_keeps_a_profile_base_connection_another_flow_uses(
    machine: Machine,
) -> None:
    shared = {"profileBaseConnection": {"name": "shared Profile Store base connection"}}
    first = {**example(REQUEST), "resources": shared}
    other = {**example("azure-blob"), "resources": shared}
    applied(machine, first)
    flow_id = next(
        f["id"]
        for f in machine.emulator.list_resources("flows")
        if f["name"].startswith(first["name"])
    )
    other_result = machine.run(other)
    assert other_result.status == "SUCCEEDED", (other_result.error, other_result.cause)
    profile_id = other_result.output["resources"]["profileBaseConnectionId"]  # the shared one
    machine.emulator.clear_requests()

    result = machine.run(as_teardown(with_dataflow(first, flow_id), flow_id))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    teardown = result.output["teardown"]
    assert teardown["resources"]["dataflowId"] == flow_id
    assert [k["id"] for k in teardown["kept"]] == [profile_id]
    assert "still used by source connection" in teardown["kept"][0]["reason"]
    assert f"/connections/{profile_id}" not in [path for path, _ in deletions(machine)]
    census = machine.census()["prod"]
    assert census == {
        "profileBaseConnections": 1,
        "destinationBaseConnections": 1,
        "sourceConnections": 1,
        "targetConnections": 1,
        "flows": 1,
    }  # the other activation is whole


def test_a_new_card_teardown_lists_the_mapping_set_and_schemas_it_leaves_behind(
    machine: Machine,
) -> None:
    request = example("amazon-s3-new-card")
    applied(machine, request)
    changed = {**request, "profileAttributes": [*request["profileAttributes"], "homeAddress.city"]}
    ids = applied(machine, changed)  # a second mapping version, with schemas of its own
    (mapping,) = machine.emulator.list_resources("mappingSets")
    schemas = machine.emulator.list_resources("schemas")
    assert (mapping["version"], len(schemas)) == (1, 4)
    machine.emulator.clear_requests()

    result = machine.run(as_teardown(changed, ids["dataflowId"]))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, TEARDOWN)
    assert machine.census() == {}  # every Flow Service resource is gone
    assert [c.method for c in machine.emulator.requests if "/conversion/" in c.path] == [
        "GET"
    ] * 2  # both versions read, nothing else: there is no delete to send
    reason = "Adobe's Data Prep API offers no delete for mapping sets or schemas"
    expected = [
        {"kind": "mappingSets", "id": mapping["id"], "version": 1, "reason": reason},
        *({"kind": "schemas", "id": s["id"], "reason": reason} for s in schemas),
    ]
    left = result.output["teardown"]["leftBehind"]
    assert left[0] == expected[0]
    assert sorted(left[1:], key=str) == sorted(expected[1:], key=str)
    assert machine.emulator.list_resources("mappingSets") == [mapping]  # still there
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["teardown"]["leftBehind"] == left

    again = machine.run(
        as_teardown(changed, ids["dataflowId"])
    )  # the flow is gone: the set is found by name

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert again.output["teardown"]["deleted"] == []
    assert again.output["teardown"]["leftBehind"] == left


def test_a_legacy_card_teardown_leaves_nothing_behind(machine: Machine) -> None:
    request = example(REQUEST)
    ids = applied(machine, request)

    result = machine.run(as_teardown(request, ids["dataflowId"]))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["teardown"]["leftBehind"] == []


def test_a_teardown_whose_confirmation_names_another_dataflow_deletes_nothing(
    machine: Machine,
) -> None:
    request = {**example(REQUEST), "requestId": "teardown-42"}
    ids = applied(machine, request)
    other_id = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
    machine.emulator.clear_requests()

    result = machine.run(as_teardown(request, other_id))

    assert result.status == "FAILED"
    assert result.error == "TeardownNotConfirmed"
    assert other_id in result.cause
    assert ids["dataflowId"] in result.cause
    assert deletions(machine) == []  # refused before any DELETE
    assert machine.census() == {"prod": ONE_OF_EACH}
    (event,) = machine.result_events(result.arn)
    failure = event["detail"]["failure"]
    assert (failure["state"], failure["error"], failure["kind"]) == (
        TEARDOWN_STEP,
        "TeardownNotConfirmed",
        "input",
    )
    assert event["detail"]["requestId"] == "teardown-42"


def test_a_teardown_without_confirmation_is_refused_before_any_call(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    machine.emulator.clear_requests()

    result = machine.run({**request, "operation": "teardown"})

    assert result.status == "FAILED"
    assert result.error == "InvalidActivationRequest"
    assert "confirmDataflowId: is required for a teardown" in result.cause
    assert machine.emulator.requests == []  # not even a token
    assert machine.census() == {"prod": ONE_OF_EACH}
