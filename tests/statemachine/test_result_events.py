"""Every execution publishes exactly one result event, saying what happened."""

from __future__ import annotations

import json

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


def failure_metrics(machine: Machine) -> list[dict[str, object]]:
    """The ActivationsFailed metrics the handlers emitted (Powertools' EMF lines), each as
    its dimensions and value."""
    found = []
    for line in machine.log_lines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "ActivationsFailed" not in document:
            continue
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "AepActivation"
        (dimensions,) = directive["Dimensions"]
        found.append(
            {
                **{name: document[name] for name in dimensions},
                "value": document["ActivationsFailed"],
            }
        )
    return found


def test_a_system_failure_is_counted_as_kind_system(machine: Machine) -> None:
    machine.emulator.inject(Fault.status_code(403, method="POST", path="/flows"))

    result = machine.run(example(REQUEST))

    assert result.error == "PermissionDenied"
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["failure"]["kind"] == "system"
    assert failure_metrics(machine) == [
        {"service": "aep-activation", "kind": "system", "value": [1.0]}
    ]


def test_an_invalid_request_is_counted_as_kind_input_and_pages_no_one(machine: Machine) -> None:
    request = example(REQUEST)
    request["audiences"] = []

    result = machine.run(request)

    assert result.error == "InvalidActivationRequest"
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["failure"]["kind"] == "input"
    assert failure_metrics(machine) == [
        {"service": "aep-activation", "kind": "input", "value": [1.0]}
    ]
