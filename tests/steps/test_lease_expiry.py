"""A step holding the activation's lease refuses to start within LEASE_STEP_MARGIN_SECONDS of
its expiry (ActivationLeaseExpired, not retried), so no leased write runs once another
execution may take the lease; a step handed no expiry (plan, the run watch) is not held."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aep_activation import budget
from aep_activation.budget import LEASE_STEP_MARGIN_SECONDS, check_lease
from aep_activation.errors import ActivationLeaseExpired
from aep_activation.observability import step_handler
from tests.support.lambda_context import LambdaContext

CONTEXT = LambdaContext()

calls: list[dict[str, Any]] = []


@step_handler
def leased_step(event: dict[str, Any], context: Any) -> dict[str, Any]:
    calls.append(event)
    return {"done": True}


@pytest.fixture(autouse=True)
def _forget_calls() -> None:
    calls.clear()


def test_a_step_with_time_left_on_its_lease_runs() -> None:
    expires = int(time.time()) + LEASE_STEP_MARGIN_SECONDS + 60

    assert leased_step({"request": {}, "leaseExpiresAt": expires}, CONTEXT) == {"done": True}
    assert len(calls) == 1


@pytest.mark.parametrize("left", [LEASE_STEP_MARGIN_SECONDS - 1, 0, -3600])
def test_a_step_too_close_to_its_lease_expiry_does_nothing_and_says_so(left: int) -> None:
    expires = int(time.time()) + left

    with pytest.raises(ActivationLeaseExpired, match="lease expires"):
        leased_step({"request": {}, "leaseExpiresAt": expires}, CONTEXT)
    assert calls == []


def test_a_step_handed_no_lease_expiry_is_not_held_to_one() -> None:
    assert leased_step({"request": {}}, CONTEXT) == {"done": True}
    check_lease(None)


def test_the_margin_outlasts_a_task_and_a_garbled_expiry_is_refused() -> None:
    assert LEASE_STEP_MARGIN_SECONDS > 210  # the Tasks' TimeoutSeconds
    with pytest.raises(ActivationLeaseExpired):
        check_lease("soon")
    assert budget.check_lease(10_000, now=10_000 - LEASE_STEP_MARGIN_SECONDS) is None
