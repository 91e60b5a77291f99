"""The activation lease in the state machine: taken after ValidateRequest, given back on every
way out, waited for (bounded) when another execution holds it. Races themselves are in
tests/concurrency."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.emulator import Fault
from local.runtime import LocalStack
from local.runtime.template import parse_template_text
from tests.statemachine.asl import definition, retrier_for, states
from tests.statemachine.harness import ONE_OF_EACH, REPOSITORY, Machine, example
from tests.statemachine.paths import NEW_DATAFLOW, START, assert_route, failed_at

ACQUIRE = "AcquireActivationLease"
RELEASES = {"ReleaseActivationLease", "ReleaseActivationLeaseAfterFailure"}
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
    stack: list[tuple[str, tuple[str, ...]]] = [(ACQUIRE, ())]
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


def test_only_a_request_refused_by_validation_skips_the_release() -> None:
    top = definition()["States"]
    straight_to_publish = sorted(
        name for name, state in top.items() if "PublishFailure" in _next_states(state)
    )
    assert straight_to_publish == ["FailedAtValidateRequest", "ReleaseActivationLeaseAfterFailure"]
    assert top["ValidateRequest"]["Next"] == ACQUIRE


def _lease_seconds() -> int:
    template = parse_template_text((REPOSITORY / "template.yaml").read_text(encoding="utf-8"))
    function = template["Resources"]["ActivationLeaseFunction"]["Properties"]
    return int(function["Environment"]["Variables"]["ACTIVATION_LEASE_SECONDS"])


def test_a_lease_outlives_any_execution_and_the_wait_for_it_fits_in_one() -> None:
    timeout = int(definition()["TimeoutSeconds"])
    held = retrier_for(ACQUIRE, "ActivationLeaseHeld")
    longest_wait = sum(held.ceiling(i) for i in range(held.max_attempts))

    assert _lease_seconds() > timeout  # a running execution never loses it: no renewal
    assert longest_wait < timeout - 600  # a waiter that gets it still has time to run
    assert held.jitter == "FULL"  # waiters spread out instead of asking in lockstep
    assert states()[ACQUIRE]["Parameters"]["execution.$"] == "$$.Execution.Id"


# ------------------------------------------------------------------------------ running


@pytest.fixture
def leases(machine: Machine) -> Iterator[Any]:
    """The stack's lease table; emptied before and after, so tests cannot leak a lease."""
    client = machine.stack.client("dynamodb")
    table = machine.stack.physical("ActivationLeaseTable")

    def clear() -> None:
        for item in client.scan(TableName=table)["Items"]:
            client.delete_item(TableName=table, Key={"activation": item["activation"]})

    clear()
    yield client, table
    clear()


def lease_items(leases: Any) -> list[dict[str, Any]]:
    client, table = leases
    return list(client.scan(TableName=table)["Items"])


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
    assert release.result == {"key": "prod/summer-sale-s3", "released": True}


def test_a_lease_held_elsewhere_is_waited_for_then_fails_by_name_touching_nothing(
    machine: Machine, leases: Any
) -> None:
    request = example("amazon-s3")
    hold(leases, "prod/summer-sale-s3", OTHER, time.time() + 3600)

    result = machine.run(request)

    held = retrier_for(ACQUIRE, "ActivationLeaseHeld")
    assert result.status == "FAILED"
    assert result.error == "ActivationLeaseHeld"
    assert OTHER in (result.cause or "")
    assert_route(result.states, failed_at(ACQUIRE, START))
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


def test_the_lease_table_is_the_templates(local_stack: LocalStack) -> None:
    environment = local_stack.function_environment("ActivationLeaseFunction")
    assert environment["ACTIVATION_LEASE_TABLE"] == local_stack.physical("ActivationLeaseTable")
    ttl = local_stack.client("dynamodb").describe_time_to_live(
        TableName=environment["ACTIVATION_LEASE_TABLE"]
    )["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
