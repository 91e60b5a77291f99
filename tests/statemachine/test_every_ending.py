"""Every ending reported: an execution stopped, timed out or failed by an error no Catch takes
still produces an ActivationFailed result event, with the state it was in and the reason,
and gives its lease back. Step Functions' "Execution Status Change" event is delivered to the
template's rule (PublishResult) as EventBridge does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.emulator import Fault
from local.runtime.template import parse_template_text
from tests.statemachine.harness import REPOSITORY, Machine, example, lease_items

MAX_STATE_BYTES = 256 * 1024


def _until(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _entered(machine: Machine, execution: str, state: str) -> bool:
    return any(
        (e.get("stateEnteredEventDetails") or {}).get("name") == state
        for e in machine.stack.history(execution)
    )


def _status(machine: Machine, execution: str) -> str:
    return str(machine.stack.stepfunctions.describe_execution(executionArn=execution)["status"])


def _failed_event(machine: Machine, execution: str) -> dict[str, Any]:
    (event,) = machine.result_events(execution)
    assert event["detail-type"] == "ActivationFailed"
    return dict(event["detail"])


def test_a_stopped_execution_gives_its_lease_back_and_reports_where_it_stopped(
    machine: Machine, leases: Any
) -> None:
    machine.emulator.inject(Fault.latency(3.0, method="POST", path="/flows"))
    execution = machine.start(example("amazon-s3"))
    _until(lambda: _entered(machine, execution, "EnsureDataflow"))
    machine.stack.stepfunctions.stop_execution(executionArn=execution)
    _until(lambda: _status(machine, execution) == "ABORTED")
    assert [i["holder"]["S"] for i in lease_items(leases)] == [execution]  # left behind
    assert machine.result_events(execution) == []  # the state machine reported nothing

    machine.stack.deliver_status_change(execution)

    assert lease_items(leases) == []
    detail = _failed_event(machine, execution)
    assert detail["endedAs"] == "ABORTED"
    assert (detail["activation"], detail["sandbox"]) == ("summer-sale-s3", "prod")
    assert detail["failure"]["state"] == "EnsureDataflow"
    assert (detail["failure"]["error"], detail["failure"]["message"]) == (
        "ExecutionAborted",
        "the execution was stopped (StopExecution)",
    )


@pytest.fixture
def short_timeout(machine: Machine) -> Iterator[int]:
    """The real definition with TimeoutSeconds 2, for one test; then the real one again."""
    sfn = machine.stack.stepfunctions
    arn = machine.stack.state_machine_arn()
    definition = sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    short = json.loads(definition)
    short["TimeoutSeconds"] = 2
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(short))
    try:
        yield 2
    finally:
        sfn.update_state_machine(stateMachineArn=arn, definition=definition)


def test_a_timed_out_execution_is_reported_with_the_state_it_was_in(
    machine: Machine, short_timeout: int
) -> None:
    request = {**example("amazon-s3"), "waitForFirstRun": {"timeoutMinutes": 30}}
    with machine.stack.sleeping(0.1):  # each 60 s Wait of the run watch takes 6 s
        execution = machine.start(request)
        _until(lambda: _status(machine, execution) != "RUNNING")
    assert _status(machine, execution) == "TIMED_OUT"
    assert machine.result_events(execution) == []

    machine.stack.deliver_status_change(execution)

    detail = _failed_event(machine, execution)
    assert detail["endedAs"] == "TIMED_OUT"
    assert detail["failure"]["error"] == "States.Timeout"
    assert detail["failure"]["state"] in {"WaitForRuns", "CheckRuns", "RunsFinished"}
    assert "TimeoutSeconds" in detail["failure"]["message"]


def test_an_uncatchable_data_limit_failure_is_reported_with_its_state(
    machine: Machine, leases: Any
) -> None:
    # An input just under 256 KiB: the first state's parameters (the input under "request",
    # with the execution's id) are over it. States.DataLimitExceeded: no Catch takes it.
    request = {**example("amazon-s3"), "note": ""}
    compact = len(json.dumps(request, separators=(",", ":")).encode("utf-8"))
    request["note"] = "x" * (MAX_STATE_BYTES - 5 - compact)
    result = machine.run(request)
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    assert machine.result_events(result.arn) == []

    machine.stack.deliver_status_change(result.arn)

    detail = _failed_event(machine, result.arn)
    assert detail["endedAs"] == "FAILED"
    assert detail["failure"]["state"] == "ValidateRequest"
    assert detail["failure"]["error"] == "States.DataLimitExceeded"
    assert detail["activation"] == "summer-sale-s3"


def test_a_failure_the_state_machine_reported_itself_is_not_reported_twice(
    machine: Machine,
) -> None:
    request = example("amazon-s3")
    del request["destination"]
    result = machine.run(request)
    assert result.status == "FAILED"
    assert len(machine.result_events(result.arn)) == 1

    (invocation,) = machine.stack.deliver_status_change(result.arn)

    assert invocation.result["reported"] is False
    assert len(machine.result_events(result.arn)) == 1


def test_the_cleanup_has_a_dead_letter_queue_and_an_alarm() -> None:
    template = parse_template_text((REPOSITORY / "template.yaml").read_text(encoding="utf-8"))
    resources = template["Resources"]
    # Not a lease function on the execution path: PublishResult, on the status-change rule.
    assert "ActivationLeaseFunction" not in resources
    function = resources["PublishResultFunction"]["Properties"]
    queue = {"Fn::GetAtt": ["ExecutionEndedCleanupDLQ", "Arn"]}
    on_failure = function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert (on_failure["Type"], on_failure["Destination"]) == ("SQS", queue)
    rule = function["Events"]["ExecutionEnded"]["Properties"]
    assert rule["DeadLetterConfig"]["Arn"] == queue
    assert set(rule["Pattern"]["detail"]["status"]) == {"ABORTED", "TIMED_OUT", "FAILED"}
    alarm = resources["ExecutionEndedCleanupDLQAlarm"]["Properties"]
    assert {
        "Name": "QueueName",
        "Value": {"Fn::GetAtt": ["ExecutionEndedCleanupDLQ", "QueueName"]},
    } in alarm["Dimensions"]
