"""A create that timed out but that Adobe applied late is
found by name, within a bounded wait, instead of being made twice."""

from __future__ import annotations

import time

import pytest

from aep_activation import budget
from aep_activation.errors import FlowServiceUnavailable
from aep_activation.steps.find_or_create import find_or_create
from local.emulator import Emulator, Fault
from tests.hardening.clients import client_for

BODY = {
    "name": "late-profile-base",
    "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"},
}


def ensure(emulator: Emulator, timeout: tuple[float, float] = (2.0, 0.5)) -> str:
    client = client_for(emulator, timeout=timeout)
    ensured = find_or_create(
        "base connection",
        dict(BODY),
        find=client.connections.find_by_name,
        create=client.connections.create,
        same=lambda found: True,
        differs="",
    )
    return ensured.id


def test_a_create_that_timed_out_and_landed_late_is_found_not_made_again(
    emulator: Emulator,
) -> None:
    # The answer is held past the client's 0.5 s read timeout; the write lands 1.5 s later.
    emulator.inject(Fault.apply_late(1.5, hold=1.0, method="POST", path="/connections"))

    first = ensure(emulator)
    second = ensure(emulator)  # a retry of the step, for good measure
    time.sleep(1.0)  # whatever was still to land has landed

    (stored,) = emulator.list_resources("connections")
    assert first == second == stored["id"]
    posts = [c for c in emulator.requests if c.method == "POST" and c.path.endswith("/connections")]
    assert [c.status for c in posts] == [None]  # one create, never repeated


def test_a_create_that_never_lands_is_reported_transient_after_the_bounded_wait(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget, "LATE_WRITE_WAIT_SECONDS", 1.5)
    emulator.inject(Fault.reset(method="POST", path="/connections"))

    started = time.monotonic()
    with pytest.raises(FlowServiceUnavailable, match="did not appear by name"):
        ensure(emulator)

    assert time.monotonic() - started >= 1.0  # it did look again before giving up
    assert emulator.list_resources("connections") == []
    looked = [c for c in emulator.requests if c.method == "GET" and "connections" in c.path]
    assert len(looked) >= 2  # once before the create, at least once after
