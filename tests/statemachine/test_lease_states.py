"""The activation lease in the state machine: taken after ValidateRequest, given back on every
way out, waited for (bounded) when another execution holds it. Races themselves are in
tests/concurrency."""

from __future__ import annotations

import time
from typing import Any

from aep_activation.budget import LEASE_STEP_MARGIN_SECONDS
from aep_activation.limits import MAX_FIRST_RUN_WAIT_MINUTES
from aep_activation.steps.lease import LEASE_WAIT_SECONDS
from local.emulator import Fault
from local.runtime import LocalDeployment
from local.runtime.template import parse_template_text
from tests.statemachine.asl import definition, retrier_for, states
from tests.statemachine.harness import ONE_OF_EACH, REPOSITORY, Machine, example, lease_items
from tests.statemachine.paths import FAIL, NEW_DATAFLOW, START, assert_route, failed_at
from tests.steps.test_run_watch_waits import looks as watch_looks

ACQUIRE = "AcquireActivationLease"
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


def test_every_way_from_taking_the_lease_to_a_result_gives_it_back() -> None:
    top = definition()["States"]
    unreleased = []
    # Every way on from the acquire, except its Catch of the lease held elsewhere: the
    # conditional write failed on every attempt, so this run holds nothing to give back.
    (held,) = [c for c in top[ACQUIRE]["Catch"] if c["ErrorEquals"] == [HELD]]
    assert top[ACQUIRE]["Catch"][-1]["ErrorEquals"] == ["States.ALL"]
    stack: list[tuple[str, tuple[str, ...]]] = [
        (following, (ACQUIRE,))
        for following in _next_states(top[ACQUIRE])
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
        "AcquireActivationLease",
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
    (plan,) = top["TakesActivationLease"]["Choices"]
    assert plan == {
        "Variable": "$.request.operation",
        "StringEquals": "plan",
        "Next": "PlanActivation",
    }
    assert top["ValidateRequest"]["Next"] == "TakesActivationLease"
    assert ACQUIRE not in _reachable("PlanActivation", set())


def test_the_run_watch_is_reached_only_after_the_lease_was_given_back() -> None:
    assert "CheckRuns" not in _reachable(ACQUIRE, RELEASES)
    assert "PublishSuccess" not in _reachable(ACQUIRE, RELEASES)
    assert "CheckRuns" in _reachable(ACQUIRE, set())


def _leased_tasks() -> set[str]:
    """Every Task an execution may run while it holds the lease (Parallel branches too)."""
    top = definition()["States"]
    tasks = set()
    # The held Catch leads away from a lease never taken.
    (held,) = [c["Next"] for c in top[ACQUIRE]["Catch"] if c["ErrorEquals"] == [HELD]]
    for name in _reachable(ACQUIRE, RELEASES | {held}) - {ACQUIRE}:
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
    assert_route(result.states, (*START, *FAIL[1:]))
    (visit,) = result.visits_of(ACQUIRE)
    assert visit.attempts == held.max_attempts + 1  # bounded
    asked = result.retry_sleeps(ACQUIRE)
    assert all(held.allows(i, s) for i, s in enumerate(asked)), asked
    assert machine.flow_service_calls() == []
    (item,) = lease_items(leases)
    assert item["holder"] == {"S": OTHER}  # the holder's lease is left alone
    (event,) = machine.result_events(result.arn)
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
