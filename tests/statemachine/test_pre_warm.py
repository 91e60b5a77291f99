"""The pre-warm on the real template: ValidateRequest starts the later functions' cold starts
with an asynchronous no-op call, only for the functions the request's path calls, and a
warm-up that cannot start never fails the execution (tests/runtime/test_pre_warm_cold.py: a
function so warmed serves the execution's call warm)."""

from __future__ import annotations

from aep_activation import warm_up
from local.runtime import LocalDeployment
from local.runtime.functions import Invocation
from tests.statemachine.harness import Machine, assert_flow_holds, example, with_dataflow

VALIDATE = "ValidateRequestFunction"
# Not the step right after the lease (ResolveSpecs; ActivateAudiences for a named dataflow): its
# call comes within milliseconds, while a warm-up's container would still be in init.
NEW_DATAFLOW_PATH = {
    "EnsureProfileBaseConnectionFunction",
    "EnsureSourceConnectionFunction",
    "EnsureDestinationBaseConnectionFunction",
    "EnsureTargetConnectionFunction",
    "EnsureMappingSetFunction",
    "EnsureDataflowFunction",
    "ActivateAudiencesFunction",
    "ValidateDataflowFunction",
    "PublishResultFunction",
}
EXISTING_DATAFLOW_PATH = {
    "ValidateDataflowFunction",
    "PublishResultFunction",
}


def _fresh_validate_request(stack: LocalDeployment) -> None:
    """A new ValidateRequest container: it has warmed nothing yet."""
    host = stack.lambdas.function(VALIDATE)
    assert host is not None
    host.cold_start()


def _warm_ups(stack: LocalDeployment, since: int) -> list[Invocation]:
    assert stack.lambdas.wait_for_async()
    return [i for i in stack.invocations[since:] if i.asynchronous]


def test_an_apply_warms_the_functions_its_path_calls_next(machine: Machine) -> None:
    stack = machine.stack
    request = example("amazon-s3-new-card")
    _fresh_validate_request(stack)
    mark = len(stack.invocations)
    created = machine.run(request)
    fresh = _warm_ups(stack, mark)
    _fresh_validate_request(stack)
    mark = len(stack.invocations)
    added = machine.run(with_dataflow(request, machine.only_flow()["id"]))
    existing = _warm_ups(stack, mark)

    assert (created.status, added.status) == ("SUCCEEDED", "SUCCEEDED")
    assert_flow_holds(machine.only_flow(), request)
    assert sorted(i.function for i in fresh) == sorted(NEW_DATAFLOW_PATH)
    assert sorted(i.function for i in existing) == sorted(EXISTING_DATAFLOW_PATH)
    for call in fresh + existing:
        assert call.event == warm_up.WARM_UP_EVENT
        assert call.result == warm_up.WARMED_UP


def test_a_legacy_card_warms_the_same_path(machine: Machine) -> None:
    stack = machine.stack
    _fresh_validate_request(stack)
    mark = len(stack.invocations)
    created = machine.run(example("amazon-s3"))
    warmed = _warm_ups(stack, mark)

    assert created.status == "SUCCEEDED"
    # Its Data Prep step answers at once, but its container starts cold all the same.
    assert sorted(i.function for i in warmed) == sorted(NEW_DATAFLOW_PATH)


def test_a_container_that_warmed_the_path_does_not_warm_it_again_at_once(
    machine: Machine,
) -> None:
    stack = machine.stack
    request = example("amazon-s3-new-card")
    _fresh_validate_request(stack)
    first = machine.run(request)
    mark = len(stack.invocations)
    again = machine.run(with_dataflow(request, machine.only_flow()["id"]))

    assert (first.status, again.status) == ("SUCCEEDED", "SUCCEEDED")
    assert _warm_ups(stack, mark) == []


def test_a_plan_or_an_invalid_request_warms_nothing(machine: Machine) -> None:
    stack = machine.stack
    _fresh_validate_request(stack)
    mark = len(stack.invocations)
    planned = machine.run({**example("amazon-s3-new-card"), "operation": "plan"})
    refused = machine.run({**example("amazon-s3-new-card"), "sandbox": ""})

    assert planned.status == "SUCCEEDED"
    assert refused.status == "FAILED"
    assert _warm_ups(stack, mark) == []


def test_a_warm_up_that_cannot_start_does_not_fail_the_execution(machine: Machine) -> None:
    stack = machine.stack
    host = stack.lambdas.function(VALIDATE)
    assert host is not None
    deployed = host.environment[warm_up.NEW_DATAFLOW_VARIABLE]
    first = deployed.split(",")[0]
    assert "EnsureProfileBaseConnectionFunction" in first
    missing = first.replace("EnsureProfileBaseConnectionFunction", "NoSuchFunction")
    host.environment[warm_up.NEW_DATAFLOW_VARIABLE] = f"{missing},{deployed}"
    host.cold_start()  # its next container reads the changed list
    try:
        mark = len(stack.invocations)
        result = machine.run(example("amazon-s3-new-card"))
        warmed = _warm_ups(stack, mark)
    finally:
        host.environment[warm_up.NEW_DATAFLOW_VARIABLE] = deployed
        host.cold_start()

    assert result.status == "SUCCEEDED"
    assert sorted(i.function for i in warmed) == sorted(NEW_DATAFLOW_PATH)
    assert any(
        "warm-up not started" in line and "NoSuchFunction" in line for line in machine.log_lines()
    )
