"""Bursts of requests for a few activations, through each trigger, and what they left behind.

Used by the tests of this package and by ``python -m tests.concurrency.report`` (the figures
for ``make reliability``). The stack sleeps for real (:data:`SLEEP_SCALE`):
executions waiting for an activation's lease back off as the ASL says instead of spinning
through their bounded attempts in no time.

What a burst must show, per activation: exactly one of each resource, every requested
audience on the one dataflow exactly once, no execution failed, and no two executions inside
the critical section (from the step after the lease is taken to ValidateDataflow) at the
same time. Across activations, critical sections overlap: they do not wait on each other.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from aep_activation.naming import default_resource_names
from aep_activation.steps.result import LEASE_STATES
from local.emulator import Emulator, RecordedRequest
from local.runtime import ExecutionResult, LocalDeployment
from local.runtime.moto_fixes import DynamoDBAtomicWritesFix
from tests.statemachine.harness import daily_audience, example
from tests.support.flows import flow_audiences
from tests.support.stack import deployed_stack

# Real back-off sleeps, as long as on AWS: a waiting execution asks for the lease again at
# most every 30 s. Shorter sleeps would make a few hundred waiters drown the runs they wait for
# (the local runs are much faster than Adobe's, the polling is not).
SLEEP_SCALE = 1.0
SANDBOX = "prod"
# The critical section: what the lease guards, strictly inside the time it is held (the
# bursts apply: from the connections up, or to the dataflow a request names).
CRITICAL_FIRST, CRITICAL_LAST = {"ResolveSpecs", "ActivateAudiences"}, "ValidateDataflow"


@contextmanager
def racing_stack(emulator: Emulator) -> Iterator[LocalDeployment]:
    # moto's conditional writes are not atomic (AWS's are): see local.runtime.moto_fixes.
    atomic_writes = DynamoDBAtomicWritesFix()
    atomic_writes.install()
    try:
        with _racing_stack(emulator) as stack:
            yield stack
    finally:
        atomic_writes.uninstall()


@contextmanager
def _racing_stack(emulator: Emulator) -> Iterator[LocalDeployment]:
    with deployed_stack(emulator, skip_sleeps=False, sleep_scale=SLEEP_SCALE) as stack:
        yield stack


# ------------------------------------------------------------------------------ requests


def audience(activation: str, index: int) -> dict[str, Any]:
    return daily_audience(
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"{activation}/{index}")),
        f"{activation} audience {index}",
    )


def requests_for(activations: Sequence[str], per_activation: int) -> list[dict[str, Any]]:
    """``per_activation`` requests for each activation, each with its own audience,
    interleaved (a burst mixes activations as a real queue would)."""
    base = example("amazon-s3")
    requests = []
    for index in range(per_activation):
        for name in activations:
            request = json.loads(json.dumps(base))
            request["name"] = name
            request["audiences"] = [audience(name, index)]
            requests.append(request)
    return requests


# ------------------------------------------------------------------------------ triggers


def send_through_sqs(stack: LocalDeployment, requests: Sequence[dict[str, Any]]) -> list[str]:
    """Every request on the queue first, then Lambda's poller runs the starter on them."""
    url = stack.physical("AudienceRequestQueue")
    for start in range(0, len(requests), 10):
        chunk = requests[start : start + 10]
        stack.sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(request)}
                for i, request in enumerate(chunk)
            ],
        )
    return list(stack.drain_queue(max_batches=len(requests)).executions)


def send_through_eventbridge(
    stack: LocalDeployment, requests: Sequence[dict[str, Any]]
) -> list[str]:
    """Every request as an ActivationRequested event, then the rule starts the executions."""
    bus = stack.physical("AudienceRequestBus")
    for start in range(0, len(requests), 10):
        response = stack.events.put_events(
            Entries=[
                {
                    "EventBusName": bus,
                    "Source": "aep.activation",
                    "DetailType": "ActivationRequested",
                    "Detail": json.dumps(request),
                }
                for request in requests[start : start + 10]
            ]
        )
        assert not response.get("FailedEntryCount"), response["Entries"]
    return stack.deliver_events()


def start_from_console(stack: LocalDeployment, requests: Sequence[dict[str, Any]]) -> list[str]:
    """StartExecution for every request at once (one thread each), as people clicking."""
    arns: list[str] = [""] * len(requests)
    ready = threading.Barrier(len(requests))

    def start(index: int) -> None:
        ready.wait()
        arns[index] = stack.start_execution(requests[index])

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return arns


def _running_executions(stack: LocalDeployment, state_machine: str) -> set[str]:
    paginator = stack.stepfunctions.get_paginator("list_executions")
    return {
        e["executionArn"]
        for page in paginator.paginate(stateMachineArn=state_machine, statusFilter="RUNNING")
        for e in page["executions"]
    }


def wait_for_all(
    stack: LocalDeployment, arns: Sequence[str], timeout: float
) -> list[ExecutionResult]:
    pending = set(arns)
    deadline = time.monotonic() + timeout
    state_machine = stack.state_machine_arn()
    while pending:
        try:
            running = _running_executions(stack, state_machine)
        except ClientError as exc:
            # A page's token named an execution that ended meanwhile: list again next time.
            if exc.response["Error"]["Code"] != "InvalidToken":
                raise
            running = pending
        pending &= running
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} executions still running after {timeout}s")
        if pending:
            time.sleep(0.25)
    return [stack.wait(arn, timeout=10) for arn in arns]


# ------------------------------------------------------------------------------ outcome


@dataclass(frozen=True)
class Interval:
    activation: str
    execution: str
    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class ActivationOutcome:
    name: str
    executions: int
    failed: tuple[str, ...]
    resources: dict[str, int]
    audience_ids: tuple[str, ...]
    wanted_ids: tuple[str, ...]
    critical: tuple[Interval, ...]

    def most_at_once(self) -> int:
        return most_at_once(self.critical)

    def problems(self) -> list[str]:
        found = []
        if self.failed:
            found.append(f"{len(self.failed)} executions did not succeed: {self.failed[:3]}")
        extra = {kind: n for kind, n in self.resources.items() if n != 1}
        if extra:
            found.append(f"not one of each resource: {extra}")
        counts = Counter(self.audience_ids)
        twice = sorted(i for i, n in counts.items() if n > 1)
        missing = sorted(set(self.wanted_ids) - set(counts))
        if twice or missing:
            found.append(f"audiences twice: {twice}; missing: {missing}")
        if self.most_at_once() > 1:
            found.append(f"{self.most_at_once()} executions in the critical section at once")
        return [f"{self.name}: {problem}" for problem in found]


@dataclass(frozen=True)
class BurstOutcome:
    trigger: str
    requests: int
    wall_seconds: float
    activations: tuple[ActivationOutcome, ...]
    lease_waits: int
    other_retries: int
    etag_conflicts: int
    most_activations_at_once: int

    def problems(self) -> list[str]:
        found = [p for activation in self.activations for p in activation.problems()]
        executions = sum(a.executions for a in self.activations)
        if executions != self.requests:
            found.append(f"{self.requests} requests started {executions} executions")
        return found

    def figures(self) -> str:
        per = max(self.requests, 1)
        return (
            f"{self.trigger}: {self.requests} requests for {len(self.activations)} "
            f"activation(s) in {self.wall_seconds:.1f}s wall; "
            f"failed {sum(len(a.failed) for a in self.activations)}; "
            f"412s/request {self.etag_conflicts / per:.2f}; "
            f"retries/request {self.other_retries / per:.2f}; "
            f"lease waits/request {self.lease_waits / per:.2f}; "
            f"most activations in their critical section at once {self.most_activations_at_once}"
        )


def most_at_once(intervals: Sequence[Interval], key: str = "execution") -> int:
    """The largest number of intervals open at one instant (counting distinct ``key``s)."""
    edges = sorted(
        [(i.start, 1, getattr(i, key)) for i in intervals]
        + [(i.end, -1, getattr(i, key)) for i in intervals],
        key=lambda edge: (edge[0], edge[1]),  # an end before a start at the same instant
    )
    open_now: Counter[str] = Counter()
    best = 0
    for _, step, who in edges:
        open_now[who] += step
        if open_now[who] == 0:
            del open_now[who]
        best = max(best, len(open_now))
    return best


def critical_section(result: ExecutionResult, activation: str) -> Interval | None:
    start = end = None
    for event in result.events:
        details = event.get("stateEnteredEventDetails") or {}
        if details.get("name") in CRITICAL_FIRST and start is None:
            start = event["timestamp"]
        exited = event.get("stateExitedEventDetails") or {}
        if exited.get("name") == CRITICAL_LAST:
            end = event["timestamp"]
    if start is None or end is None:
        return None
    return Interval(activation, result.arn, start, end)


def resource_counts(emulator: Emulator, name: str) -> dict[str, int]:
    names = default_resource_names(name)

    def count(kind: str, resource_name: str) -> int:
        return sum(
            1
            for r in emulator.list_resources(kind, SANDBOX)  # type: ignore[arg-type]
            if r.get("name") == resource_name
        )

    return {
        "profileBaseConnection": count("connections", names.profile_base_connection.name),
        "sourceConnection": count("sourceConnections", names.source_connection.name),
        "destinationBaseConnection": count("connections", names.destination_base_connection.name),
        "targetConnection": count("targetConnections", names.target_connection.name),
        "dataflow": count("flows", names.dataflow.name),
    }


def outcome(
    trigger: str,
    emulator: Emulator,
    requests: Sequence[dict[str, Any]],
    results: Sequence[ExecutionResult],
    wall_seconds: float,
    calls: Sequence[RecordedRequest],
) -> BurstOutcome:
    """What the burst left behind; ``calls`` are the API requests the emulator answered
    during it."""
    activations = []
    by_name: dict[str, list[ExecutionResult]] = {}
    for result in results:
        by_name.setdefault(str(result.input["name"]), []).append(result)
    names = sorted({str(r["name"]) for r in requests})
    for name in names:
        mine = by_name.get(name, [])
        flows = [
            f
            for f in emulator.list_resources("flows", SANDBOX)
            if f.get("name") == default_resource_names(name).dataflow.name
        ]
        intervals = [critical_section(r, name) for r in mine]
        activations.append(
            ActivationOutcome(
                name=name,
                executions=len(mine),
                failed=tuple(f"{r.arn}: {r.status} {r.error}" for r in mine if not r.succeeded),
                resources=resource_counts(emulator, name),
                audience_ids=tuple(a["id"] for f in flows for a in flow_audiences(f)),
                wanted_ids=tuple(
                    a["id"] for r in requests if r["name"] == name for a in r["audiences"]
                ),
                critical=tuple(i for i in intervals if i is not None),
            )
        )
    visits = [visit for result in results for visit in result.visits]
    return BurstOutcome(
        trigger=trigger,
        requests=len(requests),
        wall_seconds=wall_seconds,
        activations=tuple(activations),
        lease_waits=sum(v.retries for v in visits if v.name in LEASE_STATES),
        other_retries=sum(v.retries for v in visits if v.name not in LEASE_STATES),
        etag_conflicts=etag_conflicts(calls),
        most_activations_at_once=most_at_once(
            [i for a in activations for i in a.critical], key="activation"
        ),
    )


def run_burst(
    trigger: str,
    stack: LocalDeployment,
    emulator: Emulator,
    requests: Sequence[dict[str, Any]],
    timeout: float,
) -> BurstOutcome:
    send = {
        "sqs": send_through_sqs,
        "eventbridge": send_through_eventbridge,
        "console": start_from_console,
    }[trigger]
    mark = len(emulator.requests)
    began = time.monotonic()
    arns = send(stack, requests)
    results = wait_for_all(stack, arns, timeout)
    wall_seconds = time.monotonic() - began
    return outcome(trigger, emulator, requests, results, wall_seconds, emulator.requests[mark:])


def etag_conflicts(calls: Sequence[RecordedRequest]) -> int:
    """The 412s Flow Service answered: every one, whichever step met it (ActivateAudiences'
    Retry on ``EtagMismatch`` shows in the history only as a failed attempt)."""
    return sum(1 for call in calls if call.status == 412)
