"""Make sense of a Step Functions execution history: which states ran, with what, how often.

Events of Parallel branches interleave; each event names its predecessor
(``previousEventId``), so a Lambda event is traced back to the ``...StateEntered`` event of
its state. :class:`HistoryTracker` folds events one at a time (the CLI shows progress with
it) or all at once (:func:`build_result`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named: reading a history must not load moto (the CLI's --stack)
    from local.runtime.sleeps import RecordedSleep


def read_history(stepfunctions: Any, execution_arn: str) -> list[dict[str, Any]]:
    """An execution's whole history, every page, through a Step Functions client (AWS's or
    the local runtime's)."""
    paginator = stepfunctions.get_paginator("get_execution_history")
    return [
        dict(event)
        for page in paginator.paginate(executionArn=execution_arn)
        for event in page["events"]
    ]


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class Failure:
    error: str
    cause: str


@dataclass
class StateVisit:
    """One entry into a state (a state entered twice, as in a loop, has two visits)."""

    name: str
    type: str
    entered_event_id: int
    input: Any
    output: Any = None
    exited: bool = False
    attempts: int = 0
    failures: list[Failure] = field(default_factory=list)
    result: Any = None  # what the task's last successful attempt returned

    @property
    def failed(self) -> bool:
        """The last attempt failed (the state was left through a Catch, or not at all)."""
        return bool(self.failures) and len(self.failures) >= self.attempts

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)


class HistoryTracker:
    def __init__(self) -> None:
        self._visits: dict[int, StateVisit] = {}
        self._root_of: dict[int, int] = {}

    @property
    def visits(self) -> list[StateVisit]:
        return list(self._visits.values())

    def feed(self, event: Mapping[str, Any]) -> StateVisit | None:
        """Fold one event in; return the visit it concerns, if any."""
        event_id = int(event["id"])
        event_type = str(event["type"])
        if event_type.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            visit = StateVisit(
                name=details["name"],
                type=event_type.removesuffix("StateEntered"),
                entered_event_id=event_id,
                input=_json(details.get("input")),
            )
            self._visits[event_id] = visit
            self._root_of[event_id] = event_id
            return visit
        root = self._root_of.get(int(event.get("previousEventId") or 0))
        if root is not None:
            self._root_of[event_id] = root
        if event_type.endswith("StateExited"):
            return self._exit(event["stateExitedEventDetails"])
        owner = self._visits.get(root) if root is not None else None
        if owner is None:
            return None
        if event_type in ("LambdaFunctionScheduled", "TaskScheduled"):
            owner.attempts += 1
        elif event_type in ("LambdaFunctionSucceeded", "TaskSucceeded"):
            succeeded: Mapping[str, Any] = next(
                (v for k, v in event.items() if k.endswith("EventDetails")), {}
            )
            owner.result = _json(succeeded.get("output"))
        elif event_type.endswith(("Failed", "TimedOut")) and not event_type.startswith("Execution"):
            failure: Mapping[str, Any] = next(
                (v for k, v in event.items() if k.endswith("EventDetails")), {}
            )
            owner.failures.append(Failure(failure.get("error", ""), failure.get("cause", "")))
        return owner

    def _exit(self, details: Mapping[str, Any]) -> StateVisit | None:
        # The latest open visit of that name: states of one name never overlap outside Map.
        for visit in reversed(self._visits.values()):
            if visit.name == details["name"] and not visit.exited:
                visit.exited = True
                visit.output = _json(details.get("output"))
                return visit
        return None


@dataclass(frozen=True)
class ExecutionResult:
    arn: str
    name: str
    status: str
    input: Any
    output: Any
    error: str | None
    cause: str | None
    states: tuple[str, ...]
    visits: tuple[StateVisit, ...]
    events: tuple[dict[str, Any], ...]
    sleeps: tuple[RecordedSleep, ...]

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def retry_sleeps(self, state: str | None = None) -> list[float]:
        """Back-off intervals the Retry policies asked for, in order (of one state, or all)."""
        return [
            s.seconds
            for s in self.sleeps
            if s.kind == "retry" and (state is None or s.state == state)
        ]

    def visits_of(self, state: str) -> list[StateVisit]:
        return [visit for visit in self.visits if visit.name == state]

    def output_of(self, state: str) -> Any:
        """The output of the state's last completed visit (KeyError if it never completed)."""
        for visit in reversed(self.visits):
            if visit.name == state and visit.exited:
                return visit.output
        raise KeyError(f"state {state!r} never completed")


def build_result(
    description: Mapping[str, Any],
    events: Iterable[Mapping[str, Any]],
    sleeps: Iterable[RecordedSleep],
) -> ExecutionResult:
    tracker = HistoryTracker()
    kept = [dict(event) for event in events]
    for event in kept:
        tracker.feed(event)
    visits = tracker.visits
    arn = str(description["executionArn"])
    return ExecutionResult(
        arn=arn,
        name=str(description.get("name", arn.rsplit(":", 1)[-1])),
        status=str(description["status"]),
        input=_json(description.get("input")),
        output=_json(description.get("output")),
        error=description.get("error"),
        cause=description.get("cause"),
        states=tuple(visit.name for visit in visits),
        visits=tuple(visits),
        events=tuple(kept),
        sleeps=tuple(s for s in sleeps if s.execution_arn == arn),
    )
