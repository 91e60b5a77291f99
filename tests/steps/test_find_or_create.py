"""find_or_create with the execution's look-up: which calls each attempt makes."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.errors import ResourceConflict
from aep_activation.flow_service import Created
from aep_activation.step_inputs import LookedUp
from aep_activation.steps.find_or_create import find_or_create

BODY = {"name": "summer-sale - dataflow", "kind": "ours"}


class Adobe:
    def __init__(self, existing: dict[str, Any] | None = None) -> None:
        self.existing = existing
        self.calls: list[str] = []

    def find(self, name: str) -> dict[str, Any] | None:
        self.calls.append("find")
        return self.existing

    def create(self, body: dict[str, Any]) -> Created:
        self.calls.append("create")
        return Created(id="new-id", etag='"1"')


def ensure(adobe: Adobe, looked_up: LookedUp | None) -> Any:
    return find_or_create(
        "dataflow",
        dict(BODY),
        find=adobe.find,
        create=adobe.create,
        same=lambda found: found.get("kind") == "ours",
        differs="it is not ours",
        looked_up=looked_up,
    )


def test_a_resource_the_look_up_found_is_used_without_a_call() -> None:
    adobe = Adobe()
    ensured = ensure(adobe, LookedUp(id="found-id", retry=False))
    assert (ensured.id, ensured.created, adobe.calls) == ("found-id", False, [])


def test_a_first_attempt_creates_what_the_look_up_did_not_find_without_finding_again() -> None:
    adobe = Adobe()
    ensured = ensure(adobe, LookedUp(id=None, retry=False))
    assert (ensured.id, ensured.created, adobe.calls) == ("new-id", True, ["create"])


def test_a_retry_finds_first_since_its_earlier_create_may_have_landed() -> None:
    adobe = Adobe(existing={"id": "landed-id", "kind": "ours"})
    ensured = ensure(adobe, LookedUp(id=None, retry=True))
    assert (ensured.id, ensured.created, adobe.calls) == ("landed-id", False, ["find"])


def test_without_a_look_up_it_finds_then_creates() -> None:
    adobe = Adobe()
    ensured = ensure(adobe, None)
    assert (ensured.created, adobe.calls) == (True, ["find", "create"])


def test_a_namesake_found_on_retry_that_is_not_ours_is_a_conflict() -> None:
    adobe = Adobe(existing={"id": "other", "kind": "theirs"})
    with pytest.raises(ResourceConflict, match="it is not ours"):
        ensure(adobe, LookedUp(id=None, retry=True))
