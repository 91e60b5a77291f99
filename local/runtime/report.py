"""What the CLI shows: progress state by state, then a summary (text or one JSON object)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from local.runtime.history import ExecutionResult, HistoryTracker, StateVisit

_ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9A-Za-z-]{16,}$")
_RESOURCE_LABELS = {
    "profileBaseConnectionId": "Profile base connection",
    "sourceConnectionId": "Source connection",
    "destinationBaseConnectionId": "Destination base connection",
    "targetConnectionId": "Target connection",
}


@dataclass(frozen=True)
class ApiCalls:
    total: int
    flow_service: int
    ims: int
    by_endpoint: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "flowService": self.flow_service,
            "ims": self.ims,
            "byEndpoint": dict(self.by_endpoint),
        }


def endpoint_of(method: str, path: str) -> str:
    """``GET /flows/{id}``: ids folded so that calls to one endpoint count together."""
    segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in path.split("?")[0].split("/")]
    return f"{method} {'/'.join(segments)}"


def lambda_error(cause: str | None) -> str:
    """The errorMessage inside a Lambda error's Cause (JSON), else the cause itself."""
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return message if isinstance(message, str) else cause


def summarize_result(result: Any, limit: int = 5) -> str:
    """A few ids and counts out of a task's result, for a one-line progress report."""
    if not isinstance(result, Mapping):
        return ""
    parts = []
    for key, value in result.items():
        if isinstance(value, str) and (key.lower().endswith("id") or key == "etag"):
            parts.append(f"{key}={value}")
        elif isinstance(value, bool):
            parts.append(f"{key}={str(value).lower()}")
        elif isinstance(value, list) and value:
            parts.append(f"{key}: {len(value)}")
    return ", ".join(parts[:limit])


class Progress:
    """Prints each state as the execution leaves it (and each failed attempt)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tracker = HistoryTracker()

    def feed(self, event: Mapping[str, Any]) -> None:
        visit = self._tracker.feed(event)
        if visit is None:
            return
        event_type = str(event["type"])
        if event_type in ("LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskFailed"):
            failure = visit.failures[-1]
            self._line("..", visit.name, f"attempt {visit.attempts} failed: {failure.error}")
        elif event_type.endswith("StateExited"):
            self._exited(visit, task=event_type == "TaskStateExited")
        elif event_type == "FailStateEntered":  # a Fail state is never exited
            self._line("fail", visit.name, "")

    def _exited(self, visit: StateVisit, *, task: bool = False) -> None:
        if visit.failed:
            failure = visit.failures[-1]
            self._line("fail", visit.name, f"{failure.error}: {lambda_error(failure.cause)}")
            return
        # A step that answers null had nothing to do (EnsureMappingSet on a legacy card).
        details = (
            "nothing to do" if task and visit.result is None else summarize_result(visit.result)
        )
        if visit.retries:
            details = f"{details} ({visit.retries} retries)".strip()
        self._line("ok", visit.name, details)

    def _line(self, mark: str, name: str, details: str) -> None:
        print(f"  [{mark:>4}] {name:<36} {details}".rstrip(), file=self._out, flush=True)


@dataclass(frozen=True)
class RunReport:
    trigger: str
    result: ExecutionResult | None
    summary: Mapping[str, Any]
    dataflow: Mapping[str, Any] | None
    api_calls: ApiCalls | None
    status: str
    error: str | None
    cause: str | None

    def to_json(self) -> dict[str, Any]:
        result = self.result
        return {
            "status": self.status,
            "error": self.error,
            "cause": self.cause,
            "states": list(result.states) if result else [],
            "dataflow": dict(self.dataflow) if self.dataflow else None,
            "apiCalls": self.api_calls.total if self.api_calls else None,
            "apiCallsDetail": self.api_calls.to_json() if self.api_calls else None,
            "execution": result.arn if result else None,
            "trigger": self.trigger,
            "resources": dict(self.summary.get("resources") or {}),
            "retries": _retries(result) if result else {},
            "operation": self.summary.get("operation"),
            # What the lifecycle operations report, as the result event has it.
            **{key: self.summary[key] for key in _LIFECYCLE_PARTS if key in self.summary},
        }

    def print_text(self, out: TextIO) -> None:
        result = self.result
        where = f" in {len(result.states)} states" if result else ""
        print(f"\n{self.status}{where}", file=out)
        if result:
            print(f"  {'Execution':<30} {result.arn}", file=out)
        if self.error:
            print(f"  {'Error':<30} {self.error}: {lambda_error(self.cause)}", file=out)
        resources = self.summary.get("resources") or {}
        for key, label in _RESOURCE_LABELS.items():
            if resources.get(key):
                print(f"  {label:<30} {resources[key]}", file=out)
        if self.dataflow:
            print(
                f"  {'Dataflow':<30} {self.dataflow['id']} (etag {self.dataflow['etag']})", file=out
            )
            audiences = list(self.dataflow.get("audiences") or [])
            print(f"  {'Audiences active':<30} {len(audiences)}: {', '.join(audiences)}", file=out)
            attributes = list(self.dataflow.get("attributes") or [])
            print(
                f"  {'Profile attributes':<30} {len(attributes)}: {', '.join(attributes)}", file=out
            )
            columns = list(
                self.dataflow.get("columns")
                or (self.summary.get("dataflow") or {}).get("columns")
                or []
            )
            if columns:  # new cards: what each attribute and the identity are exported as
                print(f"  {'Exported columns':<30} {', '.join(columns)}", file=out)
        for line in _lifecycle_lines(self.summary):
            print(f"  {line}", file=out)
        retries = _retries(result) if result else {}
        if retries:
            text = ", ".join(f"{name} x{count}" for name, count in retries.items())
            print(f"  {'Retries':<30} {text}", file=out)
        if self.api_calls:
            calls = self.api_calls
            print(
                f"  {'API calls':<30} {calls.total} "
                f"(Flow Service {calls.flow_service}, IMS {calls.ims})",
                file=out,
            )


_LIFECYCLE_PARTS = ("plan", "changes", "teardown", "firstRun")


def _lifecycle_lines(summary: Mapping[str, Any]) -> list[str]:
    plan = summary.get("plan")
    if isinstance(plan, dict):
        head = f"{'Plan':<30} {plan.get('summary')}"
        return [head, *(f"{'':<30} - {change}" for change in plan.get("changes") or [])]
    teardown = summary.get("teardown")
    if isinstance(teardown, dict):
        return [
            f"{'Teardown':<30} deleted {len(teardown.get('deleted') or [])}, already gone "
            f"{len(teardown.get('alreadyGone') or [])}, kept {len(teardown.get('kept') or [])}",
            *(f"{'':<30} - deleted {d['kind']} {d['id']}" for d in teardown.get("deleted") or []),
            *(f"{'':<30} - kept {k['id']}: {k['reason']}" for k in teardown.get("kept") or []),
        ]
    lines = []
    changes = summary.get("changes")
    if isinstance(changes, dict) and changes.get("changes"):
        lines += [
            f"{'Changes':<30} {len(changes['changes'])}",
            *(f"{'':<30} - {change}" for change in changes["changes"]),
        ]
    first_run = summary.get("firstRun")
    if isinstance(first_run, dict):
        errors = ", ".join(str(e.get("code")) for e in first_run.get("errors") or [])
        lines.append(
            f"{'First run':<30} {first_run.get('status')} after {first_run.get('polls')} poll(s)"
            f"; records {first_run.get('records')}, files {first_run.get('files')}"
            + (f"; errors {errors}" if errors else "")
        )
    return lines


def _retries(result: ExecutionResult) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for visit in result.visits:
        counts[visit.name] += visit.retries
    return {name: count for name, count in counts.items() if count}
