"""Every ending reported: an execution that ended outside the state machine's own failure
path still produces an ``ActivationFailed`` result event.

A run that fails inside a Catch goes through PublishFailure and ends in the ``ActivationFailed``
Fail state. Three endings never get there: a run stopped (``ABORTED``, StopExecution), one that
outlived the state machine's ``TimeoutSeconds`` (``TIMED_OUT``), and one failed by an error no
Catch may take (``States.DataLimitExceeded``, ``States.Runtime``). Step Functions' "Execution
Status Change" event reaches PublishResult for those; besides giving the lease back, it
reads the execution's history for the last state entered and publishes the failure: that
state, the error and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aep_activation.documents import json_object
from aep_activation.observability import logger
from aep_activation.steps.lease import ENDED_WITHOUT_RELEASE
from aep_activation.steps.result import summarize

REPORTED_BY_THE_STATE_MACHINE = "ActivationFailed"
"""The Fail state the state machine's own failure path ends in, after publishing."""

_REASONS = {
    "TIMED_OUT": (
        "States.Timeout",
        "the execution ran longer than the state machine's TimeoutSeconds",
    ),
    "ABORTED": ("ExecutionAborted", "the execution was stopped (StopExecution)"),
}


_ENDINGS = (
    "executionFailedEventDetails",
    "executionAbortedEventDetails",
    "executionTimedOutEventDetails",
)


def read_ending(history: Iterable[Mapping[str, Any]]) -> tuple[str | None, str | None, str | None]:
    """From the execution's history: the last state it entered (the highest event id), and the
    error and cause its ending event recorded (StopExecution's, a timeout's, a failure's)."""
    last: tuple[int, str] | None = None
    error = cause = None
    for event in history:
        event_id = int(event.get("id") or 0)
        details = event.get("stateEnteredEventDetails")
        name = details.get("name") if isinstance(details, Mapping) else None
        if isinstance(name, str) and (last is None or event_id > last[0]):
            last = (event_id, name)
        for key in _ENDINGS:
            ending = event.get(key)
            if isinstance(ending, Mapping):
                error, cause = _text(ending.get("error")), _text(ending.get("cause"))
    return (None if last is None else last[1]), error, cause


def report_ended_execution(
    detail: Mapping[str, Any],
    *,
    history: Callable[[str], Iterable[Mapping[str, Any]]],
    publish: Callable[[dict[str, Any]], None],
) -> dict[str, Any] | None:
    """Publish ``ActivationFailed`` for an execution that ended without reporting it; None
    when there is nothing to report (it reported itself, or the event is not such an end).
    ``history`` yields the execution's history events; ``detail`` carries its input."""
    execution = detail.get("executionArn")
    status = detail.get("status")
    if not isinstance(execution, str) or status not in ENDED_WITHOUT_RELEASE:
        return None
    state, recorded_error, recorded_cause = read_ending(history(execution))
    if status == "FAILED" and state == REPORTED_BY_THE_STATE_MACHINE:
        return None  # failed through PublishFailure: its event is out already
    default_error, default_cause = _REASONS.get(str(status), ("States.Runtime", ""))
    error = _text(detail.get("error")) or recorded_error or default_error
    cause = _text(detail.get("cause")) or recorded_cause or default_cause
    summary = summarize(
        "FAILED",
        execution,
        {
            # summarize picks a few named fields of the request; nothing else of it travels on.
            "request": json_object(detail.get("input")),
            "failure": {"state": state, "error": error, "cause": cause},
        },
    )
    summary["endedAs"] = status
    publish(summary)
    logger.info(
        "ending reported",
        extra={"execution": execution, "status": status, "state": state, "error": error},
    )
    return summary


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
