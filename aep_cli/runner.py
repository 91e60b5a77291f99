"""Start an execution for a request and follow it through its history, as the local run does.

The progress lines and the closing summary are the local runtime's own
(:class:`local.runtime.report.Progress`, :class:`local.runtime.report.RunReport`): they read
an execution's history, wherever it ran.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.exceptions import ClientError

from aep_cli.inputs import RequestFile
from aep_cli.target import Target
from local.runtime.history import ExecutionResult, build_result, read_history
from local.runtime.report import Progress, RunReport, lambda_error

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
FIRST_POLL = 0.05  # seconds; doubling to MAX_POLL while an execution runs
MAX_POLL = 2.0


@dataclass(frozen=True)
class Outcome:
    """How one request ended: the execution's report, or why it never started."""

    file: RequestFile
    operation: str
    report: RunReport | None = None
    problem: str | None = None  # invalid input, or AWS refused to start it

    @property
    def status(self) -> str:
        if self.report is not None:
            return self.report.status
        return "INVALID" if not self.file.valid else "NOT_STARTED"

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.report.summary) if self.report is not None else {}

    def changes(self) -> list[str]:
        """What the execution changed (apply), would change (plan) or deleted (teardown)."""
        summary = self.summary
        plan = summary.get("plan")
        if isinstance(plan, dict):
            return [str(c) for c in plan.get("changes") or []]
        teardown = summary.get("teardown")
        if isinstance(teardown, dict):
            return [f"delete {d.get('kind')} {d.get('id')}" for d in teardown.get("deleted") or []]
        changes = summary.get("changes")
        if isinstance(changes, dict):
            return [str(c) for c in changes.get("changes") or []]
        return []

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any] = {
            "file": str(self.file.path),
            "activation": self.file.name or None,
            "sandbox": self.file.sandbox or None,
            "operation": self.operation,
            "status": self.status,
            "changes": self.changes(),
        }
        if self.report is None:
            return {**base, "error": self.problem}
        return {**self.report.to_json(), **base}


def execution_name(file: RequestFile, operation: str) -> str:
    """Readable in the console, unique per start (1-80 characters of ``[A-Za-z0-9_-]``)."""
    stem = _NAME_UNSAFE.sub("-", f"{operation}-{file.name}").strip("-")[:47]
    return f"{stem}-{uuid.uuid4().hex}"


def start(target: Target, file: RequestFile) -> str:
    if target.seed_destination_secret is not None:
        target.seed_destination_secret(file.request)
    answer = target.stepfunctions.start_execution(
        stateMachineArn=target.state_machine_arn,
        name=execution_name(file, str(file.request["operation"])),
        input=json.dumps(file.request),
    )
    return str(answer["executionArn"])


def history(target: Target, execution_arn: str) -> list[dict[str, Any]]:
    return read_history(target.stepfunctions, execution_arn)


def follow(
    target: Target, execution_arn: str, *, sleep: Callable[[float], None] = time.sleep
) -> Iterator[dict[str, Any]]:
    """The execution's history events as they come, until it ends; polls back off from
    50 ms to 2 s, so a long watch costs a few calls a minute."""
    seen = 0
    pause = FIRST_POLL
    while True:
        status = target.stepfunctions.describe_execution(executionArn=execution_arn)["status"]
        events = history(target, execution_arn)
        yield from events[seen:]
        if len(events) > seen:
            pause = FIRST_POLL
        seen = len(events)
        if status != "RUNNING":
            return
        sleep(pause)
        pause = min(MAX_POLL, pause * 2)


def run(target: Target, file: RequestFile, out: TextIO | None) -> Outcome:
    """Start the request's execution and follow it to its end; ``out`` gets the progress."""
    operation = str(file.request["operation"])
    try:
        arn = start(target, file)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return Outcome(file, operation, problem=f"{error.get('Code')}: {error.get('Message')}")
    progress = Progress(out) if out is not None else None
    events = []
    for event in follow(target, arn):
        events.append(event)
        if progress is not None:
            progress.feed(event)
    description = target.stepfunctions.describe_execution(executionArn=arn)
    result = build_result(description, events, [])
    summary = result_summary(result)
    report = RunReport(
        trigger="console",
        result=result,
        summary=summary,
        dataflow=summary.get("dataflow") if isinstance(summary.get("dataflow"), dict) else None,
        api_calls=None,
        status=result.status,
        error=result.error,
        cause=result.cause,
    )
    return Outcome(file, operation, report=report)


def result_summary(result: ExecutionResult) -> dict[str, Any]:
    """The summary PublishResult made: the execution's output when it succeeded, else what
    the failure's PublishResult returned (the same document as the result event)."""
    if result.succeeded and isinstance(result.output, dict):
        return dict(result.output)
    for visit in reversed(result.visits):
        if visit.name.startswith("Publish") and isinstance(visit.result, dict):
            return dict(visit.result)
    return {}


def failure_line(outcome: Outcome) -> str:
    """One line: why it failed."""
    if outcome.report is None:
        return outcome.problem or ""
    failure = outcome.summary.get("failure")
    if isinstance(failure, dict) and failure.get("message"):
        return f"{failure.get('error')} at {failure.get('state')}: {failure.get('message')}"
    report = outcome.report
    return f"{report.error}: {lambda_error(report.cause)}" if report.error else ""
