"""Find-or-create under a deterministic name: the idempotency of every creation step.

A retry after an ambiguous failure (the write applied, the answer lost) finds what the first
attempt made instead of making a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aep_activation import budget
from aep_activation.errors import FlowServiceUnavailable, ResourceConflict
from aep_activation.flow_service import Created
from aep_activation.step_inputs import LookedUp


@dataclass(frozen=True)
class Ensured:
    id: str
    created: bool
    etag: str | None = None
    document: dict[str, Any] | None = None
    updated: bool = False
    """An existing resource was brought to the request's description (a PATCH)."""


def find_or_create(
    kind: str,
    body: dict[str, Any],
    *,
    find: Callable[[str], dict[str, Any] | None],
    create: Callable[[dict[str, Any]], Created],
    same: Callable[[dict[str, Any]], bool],
    differs: str,
    sleep: Callable[[float], None] = time.sleep,
    looked_up: LookedUp | None = None,
) -> Ensured:
    """Return the ``kind`` named ``body["name"]``, creating it from ``body`` if there is none.

    ``same`` tells whether a found resource is the one ``body`` describes; a namesake that is
    not raises :class:`ResourceConflict` with ``differs`` explaining what differs. A create
    that got no answer is followed by a bounded search by name, never by a second create.
    ``looked_up`` (see :class:`LookedUp`) spares the find when the look-up already answered.
    """
    if looked_up is not None and looked_up.id is not None:
        return Ensured(id=looked_up.id, created=False)  # checked by the look-up
    name = str(body["name"])
    # A first attempt after the look-up found nothing creates at once; any other finds first.
    if looked_up is None or looked_up.retry:
        found = find(name)
        if found is not None:
            return _existing(kind, name, found, same, differs)
    try:
        created = create(body)
    except FlowServiceUnavailable as exc:
        if not exc.outcome_unknown:
            raise
        # The create may have been applied without our hearing of it, and Adobe may apply it
        # seconds later still: look for it by name before anyone creates it again.
        late = _await_late_write(name, find, sleep=sleep)
        if late is None:
            raise FlowServiceUnavailable(
                f"the create of {kind} {name!r} got no answer and it did not appear by name "
                f"within {budget.LATE_WRITE_WAIT_SECONDS:g} s; the step is retried, "
                "finding it first",
                status=exc.status,
                method=exc.method,
                path=exc.path,
                request_id=exc.request_id,
            ) from None
        ensured = _existing(kind, name, late, same, differs)
        return Ensured(id=ensured.id, created=True, etag=ensured.etag, document=late)
    return Ensured(id=created.id, created=True, etag=created.etag)


def _existing(
    kind: str,
    name: str,
    found: dict[str, Any],
    same: Callable[[dict[str, Any]], bool],
    differs: str,
) -> Ensured:
    if not same(found):
        raise ResourceConflict(
            f"a {kind} named {name!r} already exists but {differs}; "
            "rename the resource in the request (resources.*.name) or remove the other one"
        )
    return Ensured(id=str(found["id"]), created=False, etag=found.get("etag"), document=found)


def _await_late_write(
    name: str,
    find: Callable[[str], dict[str, Any] | None],
    *,
    sleep: Callable[[float], None],
) -> dict[str, Any] | None:
    """Look for ``name`` until LATE_WRITE_WAIT_SECONDS have passed (or the step's budget would
    not leave time for one more call), polling every LATE_WRITE_POLL_SECONDS."""
    started = time.monotonic()
    while True:
        found = find(name)
        if found is not None:
            return found
        waited = time.monotonic() - started
        pause = budget.LATE_WRITE_POLL_SECONDS
        if waited + pause > budget.LATE_WRITE_WAIT_SECONDS or not budget.can_wait(
            pause, budget.MIN_CALL_SECONDS * 2
        ):
            return None
        sleep(pause)


def spec_id(resource: dict[str, Any]) -> str | None:
    spec = resource.get("connectionSpec") or resource.get("flowSpec") or {}
    return str(spec.get("id")) if isinstance(spec, dict) and spec.get("id") else None
