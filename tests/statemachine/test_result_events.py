"""Issue 3, check 8: every execution publishes exactly one result event, saying what happened."""

from __future__ import annotations

from local.emulator import Fault
from tests.statemachine.harness import ONE_OF_EACH, Machine, example
from tests.statemachine.paths import NEW_DATAFLOW, assert_route, failed_at

REQUEST = "amazon-s3"


def test_a_success_publishes_one_activation_succeeded_event(machine: Machine) -> None:
    request = example(REQUEST)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (event,) = machine.result_events(result.arn)
    assert event["detail-type"] == "ActivationSucceeded"
    assert event["source"] == "aep.activation"
    detail = event["detail"]
    assert detail["status"] == "SUCCEEDED"
    assert detail["execution"] == result.arn
    assert detail["activation"] == request["name"]
    assert detail["sandbox"] == request["sandbox"]
    assert detail["resources"] == machine.resource_ids()
    assert detail["dataflow"]["audiences"] == [a["id"] for a in request["audiences"]]
    assert "failure" not in detail
    assert detail == result.output  # the execution's output is the same summary


def test_a_failure_publishes_one_activation_failed_event_with_what_was_made(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.status_code(403, method="POST", path="/flows"))

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "PermissionDenied"
    assert_route(result.states, failed_at("EnsureDataflow", NEW_DATAFLOW))
    assert machine.census() == {"prod": {**ONE_OF_EACH, "flows": 0}}
    (denied,) = machine.calls("POST", "/flows")
    assert denied.status == 403
    (event,) = machine.result_events(result.arn)
    assert event["detail-type"] == "ActivationFailed"
    detail = event["detail"]
    assert detail["status"] == "FAILED"
    assert detail["execution"] == result.arn
    assert detail["activation"] == request["name"]
    assert detail["failure"]["state"] == "EnsureDataflow"
    assert detail["failure"]["error"] == "PermissionDenied"
    assert detail["failure"]["adobeRequestId"] == denied.request_id
    made = machine.resource_ids_without_flow()
    assert detail["resources"] == {**made, "dataflowId": None}
