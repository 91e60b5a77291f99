"""The activation lease in the state machine: taken after ValidateRequest, given back on every
way out, waited for (bounded) when another execution holds it. Races themselves are in
tests/concurrency."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aep_activation.budget import LEASE_STEP_MARGIN_SECONDS
from aep_activation.limits import MAX_FIRST_RUN_WAIT_MINUTES
from aep_activation.steps.lease import LEASE_WAIT_SECONDS
from aep_activation.steps.result import LEASE_STATES
from local.emulator import Fault
from local.runtime import LocalDeployment
from local.runtime.template import parse_template_text
from tests.statemachine.asl import definition, retrier_for, states
from tests.statemachine.harness import (
    ONE_OF_EACH,
    REPOSITORY,
    Machine,
    example,
    lease_items,
    with_dataflow,
)
from tests.statemachine.paths import APPLY, CHOSEN, FAIL, NEW_DATAFLOW, assert_route, failed_at
from tests.steps.test_run_watch_waits import looks as watch_looks

ACQUIRE = "AcquireLeaseForApply"
# Each leased operation's own acquire state, and the step it goes straight on to.
FIRST_LEASED_STEP = {
    "AcquireLeaseForApply": "ResolveSpecs",
    "AcquireLeaseForNamedDataflow": "ActivateAudiences",
    "AcquireLeaseForTeardown": "TeardownActivation",
}
HELD = "DynamoDB.ConditionalCheckFailedException"
RELEASES = {
    "ReleaseActivationLease",
    "ReleaseActivationLeaseAfterFailure",
    "ReleaseActivationLeaseBeforeRunWatch",
}
PUBLISHERS = {"PublishSuccess", "PublishFailure"}
OTHER = "arn:aws:states:us-east-1:123456789012:execution:local-activation:someone-else"


def _next_states(state: dict[str, Any]) -> list[str]:
    found = [state["Next"]] if "Next" in state else []
    found += [c["Next"] for c in state.get("Catch", [])]
    found += [c["Next"] for c in state.get("Choices", [])]
    found += [state["Default"]] if "Default" in state else []
    return found


def test_the_lease_is_taken_by_one_write_per_leased_operation() -> None:
    top = definition()["States"]
    writes = {name for name, state in top.items() if state.get("Resource", "").endswith(":putItem")}
    assert writes == set(FIRST_LEASED_STEP) == LEASE_STATES
    reference = _without_names(ACQUIRE, top[ACQUIRE])
    for name, first_step in FIRST_LEASED_STEP.items():
        assert top[name]["Next"] == first_step
        # The same item, condition, waits and Catch: only the name differs.
        assert _without_names(name, top[name]) == reference, name
    choose = top["ChooseOperation"]
    assert top["ValidateRequest"]["Next"] == "ChooseOperation"
    assert {c["Next"] for c in choose["Choices"]} | {choose["Default"]} == {
        "PlanActivation",
        *FIRST_LEASED_STEP,
    }


def _without_names(name: str, state: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in state.items() if k not in ("Next", "Comment")}
    catches = [{**c, "ResultPath": c["ResultPath"].replace(name, "*")} for c in kept["Catch"]]
    return {**kept, "Catch": catches}


def test_every_way_from_taking_the_lease_to_a_result_gives_it_back() -> None:
    top = definition()["States"]
    unreleased = []
    stack: list[tuple[str, tuple[str, ...]]] = []
    for acquire in FIRST_LEASED_STEP:
        # Every way on from the acquire, except its Catch of the lease held elsewhere: the
        # conditional write failed on every attempt, so this run holds nothing to give back.
        (held,) = [c for c in top[acquire]["Catch"] if c["ErrorEquals"] == [HELD]]
        assert top[acquire]["Catch"][-1]["ErrorEquals"] == ["States.ALL"]
        stack += [
            (following, (acquire,))
            for following in _next_states(top[acquire])
            if following != held["Next"]
        ]
    seen = set()
    while stack:
        name, path = stack.pop()
        if name in RELEASES or (name, len(path) > 0) in seen:
            continue
        seen.add((name, len(path) > 0))
        if name in PUBLISHERS:
            unreleased.append((*path, name))
            continue
        stack.extend((following, (*path, name)) for following in _next_states(top[name]))
    assert unreleased == []


def test_only_runs_holding_no_lease_skip_the_release() -> None:
    top = definition()["States"]
    straight_to_publish = sorted(
        name for name, state in top.items() if "PublishFailure" in _next_states(state)
    )
    # Refused by validation, a plan (it takes no lease), the run watch (it gave it back), a
    # lease held elsewhere (never taken: the publisher reads who holds it).
    assert straight_to_publish == [
        "AcquireLeaseForApply",
        "AcquireLeaseForNamedDataflow",
        "AcquireLeaseForTeardown",
        "CheckRuns",
        "PlanActivation",
        "ReleaseActivationLeaseAfterFailure",
        "RequestRefused",
    ]


def _reachable(start: str, stop: set[str]) -> set[str]:
    top = definition()["States"]
    seen: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen or name in stop:
            continue
        seen.add(name)
        stack.extend(_next_states(top[name]))
    return seen


def test_a_plan_takes_no_lease() -> None:
    top = definition()["States"]
    plan = top["ChooseOperation"]["Choices"][0]
    assert plan == {
        "Variable": "$.request.operation",
        "StringEquals": "plan",
        "Next": "PlanActivation",
    }
    assert not _reachable("PlanActivation", set()) & set(FIRST_LEASED_STEP)


def test_the_run_watch_is_reached_only_after_the_lease_was_given_back() -> None:
    for acquire in FIRST_LEASED_STEP:
        assert "CheckRuns" not in _reachable(acquire, RELEASES)
        assert "PublishSuccess" not in _reachable(acquire, RELEASES)
    assert "CheckRuns" in _reachable(ACQUIRE, set())
    assert "CheckRuns" in _reachable("AcquireLeaseForNamedDataflow", set())


def _leased_tasks() -> set[str]:
    """Every Task an execution may run while it holds the lease (Parallel branches too)."""
    top = definition()["States"]
    tasks = set()
    for acquire in FIRST_LEASED_STEP:
        # The held Catch leads away from a lease never taken.
        (held,) = [c["Next"] for c in top[acquire]["Catch"] if c["ErrorEquals"] == [HELD]]
        for name in _reachable(acquire, RELEASES | {held}) - {acquire}:
            state = top[name]
            if state["Type"] == "Task":
                tasks.add(name)
            for branch in state.get("Branches", []):
                tasks |= {n for n, s in branch["States"].items() if s["Type"] == "Task"}
    return tasks


def test_every_leased_step_is_handed_the_lease_expiry_and_stops_before_it() -> None:
    every = states()
    leased = _leased_tasks()
    assert {"ResolveSpecs", "EnsureSourceConnection", "ActivateAudiences", "ExportNow"} <= leased
    assert "TeardownActivation" in leased
    assert "CheckRuns" not in leased
    for name in leased:
        assert "leaseExpiresAt.$" in every[name]["Parameters"], name
        # A step started just before the margin ends before the lease does.
        assert every[name]["TimeoutSeconds"] < LEASE_STEP_MARGIN_SECONDS, name
    parallel = every["ConnectProfileAndDestination"]["Parameters"]
    assert parallel["leaseExpiresAt.$"] == "$.lease.expiresAt"


def _lease_seconds() -> int:
    template = parse_template_text((REPOSITORY / "template.yaml").read_text(encoding="utf-8"))
    function = template["Resources"]["ValidateRequestFunction"]["Properties"]
    return int(function["Environment"]["Variables"]["ACTIVATION_LEASE_SECONDS"])


def test_a_lease_lasts_an_hour_and_the_execution_covers_the_wait_the_lease_and_a_day_watch() -> (
    None
):
    timeout = int(definition()["TimeoutSeconds"])
    held = retrier_for(ACQUIRE, HELD)
    longest_wait = sum(held.ceiling(i) for i in range(held.max_attempts))
    # The longest watch's waits (its minutes) and a CheckRuns call (one GET, allowed 10 s)
    # per look; the looks thin out (CheckRuns' back-off), a day's watch takes 101.
    looks = len(watch_looks(MAX_FIRST_RUN_WAIT_MINUTES))
    assert looks <= 101
    longest_watch = MAX_FIRST_RUN_WAIT_MINUTES * 60 + looks * 10

    assert _lease_seconds() <= 3600  # a lease left behind frees itself within the hour
    assert _lease_seconds() > 10 * LEASE_STEP_MARGIN_SECONDS  # room for a slow, retried apply
    # The clock is read before the wait, so the lease's expiry counts the wait in.
    assert longest_wait <= LEASE_WAIT_SECONDS
    assert LEASE_WAIT_SECONDS + _lease_seconds() + longest_watch < timeout
    assert held.jitter == "FULL"  # waiters spread out instead of asking in lockstep
    assert states()["ValidateRequest"]["Parameters"]["execution.$"] == "$$.Execution.Id"
    item = states()[ACQUIRE]["Parameters"]["Item"]
    assert item["holder"] == {"S.$": "$.lease.holder"}


# ------------------------------------------------------------------------------ running


def hold(leases: Any, key: str, holder: str, expires_at: float) -> None:
    client, table = leases
    client.put_item(
        TableName=table,
        Item={
            "activation": {"S": key},
            "holder": {"S": holder},
            "acquiredAt": {"N": str(int(time.time()))},
            "expiresAt": {"N": str(int(expires_at))},
        },
    )


def test_a_finished_run_leaves_no_lease_behind(machine: Machine, leases: Any) -> None:
    result = machine.run(example("amazon-s3"))

    assert result.status == "SUCCEEDED"
    assert result.output_of(ACQUIRE)["lease"]["key"] == "prod/summer-sale-s3"
    assert lease_items(leases) == []


def test_a_failed_run_gives_its_lease_back_before_publishing(machine: Machine, leases: Any) -> None:
    machine.emulator.inject(Fault.status_code(403, method="POST", path="/flows"))

    result = machine.run(example("amazon-s3"))

    assert result.status == "FAILED"
    assert_route(result.states, failed_at("EnsureDataflow", NEW_DATAFLOW))
    assert lease_items(leases) == []
    (release,) = result.visits_of("ReleaseActivationLeaseAfterFailure")
    assert release.result["Attributes"]["activation"] == {"S": "prod/summer-sale-s3"}
    assert release.result["Attributes"]["holder"] == {"S": result.arn}


def test_a_lease_held_elsewhere_is_waited_for_then_fails_by_name_touching_nothing(
    machine: Machine, leases: Any
) -> None:
    request = example("amazon-s3")
    hold(leases, "prod/summer-sale-s3", OTHER, time.time() + 3600)

    result = machine.run(request)

    held = retrier_for(ACQUIRE, HELD)
    assert result.status == "FAILED"
    assert result.error == "ActivationLeaseHeld"
    assert OTHER in (result.cause or "")
    # Straight to the failure event: the lease was never taken, so nothing is given back.
    assert_route(result.states, (*APPLY, *FAIL[1:]))
    (visit,) = result.visits_of(ACQUIRE)
    assert visit.attempts == held.max_attempts + 1  # bounded
    asked = result.retry_sleeps(ACQUIRE)
    assert all(held.allows(i, s) for i, s in enumerate(asked)), asked
    assert machine.flow_service_calls() == []
    (item,) = lease_items(leases)
    assert item["holder"] == {"S": OTHER}  # the holder's lease is left alone
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["failure"]["error"] == "ActivationLeaseHeld"


@pytest.mark.parametrize(
    ("operation", "acquire"),
    [("teardown", "AcquireLeaseForTeardown"), ("named dataflow", "AcquireLeaseForNamedDataflow")],
)
def test_a_teardown_or_a_named_dataflow_waits_in_its_own_acquire_state_then_fails_by_name(
    machine: Machine, leases: Any, operation: str, acquire: str
) -> None:
    request = example("amazon-s3")
    applied = machine.run(request)
    assert applied.status == "SUCCEEDED", (applied.error, applied.cause)
    dataflow_id = applied.output["resources"]["dataflowId"]
    if operation == "teardown":
        request = {**request, "operation": "teardown", "confirmDataflowId": dataflow_id}
    else:
        request = with_dataflow(request, dataflow_id)
    calls_before = len(machine.flow_service_calls())
    hold(leases, "prod/summer-sale-s3", OTHER, time.time() + 3600)

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "ActivationLeaseHeld"
    assert OTHER in (result.cause or "")
    assert_route(result.states, (*CHOSEN, acquire, *FAIL[1:]))
    assert result.visits_of(acquire)[0].attempts == retrier_for(acquire, HELD).max_attempts + 1
    # ValidateRequest may read the named flow; nothing is written.
    assert [
        c.method for c in machine.flow_service_calls()[calls_before:] if c.method != "GET"
    ] == []
    assert machine.census() == {"prod": ONE_OF_EACH}
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["failure"]["state"] == acquire
    assert event["detail"]["failure"]["error"] == "ActivationLeaseHeld"


def test_the_lease_of_a_crashed_execution_is_taken_once_expired(
    machine: Machine, leases: Any
) -> None:
    hold(leases, "prod/summer-sale-s3", OTHER, time.time() - 1)

    result = machine.run(example("amazon-s3"))

    assert result.status == "SUCCEEDED"
    assert len(result.visits_of(ACQUIRE)[0].failures) == 0
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert lease_items(leases) == []


def test_another_activation_does_not_wait(machine: Machine, leases: Any) -> None:
    hold(leases, "prod/another-activation", OTHER, time.time() + 3600)
    hold(leases, "dev/summer-sale-s3", OTHER, time.time() + 3600)

    result = machine.run(example("amazon-s3"))

    assert result.status == "SUCCEEDED"
    assert result.visits_of(ACQUIRE)[0].attempts == 1
    assert len(lease_items(leases)) == 2


def test_the_lease_table_is_the_templates(local_deployment: LocalDeployment) -> None:
    table = local_deployment.physical("ActivationLeaseTable")
    # The ending of a stopped or timed-out run gives its lease back from PublishResult.
    environment = local_deployment.function_environment("PublishResultFunction")
    assert environment["ACTIVATION_LEASE_TABLE"] == table
    ttl = local_deployment.client("dynamodb").describe_time_to_live(TableName=table)[
        "TimeToLiveDescription"
    ]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
