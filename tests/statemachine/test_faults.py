"""Transient faults at every call the workflow makes are retried as the ASL
declares, and an applied write whose answer was lost creates nothing twice."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from local.emulator import Fault
from local.runtime import ExecutionResult
from tests.statemachine import asl
from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example
from tests.statemachine.paths import HAPPY_NEW, Step, assert_route

REQUEST = "amazon-s3"
BOTH_BASE_CONNECTIONS = frozenset(
    {"EnsureProfileBaseConnection", "EnsureDestinationBaseConnection"}
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    # The states that make this call on a fresh run (a warm handler has its token already).
    states: frozenset[str]
    cold: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


CALLS = [
    Call("GET", "/connectionSpecs/*", frozenset({"ResolveSpecs"})),
    Call("GET", "/flowSpecs", frozenset({"ResolveSpecs"})),
    Call("POST", "/connections", BOTH_BASE_CONNECTIONS),
    Call("POST", "/sourceConnections", frozenset({"EnsureSourceConnection"})),
    Call("POST", "/targetConnections", frozenset({"EnsureTargetConnection"})),
    Call("POST", "/flows", frozenset({"EnsureDataflow"})),
    Call("PATCH", "/flows/*", frozenset({"ActivateAudiences"})),
    # ActivateAudiences reads the flow afresh right before its PATCH; ValidateDataflow reads it back.
    Call("GET", "/flows/*", frozenset({"ActivateAudiences", "ValidateDataflow"})),
    # After a cold start the first step to talk to Adobe fetches the first token.
    Call("POST", "/ims/token/v3", frozenset({"ResolveSpecs"}), cold=True),
]
TRANSIENT = {429: "FlowServiceThrottled", 503: "FlowServiceUnavailable"}
FAULTS_PER_CALL = 2


def assert_retried_as_declared(result: ExecutionResult, call: Call, error: str) -> None:
    """Each failed attempt was retried once, after a sleep the state's Retry allows."""
    failed_states = set()
    total = 0
    for visit in result.visits:
        failures = [f.error for f in visit.failures]
        if not failures:
            continue
        assert set(failures) == {error}, (visit.name, failures)
        failed_states.add(visit.name)
        retrier = asl.retrier_for(visit.name, error)
        assert visit.attempts == len(failures) + 1 <= retrier.max_attempts + 1, visit
        sleeps = result.retry_sleeps(visit.name)
        assert len(sleeps) == len(failures), (visit.name, sleeps)
        for index, seconds in enumerate(sleeps):
            assert retrier.allows(index, seconds), (visit.name, index, seconds, retrier)
        total += len(failures)
    assert failed_states <= call.states, failed_states
    assert total == FAULTS_PER_CALL
    assert len(result.retry_sleeps()) == FAULTS_PER_CALL


@pytest.mark.parametrize("status", sorted(TRANSIENT))
@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_transient_fault_is_retried_with_the_declared_backoff(
    machine: Machine, call: Call, status: int
) -> None:
    if call.cold:
        machine.cold()
    request = example(REQUEST)
    machine.emulator.inject(
        Fault.status_code(status, method=call.method, path=call.path, times=FAULTS_PER_CALL)
    )

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.emulator.pending_faults() == []  # both faults were met
    assert len([c for c in machine.calls(call.method, call.path) if c.status == status]) == 2
    assert_route(result.states, HAPPY_NEW)
    assert_retried_as_declared(result, call, TRANSIENT[status])
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)


WRITES: list[tuple[Call, tuple[Step, ...]]] = [
    (CALLS[2], HAPPY_NEW),
    (CALLS[3], HAPPY_NEW),
    (CALLS[4], HAPPY_NEW),
    (CALLS[5], HAPPY_NEW),
    # The retried ActivateAudiences reads the flow afresh first: the lost PATCH is there,
    # nothing is left to send (no second PATCH, no 412).
    (CALLS[6], HAPPY_NEW),
]


@pytest.mark.parametrize(("call", "route"), WRITES, ids=[str(c) for c, _ in WRITES])
def test_a_write_applied_whose_answer_was_lost_is_not_made_twice(
    machine: Machine, call: Call, route: tuple[Step, ...]
) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.apply_then_reset(method=call.method, path=call.path))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.emulator.pending_faults() == []
    (lost,) = [c for c in machine.calls(call.method, call.path) if c.status is None]
    assert lost.fault is not None
    assert_route(result.states, route)
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)
    if call.method == "PATCH":  # the retry read the flow first and found the write applied
        assert len(machine.calls(call.method, call.path)) == 1
    assert result.output["dataflow"]["audiences"] == [a["id"] for a in request["audiences"]]
