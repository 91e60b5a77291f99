"""An execution that ended outside the state machine's failure path is reported once, with the
last state it entered and the error and cause its ending recorded."""

from __future__ import annotations

import json
from typing import Any

from aep_activation.steps.execution_ended import read_ending, report_ended_execution

ARN = "arn:aws:states:us-east-1:123456789012:execution:ActivationStateMachine-x:run"
REQUEST = {
    "name": "summer-sale",
    "sandbox": "prod",
    "destination": {"type": "Amazon S3", "auth": {"secretId": "aep/destinations/s3"}},
}


def _entered(event_id: int, name: str) -> dict[str, Any]:
    return {"id": event_id, "stateEnteredEventDetails": {"name": name}}


def _report(status: str, history: list[dict[str, Any]], **detail: Any) -> Any:
    published: list[dict[str, Any]] = []
    summary = report_ended_execution(
        {"executionArn": ARN, "status": status, "input": json.dumps(REQUEST), **detail},
        history=lambda execution: history,
        publish=published.append,
    )
    assert published == ([] if summary is None else [summary])
    return summary


def test_a_stop_is_reported_with_the_error_and_cause_the_history_recorded() -> None:
    history = [
        _entered(2, "ValidateRequest"),
        _entered(9, "EnsureDataflow"),
        {"id": 12, "executionAbortedEventDetails": {"error": "Operator", "cause": "by hand"}},
    ]

    summary = _report("ABORTED", history)

    assert summary["endedAs"] == "ABORTED"
    assert summary["failure"]["state"] == "EnsureDataflow"
    assert (summary["failure"]["error"], summary["failure"]["message"]) == ("Operator", "by hand")
    assert (summary["activation"], summary["sandbox"], summary["status"]) == (
        "summer-sale",
        "prod",
        "FAILED",
    )
    assert "aep/destinations/s3" not in json.dumps(summary)  # named fields only travel on


def test_a_timeout_without_a_recorded_cause_says_what_happened() -> None:
    summary = _report("TIMED_OUT", [_entered(5, "WaitForRuns"), _entered(3, "CheckRuns")])

    assert summary["failure"]["state"] == "WaitForRuns"
    assert summary["failure"]["error"] == "States.Timeout"
    assert "TimeoutSeconds" in summary["failure"]["message"]


def test_a_failure_that_went_through_the_state_machines_own_report_is_left_alone() -> None:
    history = [_entered(3, "PublishFailure"), _entered(4, "ActivationFailed")]

    assert _report("FAILED", history, error="InvalidActivationRequest") is None


def test_events_that_are_no_such_ending_are_ignored() -> None:
    assert _report("SUCCEEDED", [_entered(1, "PublishSuccess")]) is None
    assert read_ending([]) == (None, None, None)
