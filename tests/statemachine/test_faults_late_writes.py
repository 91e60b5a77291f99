"""Late writes, Retry-After and an unreadable PATCH answer through the real state machine.

- A create whose answer was lost and which Adobe applied two seconds later leaves no
  duplicate, at each of the four POSTs, and the run still succeeds.
- An empty 200 to the PATCH is not taken for an applied patch: the step re-reads the flow and
  patches again, and the run succeeds.
- A 429 with Retry-After is waited out inside the step, within its budget.
"""

from __future__ import annotations

import time

import pytest

from local.emulator import Fault
from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example

REQUEST = "amazon-s3"
LATE = 2.0
POSTS = ["/connections", "/sourceConnections", "/targetConnections", "/flows"]


@pytest.mark.parametrize("path", POSTS)
def test_a_create_applied_late_after_the_client_gave_up_is_not_made_twice(
    machine: Machine, path: str
) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.apply_late(LATE, method="POST", path=path))

    result = machine.run(request)
    time.sleep(LATE + 0.5)  # anything still due has landed by now

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.emulator.pending_faults() == []
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)


def test_an_empty_200_to_the_patch_is_re_read_and_patched_again(machine: Machine) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.status_code(200, method="PATCH", path="/flows/*", body=""))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    patches = machine.calls("PATCH", "/flows/*")
    assert [c.status for c in patches] == [200, 200]
    assert [c.fault is not None for c in patches] == [True, False]
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)


def test_adobes_retry_after_is_waited_out_inside_the_step(machine: Machine) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.status_code(429, method="POST", path="/flows", retry_after=1))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [c.status for c in machine.calls("POST", "/flows")] == [429, 201]
    assert result.retry_sleeps() == []  # waited as Adobe asked, not by the state's Retry
    assert machine.census() == {"prod": ONE_OF_EACH}
