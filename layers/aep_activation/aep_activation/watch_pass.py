"""What the two scheduled watches (export, drift) share: their AWS clients, one pass over the
registry's activations within the invocation's time budget, one client per sandbox, the events'
source, and their metrics as CloudWatch's embedded metric format (EMF).
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TextIO

import boto3
from aws_lambda_powertools import Logger

from aep_activation import budget
from aep_activation.errors import ActivationError, ConfigurationError
from aep_activation.flow_service import FlowServiceClient
from aep_activation.registry import ActivationRegistry, RegisteredActivation, registry_from_env

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

EVENT_SOURCE: Final = "aep.activation"
METRIC_NAMESPACE: Final = "AepActivation"
SERVICE: Final = "aep-activation"
STOP_WITH_SECONDS_LEFT: Final = 30.0
"""A pass starts no further activation with less than this left of its invocation."""
WORKERS: Final = 4
"""Activations read at once: a pass over hundreds stays well inside the function's time while
Adobe sees a handful of concurrent reads."""

PUT_EVENTS_BATCH: Final = 10  # EventBridge takes at most 10 entries per PutEvents

MetricSink = Callable[[dict[str, Any]], None]
Failed = Callable[[RegisteredActivation, Exception], None]

logger = Logger(service="aep-activation", child=True)


@functools.cache
def result_events() -> EventBridgeClient:
    """The client a watch publishes its events with, one per container."""
    return boto3.client("events")


@functools.cache
def watched_registry() -> ActivationRegistry:
    """The activation registry a watch reads, one per container."""
    return registry_from_env(boto3.client("dynamodb"))


def result_bus() -> str:
    return os.environ.get("RESULT_EVENT_BUS", "default")


def publish(
    events: EventBridgeClient,
    bus_name: str,
    entries: Sequence[tuple[str, dict[str, Any]]],
    what: str,
) -> None:
    """Put each (detail type, detail) on the result bus, :data:`PUT_EVENTS_BATCH` a call;
    ConfigurationError naming the bus and EventBridge's codes when any entry is refused."""
    for start in range(0, len(entries), PUT_EVENTS_BATCH):
        batch = entries[start : start + PUT_EVENTS_BATCH]
        answer = events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": kind,
                    "Detail": json.dumps(detail),
                    "EventBusName": bus_name,
                }
                for kind, detail in batch
            ]
        )
        if answer.get("FailedEntryCount"):
            codes = sorted({str(e.get("ErrorCode")) for e in answer.get("Entries") or []})
            raise ConfigurationError(
                f"EventBridge refused {answer['FailedEntryCount']} {what} on bus "
                f"{bus_name!r}: {', '.join(codes)}"
            )


def logged_reason(exc: Exception) -> str:
    """What a watch logs of one activation's error: our own errors carry no secrets by
    construction; anything else is named, not quoted."""
    return exc.message if isinstance(exc, ActivationError) else "unexpected error"


def each_within_budget(
    activations: list[RegisteredActivation],
    work: Callable[[RegisteredActivation], None],
    workers: int,
) -> int:
    """``work`` on each activation, ``workers`` at a time, each thread carrying the
    invocation's time budget; one reached with less than :data:`STOP_WITH_SECONDS_LEFT` left
    is not started. Returns how many wait for the next pass."""

    def within_budget(activation: RegisteredActivation) -> bool:
        left = budget.remaining()
        if left is not None and left < STOP_WITH_SECONDS_LEFT:
            return False
        work(activation)
        return True

    # Each task runs in a copy of this context: the invocation's time budget goes along.
    tasks = [(contextvars.copy_context(), activation) for activation in activations]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        done = list(pool.map(lambda task: task[0].run(within_budget, task[1]), tasks))
    return done.count(False)


def watch_each(
    watched: list[RegisteredActivation],
    flow_service_for: Callable[[str], FlowServiceClient],
    work: Callable[[RegisteredActivation, FlowServiceClient], None],
    failed: Failed,
    workers: int,
) -> int:
    """``work`` on each activation with its sandbox's client, within the budget
    (:func:`each_within_budget`); any error goes to ``failed`` and the pass goes on. Returns
    how many wait for the next pass."""
    clients = clients_by_sandbox(watched, flow_service_for, failed)

    def one(activation: RegisteredActivation) -> None:
        client = clients.get(activation.sandbox)
        if client is None:
            return  # its sandbox has no client: already reported
        try:
            work(activation, client)
        except Exception as exc:  # one activation's trouble never stops the pass
            failed(activation, exc)

    return each_within_budget(watched, one, workers)


def clients_by_sandbox(
    watched: list[RegisteredActivation],
    flow_service_for: Callable[[str], FlowServiceClient],
    failed: Failed,
) -> dict[str, FlowServiceClient]:
    """One client per sandbox, its token fetched once before the threads share it. A sandbox
    whose client cannot be made (credentials, IMS) is reported through ``failed`` for each of
    its activations."""
    clients: dict[str, FlowServiceClient] = {}
    for sandbox in sorted({a.sandbox for a in watched}):
        try:
            client = flow_service_for(sandbox)
            client.ensure_token()
            clients[sandbox] = client
        except Exception as exc:  # every activation of the sandbox
            for activation in watched:
                if activation.sandbox == sandbox:
                    failed(activation, exc)
    return clients


def print_metrics(record: dict[str, Any], stream: TextIO | None = None) -> None:
    """CloudWatch's embedded metric format: Lambda's log line becomes the metrics."""
    out = stream or sys.stdout
    out.write(json.dumps(record, separators=(",", ":")) + "\n")  # one write: threads share it
    out.flush()


def emf_record(
    now_ms: int,
    values: Mapping[str, int],
    dataflow: str | None = None,
    audience: str | None = None,
) -> dict[str, Any]:
    """One EMF record. The stack-wide series (``service`` alone) is what the alarms watch;
    ``dataflow`` (and ``audience``) say which."""
    dimensions: list[list[str]] = [["service"]]
    record: dict[str, Any] = {"service": SERVICE}
    if dataflow is not None:
        dimensions.append(["service", "dataflow"])
        record["dataflow"] = dataflow
    if audience is not None:
        dimensions = [["service", "dataflow", "audience"]]
        record["audience"] = audience
    record["_aws"] = {
        "Timestamp": now_ms,
        "CloudWatchMetrics": [
            {
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": dimensions,
                "Metrics": [{"Name": name, "Unit": "Count"} for name in values],
            }
        ],
    }
    record.update(values)
    return record


def emf_records(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The EMF records among log lines (what CloudWatch would turn into metrics)."""
    found = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "_aws" in value:
            found.append(value)
    return found


def scheduled_time_ms(event: Mapping[str, Any]) -> int | None:
    """The pass's time from the schedule's input (``scheduledTime``: EventBridge Scheduler's
    ``<aws.scheduler.scheduled-time>``, ISO 8601), or None when absent or unreadable."""
    raw = event.get("scheduledTime")
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@dataclass
class WatchReport:
    """What one pass did, returned by the handler (ids and counts only); each watch adds
    its own counts."""

    activations: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    left_for_next_pass: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "activations": self.activations,
            **self.counts(),
            "errors": list(self.errors),
            "leftForNextPass": self.left_for_next_pass,
        }

    def counts(self) -> dict[str, Any]:
        """The watch's own counts, between the activations and the errors."""
        return {}


@dataclass(kw_only=True)
class Watch:
    """A scheduled watch's collaborators, passed in (tests give the emulator's)."""

    registry: ActivationRegistry
    flow_service_for: Callable[[str], FlowServiceClient]
    events: EventBridgeClient
    bus_name: str
    emit_metrics: MetricSink = print_metrics
    clock: Callable[[], float] = time.time
    workers: int = WORKERS

    def watch_all(
        self,
        watched: list[RegisteredActivation],
        work: Callable[[RegisteredActivation, FlowServiceClient], None],
        failed: Failed,
        report: WatchReport,
        what: str,
    ) -> None:
        """``work`` on each activation (:func:`watch_each`), counted in ``report``; its
        errors sorted by activation."""
        report.activations = len(watched)
        report.left_for_next_pass = watch_each(
            watched, self.flow_service_for, work, failed, self.workers
        )
        if report.left_for_next_pass:
            logger.warning(
                f"{what} pass out of time; the rest waits for the next pass",
                extra={"left_for_next_pass": report.left_for_next_pass},
            )
        report.errors.sort(key=lambda error: error["activation"])
