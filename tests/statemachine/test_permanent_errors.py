"""Permanent errors fail at once, named, without retries or needless calls."""

from __future__ import annotations

from local.emulator import Fault
from tests.statemachine.harness import Machine, example
from tests.statemachine.paths import (
    APPLY,
    CONNECT_FAILED,
    VALIDATE,
    assert_route,
    failed_at,
)

REQUEST = "amazon-s3"


def test_a_403_on_creating_a_connection_fails_at_once(machine: Machine) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.status_code(403, method="POST", path="/connections"))

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "PermissionDenied"
    assert_route(
        result.states,
        failed_at(
            "ConnectProfileAndDestination",
            (*APPLY, "ResolveSpecs", CONNECT_FAILED),
        ),
    )
    (denied,) = [c for c in machine.calls("POST", "/connections") if c.status == 403]
    (failed,) = [v for v in result.visits if "PermissionDenied" in {f.error for f in v.failures}]
    assert failed.attempts == 1
    # Not retried: the connection that was refused was asked for once.
    refused_name = denied.body["name"]
    assert [c.body["name"] for c in machine.calls("POST", "/connections")].count(refused_name) == 1
    assert result.retry_sleeps() == []
    (event,) = machine.result_events(result.arn)
    assert event["detail-type"] == "ActivationFailed"
    failure = event["detail"]["failure"]
    # The branch state that was refused is named, inside the Parallel state.
    refused_side = (
        "EnsureProfileBaseConnection"
        if "Profile Store" in refused_name
        else "EnsureDestinationBaseConnection"
    )
    assert failure["state"] == refused_side
    assert failure["parentState"] == "ConnectProfileAndDestination"
    assert f"{refused_side}Failed" in result.states
    assert failure["error"] == "PermissionDenied"
    assert failure["adobeRequestId"] == denied.request_id
    assert "POST /connections" in failure["message"]


def test_an_invalid_request_fails_naming_its_fields_before_any_call(machine: Machine) -> None:
    request = example(REQUEST)
    del request["audiences"][1]["schedule"]["startTime"]
    request["mandatoryFields"] = ["homeAddress.city"]

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "InvalidActivationRequest"
    assert_route(result.states, failed_at("ValidateRequest", VALIDATE))
    assert "audiences.1.schedule.startTime" in (result.cause or "")
    assert "mandatoryFields.0" in (result.cause or "")
    assert machine.emulator.requests == []  # neither Flow Service nor IMS
    (visit,) = result.visits_of("ValidateRequest")
    assert visit.attempts == 1
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["failure"]["state"] == "ValidateRequest"
    assert event["detail"]["failure"]["error"] == "InvalidActivationRequest"


def test_a_missing_destination_secret_fails_before_any_call(machine: Machine) -> None:
    request = example(REQUEST)
    request["destination"]["auth"]["secretId"] = "aep/destinations/never-created"

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "SecretUnavailable"
    assert_route(result.states, failed_at("ValidateRequest", VALIDATE))
    assert "aep/destinations/never-created" in (result.cause or "")
    assert machine.flow_service_calls() == []
    assert machine.emulator.requests == []
    (visit,) = result.visits_of("ValidateRequest")
    assert visit.attempts == 1
