"""A 412 (someone else edited the flow) is handled by re-reading, boundedly."""

from __future__ import annotations

from local.emulator import Fault
from tests.statemachine import asl
from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example
from tests.statemachine.paths import (
    ETAG_CONFLICT,
    FAIL,
    NEW_DATAFLOW,
    ONE_ETAG_CONFLICT,
    assert_route,
)

REQUEST = "amazon-s3"


def test_one_concurrent_edit_is_met_by_one_reread(machine: Machine) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.bump_etag(method="PATCH", path="/flows/*", times=1))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, ONE_ETAG_CONFLICT)
    assert len(result.visits_of("CountEtagConflict")) == 1
    assert [c.status for c in machine.calls("PATCH", "/flows/*")] == [412, 200]
    # The first PATCH goes on the create's etag; the second on a fresh read's; then the check.
    assert [c.method for c in machine.calls("*", "/flows/*")] == ["PATCH", "GET", "PATCH", "GET"]
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)


def test_a_flow_edited_under_every_patch_fails_after_the_declared_bound(machine: Machine) -> None:
    bound = asl.etag_conflict_bound()
    request = example(REQUEST)
    machine.emulator.inject(Fault.bump_etag(method="PATCH", path="/flows/*", times=None))

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "EtagConflictsExhausted"
    conflicts = ("ActivateAudiences", *ETAG_CONFLICT) * (bound - 1)
    assert_route(
        result.states,
        (
            *NEW_DATAFLOW,
            *conflicts,
            "ActivateAudiences",
            "CountEtagConflict",
            "TooManyEtagConflicts",
            "EtagConflictsExhausted",
            *FAIL,
        ),
    )
    assert len(result.visits_of("ActivateAudiences")) == bound
    assert len(result.visits_of("CountEtagConflict")) == bound
    assert [c.status for c in machine.calls("PATCH", "/flows/*")] == [412] * bound
    assert result.retry_sleeps() == []  # handled by transition, never by Retry
    assert machine.census() == {"prod": ONE_OF_EACH}
    (event,) = machine.result_events(result.arn)
    assert event["detail-type"] == "ActivationFailed"
    assert event["detail"]["failure"]["state"] == "ActivateAudiences"
    assert event["detail"]["failure"]["error"] == "EtagConflictsExhausted"
