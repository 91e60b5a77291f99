"""Executions at once, as on AWS: handlers overlap, and concurrent adds each land exactly once.

The local runtime runs each function in its own container processes, so a Parallel state's
branches and separate executions really overlap in time (proved below from the handlers'
own start and end times), as separate Lambdas do.

Each execution PATCHes with ``If-Match`` on the etag it read; all but one of a concurrent
round get a 412, re-read the flow and recompute their patch. Nothing is lost and nothing is
added twice, within the ASL's bound on etag conflicts.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from local.emulator import Fault
from local.runtime import ExecutionResult, Invocation
from tests.statemachine.harness import Machine, daily_audience, example, with_dataflow
from tests.support.flows import flow_audiences

CONCURRENT = 25


def audience(index: int) -> dict[str, Any]:
    return daily_audience(str(uuid.UUID(int=index + 1)), f"Concurrent audience {index}")


def overlap(first: Invocation, second: Invocation) -> float:
    """Seconds during which both handler calls were running (0 if they never were)."""
    return max(0.0, min(first.ended, second.ended) - max(first.started, second.started))


def test_parallel_branches_and_separate_executions_overlap_in_time(machine: Machine) -> None:
    # Every answer about base connections (look-up, find, create) takes a while, as Adobe's
    # do: long enough to see overlap whichever of them a branch makes.
    machine.emulator.inject(Fault.latency(0.4, method="*", path="/connections", times=None))
    requests = []
    for index in range(2):
        request = example("amazon-s3")
        request["name"] = f"overlap-{index}"
        requests.append(request)
    arns = [machine.start(request, name=request["name"]) for request in requests]
    results = [machine.wait(arn) for arn in arns]
    assert [r.status for r in results] == ["SUCCEEDED", "SUCCEEDED"], [r.error for r in results]

    calls = {
        arn: [i for i in machine.stack.invocations if i.event.get("execution") == arn]
        for arn in arns
    }
    for arn in arns:
        (profile,) = [i for i in calls[arn] if i.function == "EnsureProfileBaseConnectionFunction"]
        (destination,) = [
            i for i in calls[arn] if i.function == "EnsureDestinationBaseConnectionFunction"
        ]
        assert overlap(profile, destination) > 0.2, "the Parallel branches ran one after another"
    across = max(overlap(a, b) for a in calls[arns[0]] for b in calls[arns[1]])
    assert across > 0.2, "the two executions' handlers never ran at the same time"


def add_one_audience_each(
    machine: Machine, base: dict[str, Any], count: int, prefix: str
) -> tuple[list[str], list[ExecutionResult]]:
    """Make the base request's dataflow, then start ``count`` executions at once, each adding
    one more audience to it under its own activation name; their ARNs and results."""
    assert machine.run(base).status == "SUCCEEDED"
    flow_id = machine.only_flow()["id"]
    arns = []
    for index in range(count):
        request = with_dataflow(base, flow_id)
        request["name"] = f"{prefix}-{index}"
        request["audiences"] = [audience(index)]
        arns.append(machine.start(request, name=f"{prefix}-{index}"))
    return arns, [machine.wait(arn) for arn in arns]


def assert_each_audience_once(machine: Machine, base: dict[str, Any], count: int) -> None:
    ids = [a["id"] for a in flow_audiences(machine.only_flow())]
    expected = {a["id"] for a in base["audiences"]} | {audience(i)["id"] for i in range(count)}
    assert sorted(ids) == sorted(expected)  # each exactly once, none lost


@pytest.mark.slow
def test_25_executions_adding_audiences_to_one_dataflow_land_each_exactly_once(
    machine: Machine,
) -> None:
    base = example("amazon-s3")

    _, results = add_one_audience_each(machine, base, CONCURRENT, "concurrent")

    assert [r.status for r in results] == ["SUCCEEDED"] * CONCURRENT, [r.error for r in results]
    assert_each_audience_once(machine, base, CONCURRENT)
    conflicts = sum(
        len(
            [
                f
                for v in r.visits_of("ActivateAudiences")
                for f in v.failures
                if f.error == "EtagMismatch"
            ]
        )
        for r in results
    )
    patches = [c for c in machine.calls("PATCH", "/flows/*") if c.status in (200, 202)]
    assert len(patches) == 1 + CONCURRENT  # one successful PATCH per execution
    print(f"{CONCURRENT} concurrent executions: {conflicts} etag conflicts resolved by re-reading")
