"""The per-activation lease against DynamoDB (moto): one holder at a time, per activation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aep_activation.aws_clients import DynamoDBItems
from aep_activation.errors import (
    ActivationLeaseHeld,
    ActivationLeaseUnavailable,
    ConfigurationError,
)
from aep_activation.request import parse_activation_request
from aep_activation.steps.lease import (
    ACQUIRE_CONDITION,
    EXPIRES_AT,
    HOLDER,
    KEY,
    LEASE_WAIT_SECONDS,
    ActivationLeases,
    held_message,
    lease_for,
    lease_key,
    lease_seconds_from_env,
    leases_from_env,
    release_after_execution_ended,
)
from tests.statemachine.asl import retrier_for, states
from tests.steps.conftest import create_activation_table

REGION = "us-east-1"
TABLE = "leases"
FIRST = "arn:aws:states:us-east-1:123456789012:execution:activation:first"
SECOND = "arn:aws:states:us-east-1:123456789012:execution:activation:second"
KEY_A = lease_key("prod", "summer-sale")
KEY_B = lease_key("prod", "winter-sale")
EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "amazon-s3.json").read_text()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dynamodb(aws_dynamodb: Any) -> Any:
    create_activation_table(aws_dynamodb, TABLE)
    return aws_dynamodb


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def leases(dynamodb: Any, clock: Clock) -> ActivationLeases:
    return ActivationLeases(TABLE, client=dynamodb, seconds=600, clock=clock)


def stored(dynamodb: Any, key: str) -> dict[str, Any] | None:
    item = dynamodb.get_item(TableName=TABLE, Key={KEY: {"S": key}}).get("Item")
    return None if item is None else dict(item)


def test_the_first_execution_takes_the_lease_and_a_second_is_told_who_holds_it(
    leases: ActivationLeases, dynamodb: Any, clock: Clock
) -> None:
    lease = leases.acquire(KEY_A, FIRST)

    assert lease.to_state() == {"key": KEY_A, "holder": FIRST, "expiresAt": int(clock.now) + 600}
    item = stored(dynamodb, KEY_A)
    assert item is not None
    assert item[HOLDER] == {"S": FIRST}
    assert item[EXPIRES_AT] == {"N": str(int(clock.now) + 600)}  # the table's TTL attribute
    with pytest.raises(ActivationLeaseHeld) as refused:
        leases.acquire(KEY_A, SECOND)
    assert FIRST in refused.value.message
    assert KEY_A in refused.value.message
    assert stored(dynamodb, KEY_A)[HOLDER] == {"S": FIRST}  # type: ignore[index]


def test_other_activations_never_wait(leases: ActivationLeases) -> None:
    leases.acquire(KEY_A, FIRST)
    assert leases.acquire(KEY_B, SECOND).holder == SECOND
    # The same name in another sandbox is another activation.
    assert leases.acquire(lease_key("dev", "summer-sale"), SECOND).holder == SECOND


def test_the_holder_may_take_it_again_after_a_lost_answer(leases: ActivationLeases) -> None:
    leases.acquire(KEY_A, FIRST)
    assert leases.acquire(KEY_A, FIRST).holder == FIRST


def test_release_lets_the_next_execution_in(leases: ActivationLeases, dynamodb: Any) -> None:
    leases.acquire(KEY_A, FIRST)
    assert leases.release(KEY_A, FIRST) is True
    assert stored(dynamodb, KEY_A) is None
    assert leases.acquire(KEY_A, SECOND).holder == SECOND


def test_a_late_release_never_frees_the_next_holders_lease(
    leases: ActivationLeases, dynamodb: Any
) -> None:
    leases.acquire(KEY_A, SECOND)
    assert leases.release(KEY_A, FIRST) is False
    assert stored(dynamodb, KEY_A)[HOLDER] == {"S": SECOND}  # type: ignore[index]
    assert leases.release(KEY_B, FIRST) is False  # nothing there: nothing to do


def test_an_expired_lease_is_free_without_waiting_for_the_ttl_sweep(
    leases: ActivationLeases, clock: Clock
) -> None:
    leases.acquire(KEY_A, FIRST)
    clock.now += 600
    with pytest.raises(ActivationLeaseHeld):  # not yet: expiry is inclusive
        leases.acquire(KEY_A, SECOND)
    clock.now += 1
    assert leases.acquire(KEY_A, SECOND).holder == SECOND


def test_the_holder_is_read_for_the_failure_event_of_a_run_that_waited_in_vain(
    leases: ActivationLeases, clock: Clock, dynamodb: Any
) -> None:
    leases.acquire(KEY_A, FIRST)

    item = leases.holder_item(KEY_A)

    assert item == {HOLDER: {"S": FIRST}, EXPIRES_AT: {"N": str(int(clock.now) + 600)}}
    assert FIRST in held_message(KEY_A, item)
    assert leases.holder_item(KEY_B) is None  # given back meanwhile: no one named
    missing = ActivationLeases("no-such-table", client=dynamodb, seconds=60)
    assert missing.holder_item(KEY_A) is None  # only words: an unreadable table raises nothing


def test_a_table_that_does_not_answer_is_a_transient_error(dynamodb: Any) -> None:
    missing = ActivationLeases("no-such-table", client=dynamodb, seconds=60)
    with pytest.raises(ActivationLeaseUnavailable) as failed:
        missing.acquire(KEY_A, FIRST)
    assert "ResourceNotFoundException" in failed.value.message
    with pytest.raises(ActivationLeaseUnavailable):
        missing.release(KEY_A, FIRST)


def test_the_result_publisher_s_signed_requests_read_and_release_as_the_sdk_client_does(
    leases: ActivationLeases, dynamodb: Any, clock: Clock
) -> None:
    """PublishResult calls DynamoDB without the SDK (aep_activation.aws_json): the same
    answers, the same refusals, the same errors, against the same moto table."""
    signed = ActivationLeases(TABLE, client=DynamoDBItems(), seconds=600, clock=clock)  # type: ignore[arg-type]
    leases.acquire(KEY_A, FIRST)

    assert signed.holder_item(KEY_A) == leases.holder_item(KEY_A) is not None
    with pytest.raises(ActivationLeaseHeld):
        signed.acquire(KEY_A, SECOND)
    assert signed.release(KEY_A, SECOND) is False  # not its lease
    assert stored(dynamodb, KEY_A)[HOLDER] == {"S": FIRST}  # type: ignore[index]
    assert signed.release(KEY_A, FIRST) is True
    assert stored(dynamodb, KEY_A) is None
    missing = ActivationLeases("no-such-table", client=DynamoDBItems(), seconds=60)  # type: ignore[arg-type]
    assert missing.holder_item(KEY_A) is None
    with pytest.raises(ActivationLeaseUnavailable) as failed:
        missing.release(KEY_A, FIRST)
    assert "DeleteItem failed (ResourceNotFoundException)" in failed.value.message


def status_change(status: str, execution: str, request: Any) -> dict[str, Any]:
    """Step Functions' "Execution Status Change" event detail (its documented shape)."""
    return {
        "executionArn": execution,
        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:activation",
        "name": execution.rsplit(":", 1)[-1],
        "status": status,
        "startDate": 1_800_000_000_000,
        "stopDate": 1_800_000_060_000,
        "input": json.dumps(request) if request is not None else None,
        "inputDetails": {"included": request is not None},
    }


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_a_stopped_execution_gives_its_lease_back_through_its_status_change_event(
    leases: ActivationLeases, dynamodb: Any, status: str
) -> None:
    leases.acquire(KEY_A, FIRST)
    request = {"name": "summer-sale", "sandbox": "prod", "audiences": []}

    outcome = release_after_execution_ended(leases, status_change(status, FIRST, request))

    assert outcome == {"key": KEY_A, "released": True}
    assert stored(dynamodb, KEY_A) is None


def test_a_status_change_never_frees_another_executions_lease(
    leases: ActivationLeases, dynamodb: Any
) -> None:
    leases.acquire(KEY_A, SECOND)
    request = {"name": "summer-sale", "sandbox": "prod"}
    for detail in (
        status_change("ABORTED", FIRST, request),  # not the holder
        status_change("SUCCEEDED", SECOND, request),  # released by the run itself
        status_change("ABORTED", SECOND, None),  # input too large to be included
        status_change("ABORTED", SECOND, ["not", "a", "request"]),
    ):
        assert release_after_execution_ended(leases, detail)["released"] is False
    assert stored(dynamodb, KEY_A)[HOLDER] == {"S": SECOND}  # type: ignore[index]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "ACTIVATION_LEASE_TABLE"),
        ({"ACTIVATION_LEASE_TABLE": " "}, "ACTIVATION_LEASE_TABLE"),
    ],
)
def test_configuration_errors_name_the_variable(
    dynamodb: Any, environ: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        leases_from_env(dynamodb, environ)


@pytest.mark.parametrize("text", ["-5", "soon", "0"])
def test_a_lease_length_that_is_no_positive_number_of_seconds_is_named(text: str) -> None:
    with pytest.raises(ConfigurationError, match="ACTIVATION_LEASE_SECONDS"):
        lease_seconds_from_env({"ACTIVATION_LEASE_SECONDS": text})
    assert lease_seconds_from_env({}) == 3600


def test_the_step_and_the_status_change_name_the_same_lease(
    leases: ActivationLeases, dynamodb: Any
) -> None:
    """ValidateRequest keys the lease from the validated request; the status-change release
    reads the execution's raw input. Both must come to the same key, or a stopped run's lease
    stays."""
    state = parse_activation_request(EXAMPLE).to_state()
    key = lease_for(state["sandbox"], state["name"], FIRST, seconds=3600)["key"]
    leases.acquire(key, FIRST)

    outcome = release_after_execution_ended(
        leases, status_change("ABORTED", FIRST, json.loads(EXAMPLE))
    )

    assert outcome == {"key": key, "released": True}
    assert stored(dynamodb, key) is None


# ------------------------------------------------------------------ the state machine's write


def test_the_clock_validate_request_reads_leaves_the_leased_part_its_hour_after_any_wait() -> None:
    lease = lease_for("prod", "summer-sale", FIRST, seconds=3600, now=1_800_000_000.7)

    assert lease == {
        "key": KEY_A,
        "holder": FIRST,
        "now": 1_800_000_000,
        "expiresAt": 1_800_000_000 + LEASE_WAIT_SECONDS + 3600,
    }
    held = retrier_for("AcquireLeaseForApply", "DynamoDB.ConditionalCheckFailedException")
    longest_wait = sum(held.ceiling(i) for i in range(held.max_attempts))
    assert longest_wait <= LEASE_WAIT_SECONDS
    with pytest.raises(ConfigurationError):
        lease_for("prod", "summer-sale", FIRST, seconds=0)


def _evaluate(template: Any, lease: dict[str, Any]) -> Any:
    """The ASL's JSONPath parameters for ``$.lease`` (paths and States.Format('{}', path))."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                path = value.removeprefix("States.Format('{}', ").removesuffix(")")
                assert path.startswith("$.lease."), value
                found = lease[path.removeprefix("$.lease.")]
                out[key[:-2]] = str(found) if value.startswith("States.Format") else found
            else:
                out[key] = _evaluate(value, lease)
        return out
    return template


def _asl_write(dynamodb: Any, operation: str, state: str, lease: dict[str, Any]) -> bool:
    """A lease state's conditional DynamoDB write as the ASL makes it: False if refused."""
    parameters = _evaluate(states()[state]["Parameters"], lease)
    parameters["TableName"] = TABLE
    try:
        getattr(dynamodb, operation)(**parameters)
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def asl_acquire(dynamodb: Any, lease: dict[str, Any]) -> bool:
    """The acquire states' PutItem as the ASL writes it (the same in each): True if taken."""
    return _asl_write(dynamodb, "put_item", "AcquireLeaseForApply", lease)


def asl_release(dynamodb: Any, lease: dict[str, Any], state: str) -> bool:
    """A release state's DeleteItem as the ASL writes it: True if released."""
    return _asl_write(dynamodb, "delete_item", state, lease)


def test_the_state_machine_writes_the_lease_this_module_describes(dynamodb: Any) -> None:
    acquire = states()["AcquireLeaseForApply"]
    assert acquire["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert acquire["Parameters"]["ConditionExpression"] == ACQUIRE_CONDITION
    assert set(acquire["Parameters"]["Item"]) == {KEY, HOLDER, "acquiredAt", EXPIRES_AT}
    now = 1_800_000_000
    first = lease_for("prod", "summer-sale", FIRST, seconds=600, now=now)
    second = lease_for("prod", "summer-sale", SECOND, seconds=600, now=now + 1)

    assert asl_acquire(dynamodb, first) is True
    assert stored(dynamodb, KEY_A) == {
        KEY: {"S": KEY_A},
        HOLDER: {"S": FIRST},
        "acquiredAt": {"N": str(now)},
        EXPIRES_AT: {"N": str(first["expiresAt"])},  # the table's TTL attribute
    }
    assert asl_acquire(dynamodb, first) is True  # the holder again: a retried write
    assert asl_acquire(dynamodb, second) is False  # held
    other = lease_for("dev", "summer-sale", SECOND, seconds=600, now=now)
    assert asl_acquire(dynamodb, other) is True  # another activation never waits
    # Expired as of the waiter's clock: free without waiting for the TTL sweep.
    late = lease_for("prod", "summer-sale", SECOND, seconds=600, now=first["expiresAt"])
    assert asl_acquire(dynamodb, late) is False  # not yet: expiry is inclusive
    late = lease_for("prod", "summer-sale", SECOND, seconds=600, now=first["expiresAt"] + 1)
    assert asl_acquire(dynamodb, late) is True
    assert stored(dynamodb, KEY_A)[HOLDER] == {"S": SECOND}  # type: ignore[index]


@pytest.mark.parametrize(
    "state",
    [
        "ReleaseActivationLease",
        "ReleaseActivationLeaseBeforeRunWatch",
        "ReleaseActivationLeaseAfterFailure",
    ],
)
def test_every_release_state_frees_only_its_own_lease(dynamodb: Any, state: str) -> None:
    assert states()[state]["Resource"] == "arn:aws:states:::dynamodb:deleteItem"
    first = lease_for("prod", "summer-sale", FIRST, seconds=600, now=1_800_000_000)
    second = lease_for("prod", "summer-sale", SECOND, seconds=600, now=1_800_000_000)
    asl_acquire(dynamodb, second)

    assert asl_release(dynamodb, first, state) is False  # a late release of the last holder
    assert stored(dynamodb, KEY_A)[HOLDER] == {"S": SECOND}  # type: ignore[index]
    assert asl_release(dynamodb, second, state) is True
    assert stored(dynamodb, KEY_A) is None
