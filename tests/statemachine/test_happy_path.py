"""Every example request activates end to end, creating one of each resource."""

from __future__ import annotations

from typing import Any

import pytest

from local.runtime import ExecutionResult
from tests.statemachine.harness import (
    ONE_OF_EACH,
    Machine,
    assert_flow_holds,
    example,
    example_names,
    with_dataflow,
)
from tests.statemachine.paths import HAPPY_EXISTING, HAPPY_NEW, assert_route

NEW_DATAFLOW_EXAMPLES = [
    name for name in example_names() if example(name).get("dataflowId") is None
]
EXISTING_DATAFLOW_EXAMPLES = [
    name for name in example_names() if example(name).get("dataflowId") is not None
]
BASE_OF_EXISTING = "amazon-s3"


def flow_service_posts(machine: Machine) -> list[Any]:
    return [call for call in machine.flow_service_calls() if call.method == "POST"]


def assert_summary_names(
    result: ExecutionResult, machine: Machine, request: dict[str, Any]
) -> None:
    summary = result.output
    sandbox = request["sandbox"]
    assert summary["status"] == "SUCCEEDED"
    assert summary["execution"] == result.arn
    assert summary["activation"] == request["name"]
    assert summary["sandbox"] == sandbox
    assert summary["resources"] == machine.resource_ids(sandbox)
    assert summary["dataflow"]["id"] == machine.resource_ids(sandbox)["dataflowId"]
    assert set(summary["dataflow"]["audiences"]) >= {a["id"] for a in request["audiences"]}
    assert set(summary["dataflow"]["attributes"]) >= set(request["profileAttributes"])


@pytest.mark.parametrize("name", NEW_DATAFLOW_EXAMPLES)
def test_an_example_creates_one_of_each_resource_and_activates_its_audiences(
    machine: Machine, name: str
) -> None:
    request = example(name)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, HAPPY_NEW)
    assert machine.census() == {request["sandbox"]: ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(request["sandbox"]), request)
    assert_summary_names(result, machine, request)
    assert result.output["changes"]["addedAudiences"] == [a["id"] for a in request["audiences"]]


@pytest.mark.parametrize("name", EXISTING_DATAFLOW_EXAMPLES)
def test_an_example_naming_a_dataflow_adds_its_audiences_to_it(machine: Machine, name: str) -> None:
    base = example(BASE_OF_EXISTING)
    created = machine.run(base)
    assert created.status == "SUCCEEDED", (created.error, created.cause)
    flow_id = machine.resource_ids(base["sandbox"])["dataflowId"]
    request = with_dataflow(example(name), flow_id)
    creations_before = len(flow_service_posts(machine))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, HAPPY_EXISTING)
    assert machine.census() == {request["sandbox"]: ONE_OF_EACH}
    assert len(flow_service_posts(machine)) == creations_before  # nothing new was created
    flow = machine.only_flow(request["sandbox"])
    assert_flow_holds(flow, request)
    assert_flow_holds(flow, base)  # what the flow held before is still there
    assert result.output["resources"]["dataflowId"] == flow_id
    assert set(result.output["dataflow"]["audiences"]) == {
        a["id"] for a in [*base["audiences"], *request["audiences"]]
    }


def test_resources_land_in_the_requested_sandbox_only(machine: Machine) -> None:
    request = example(BASE_OF_EXISTING)
    request["sandbox"] = "dev-activation"

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.census() == {"dev-activation": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow("dev-activation"), request)
    assert_summary_names(result, machine, request)


def test_a_patch_answered_202_without_a_body_still_activates(machine: Machine) -> None:
    # The tutorial shows PATCH /flows answering 202 with no body (the API reference: 200).
    machine.emulator.patch_status = 202
    request = example(BASE_OF_EXISTING)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, HAPPY_NEW)
    assert [c.status for c in machine.calls("PATCH", "/flows/*")] == [202]
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)
