"""Requests for one activation never race; requests for different activations never wait.

Each burst starts every execution before any resource exists. Without the activation lease
each execution would look its resources up by name, find nothing and create them: duplicate
connections and dataflows (with handlers running concurrently, as on AWS).
"""

from __future__ import annotations

import pytest

from tests.concurrency.races import requests_for, run_burst
from tests.statemachine.harness import Machine

BURST = 20


@pytest.mark.slow
@pytest.mark.parametrize("trigger", ["sqs", "eventbridge"])
def test_a_burst_for_one_new_activation_makes_one_of_each_and_keeps_every_audience(
    machine: Machine, trigger: str
) -> None:
    requests = requests_for([f"burst-{trigger}"], BURST)

    burst = run_burst(trigger, machine.stack, machine.emulator, requests, timeout=240)

    print(burst.figures())
    assert burst.problems() == []
    (activation,) = burst.activations
    assert activation.executions == BURST
    assert len(activation.critical) == BURST  # every one ran the guarded steps, in turn
    assert machine.census() == {
        "prod": {
            "profileBaseConnections": 1,
            "destinationBaseConnections": 1,
            "sourceConnections": 1,
            "targetConnections": 1,
            "flows": 1,
        }
    }
    # The waiting was done by the lease, not by luck: executions asked again while one ran.
    assert burst.lease_waits > 0


def test_two_console_starts_of_the_same_request_at_once_duplicate_nothing(
    machine: Machine,
) -> None:
    (request,) = requests_for(["console-twice"], 1)

    burst = run_burst("console", machine.stack, machine.emulator, [request, request], timeout=120)

    print(burst.figures())
    assert burst.problems() == []
    (activation,) = burst.activations
    assert activation.executions == 2
    assert activation.resources == dict.fromkeys(activation.resources, 1)
    assert sorted(activation.audience_ids) == sorted(set(activation.wanted_ids))


# The full 200 requests (10 x 20) take minutes of CPU with the local runtime: they run in
# `make concurrency` (python -m tests.concurrency.report), through this same code; make test
# runs the same shape at 10 x 8.
ACTIVATIONS = 10
PER_ACTIVATION = 8


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_requests_for_10_activations_progress_in_parallel_without_duplicates(
    machine: Machine,
) -> None:
    names = [f"parallel-{index}" for index in range(ACTIVATIONS)]
    requests = requests_for(names, PER_ACTIVATION)

    # EventBridge starts every execution at once (the local SQS poller runs one starter batch
    # at a time, which spreads one activation's executions out).
    burst = run_burst("eventbridge", machine.stack, machine.emulator, requests, timeout=540)

    print(burst.figures())
    assert burst.problems() == []
    assert [a.executions for a in burst.activations] == [PER_ACTIVATION] * ACTIVATIONS
    # Activations do not wait on each other: several were inside their critical section at
    # the same instant, while within each activation there was never more than one.
    assert burst.most_activations_at_once >= 2
    assert max(a.most_at_once() for a in burst.activations) == 1
    assert burst.lease_waits > 0  # they did meet: the lease made them take turns
