"""Each step's time budget, in one place.

The budget chain, checked by tests/client/test_time_budget.py for every Task:

    (connect + read timeout) x ATTEMPTS_PER_CALL + LATE_WRITE_WAIT_SECONDS + MARGIN_SECONDS
        < the function's Timeout (template.yaml)
        < the Task's TimeoutSeconds (statemachine/activation.asl.json)

so that one call at its worst (a token fetch and the call, both again after a 401) and the
wait for a late-applied create always fit in an invocation, and the Lambda's own timeout fires
before the Task's (it is retried as transient: ``Sandbox.Timedout``, ``Lambda.Unknown``).

A step makes several calls (pages, a find then a create), so the chain alone does not bound
it: :func:`begin` takes the invocation's deadline from the Lambda context, keeps
``MARGIN_SECONDS`` back, and :func:`clamp` shortens each call's timeouts to what is left. When
too little is left for a call, it is not made: :class:`FlowServiceUnavailable` (transient)
ends the invocation cleanly and the state machine retries it.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from typing import Any

from aep_activation.errors import ActivationLeaseExpired, FlowServiceUnavailable

Timeout = tuple[float, float]

ATTEMPTS_PER_CALL = 4
"""An IMS token fetch and the call, and both once more after a 401."""
LATE_WRITE_WAIT_SECONDS = 10.0
"""After a create got no answer, how long to look for it by name (Adobe applies late)."""
LATE_WRITE_POLL_SECONDS = 1.0
MAX_THROTTLE_WAITS = 2
"""Per call: how many times Adobe's Retry-After is waited out inside the step."""
MARGIN_SECONDS = 5.0
"""Kept back from the invocation's remaining time: to report an error before Lambda kills us."""
MIN_CALL_SECONDS = 1.0
"""A call is not started with less than this left."""
LEASE_STEP_MARGIN_SECONDS = 240
"""A step that holds the activation's lease does not start within this many seconds of its
expiry: longer than a Task's TimeoutSeconds (210), plus clock skew, so no step started under
the lease still runs once another execution may take it."""


def check_lease(expires_at: Any, now: float | None = None) -> None:
    """Refuse to start a leased step too close to (or past) the lease's expiry, ``expiresAt``
    in epoch seconds as the state machine passes it (absent: the step holds no lease)."""
    if expires_at is None or isinstance(expires_at, bool):
        return
    if not isinstance(expires_at, int | float):
        raise ActivationLeaseExpired(f"the lease's expiry is not a number: {expires_at!r}")
    left = expires_at - (time.time() if now is None else now)
    if left < LEASE_STEP_MARGIN_SECONDS:
        raise ActivationLeaseExpired(
            f"the activation's lease expires in {int(left)} s, less than a step may take "
            f"({LEASE_STEP_MARGIN_SECONDS} s): stopping before writing; run the request again"
        )


MAX_PAGES = 100
"""A list is followed for at most this many pages (Adobe's pages hold up to 100 items)."""

_deadline: ContextVar[float | None] = ContextVar("aep_activation_step_deadline", default=None)


def worst_case_invocation_seconds(connect_timeout: float, read_timeout: float) -> float:
    """The left side of the budget chain: must stay below the function's Timeout."""
    return (
        (connect_timeout + read_timeout) * ATTEMPTS_PER_CALL
        + LATE_WRITE_WAIT_SECONDS
        + MARGIN_SECONDS
    )


def begin(context: Any) -> Token[float | None]:
    """Start the invocation's budget from ``context.get_remaining_time_in_millis()``."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    deadline = None
    if callable(remaining_ms):
        try:
            deadline = time.monotonic() + float(remaining_ms()) / 1000.0 - MARGIN_SECONDS
        except (TypeError, ValueError):
            deadline = None
    return _deadline.set(deadline)


def end(token: Token[float | None]) -> None:
    _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left for this invocation's work, or None outside a budgeted invocation."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def clamp(timeout: Timeout, *, service: str, method: str, path: str) -> Timeout:
    """``timeout`` shortened to what is left; FlowServiceUnavailable if too little is."""
    left = remaining()
    if left is None:
        return timeout
    if left < MIN_CALL_SECONDS:
        raise FlowServiceUnavailable(
            f"the step's time budget ran out before calling {service}; the state machine "
            "retries the step",
            method=method,
            path=path,
        )
    connect, read = timeout
    return (min(connect, left), min(read, left))


def can_wait(seconds: float, then_needed: float) -> bool:
    """Whether waiting ``seconds`` still leaves ``then_needed`` for the call that follows."""
    left = remaining()
    if left is None:  # no deadline known (a test, the CLI): never wait long
        return seconds <= LATE_WRITE_WAIT_SECONDS
    return seconds + then_needed <= left
