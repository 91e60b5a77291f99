"""A 412 (someone else edited the flow) is a Retry of ActivateAudiences, which re-reads the
flow on every attempt: fully jittered, bounded, one state transition per 412."""

from __future__ import annotations

import ast

from local.emulator import Fault
from tests.statemachine import asl
from tests.statemachine.harness import (
    ONE_OF_EACH,
    REPOSITORY,
    Machine,
    assert_flow_holds,
    example,
)
from tests.statemachine.paths import FAIL, FINISH, HAPPY_NEW, NEW_DATAFLOW, assert_route

REQUEST = "amazon-s3"


def etag_conflicts(result: object) -> list[str]:
    (visit,) = result.visits_of("ActivateAudiences")  # type: ignore[attr-defined]
    return [f.error for f in visit.failures if f.error == "EtagMismatch"]


def test_one_concurrent_edit_is_met_by_one_reread(machine: Machine) -> None:
    request = example(REQUEST)
    machine.emulator.inject(Fault.bump_etag(method="PATCH", path="/flows/*", times=1))
    calm = machine.run(request)
    machine.emulator.reset()
    machine.emulator.inject(Fault.bump_etag(method="PATCH", path="/flows/*", times=1))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    # The 412 costs no state of its own: the same route as a run without one.
    assert_route(result.states, HAPPY_NEW)
    assert len(result.states) == len(calm.states)
    (visit,) = result.visits_of("ActivateAudiences")
    assert visit.attempts == 2
    assert etag_conflicts(result) == ["EtagMismatch"]
    retrier = asl.retrier_for("ActivateAudiences", "EtagMismatch")
    assert retrier.jitter == "FULL"
    (asked,) = result.retry_sleeps("ActivateAudiences")
    assert retrier.allows(0, asked)
    assert [c.status for c in machine.calls("PATCH", "/flows/*")] == [412, 200]
    # The first PATCH goes on the create's etag; the second on a fresh read's; then the check.
    assert [c.method for c in machine.calls("*", "/flows/*")] == ["PATCH", "GET", "PATCH", "GET"]
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_flow_holds(machine.only_flow(), request)


def test_a_412_costs_exactly_one_state_transition(machine: Machine) -> None:
    """Step Functions bills a state entered and each retry of it: a 412 is one retry."""
    request = example(REQUEST)
    calm = machine.run(request)
    machine.emulator.reset()
    machine.emulator.inject(Fault.bump_etag(method="PATCH", path="/flows/*", times=3))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(etag_conflicts(result)) == 3
    assert transitions(result) - transitions(calm) == 3


def transitions(result: object) -> int:
    visits = result.visits  # type: ignore[attr-defined]
    return len(visits) + sum(v.retries for v in visits)


def test_a_flow_edited_under_every_patch_fails_after_the_declared_bound(machine: Machine) -> None:
    bound = asl.etag_conflict_bound()
    request = example(REQUEST)
    machine.emulator.inject(Fault.bump_etag(method="PATCH", path="/flows/*", times=None))

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "EtagConflictsExhausted"
    assert f"every one of {bound} attempts" in (result.cause or "")
    assert_route(result.states, (*NEW_DATAFLOW, *FINISH[:1], *FAIL))
    (visit,) = result.visits_of("ActivateAudiences")
    assert visit.attempts == bound
    assert [c.status for c in machine.calls("PATCH", "/flows/*")] == [412] * bound
    retrier = asl.retrier_for("ActivateAudiences", "EtagMismatch")
    asked = result.retry_sleeps("ActivateAudiences")
    assert len(asked) == bound - 1
    assert all(retrier.allows(i, s) for i, s in enumerate(asked)), asked
    assert len(set(asked)) > 1  # jittered, not a fixed pause
    assert machine.census() == {"prod": ONE_OF_EACH}
    (event,) = machine.result_events(result.arn)
    assert event["detail-type"] == "ActivationFailed"
    assert event["detail"]["failure"]["state"] == "ActivateAudiences"
    assert event["detail"]["failure"]["error"] == "EtagConflictsExhausted"


def test_the_lambda_names_the_exhaustion_on_the_retry_s_last_attempt() -> None:
    source = (REPOSITORY / "functions" / "activate_audiences" / "app.py").read_text()
    (declared,) = [
        node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.AnnAssign | ast.Assign)
        and "ETAG_CONFLICT_RETRIES" in ast.unparse(node).split("=")[0]
    ]
    retries = asl.retrier_for("ActivateAudiences", "EtagMismatch").max_attempts
    assert ast.literal_eval(declared) == retries
