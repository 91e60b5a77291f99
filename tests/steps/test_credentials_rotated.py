"""When a destination secret's version counts as newer than the base connection Adobe holds."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.steps.connections import credentials_rotated

UPDATED_AT_MS = 1_765_000_000_500


@pytest.mark.parametrize(
    ("created", "updated_at", "rotated"),
    [
        (1_765_000_001.0, UPDATED_AT_MS, True),  # a version made after the last update
        (1_765_000_000.6, UPDATED_AT_MS, True),
        (1_765_000_000.5, UPDATED_AT_MS, False),  # the same instant: not later
        (1_765_000_000, UPDATED_AT_MS, False),  # whole seconds, before the update
        (1_700_000_000.0, UPDATED_AT_MS, False),
        (None, UPDATED_AT_MS, False),  # no CreatedDate: unknown, not rotated
        (1_765_000_001.0, None, False),  # no updatedAt
        (1_765_000_001.0, "1765000000500", False),
        (1_765_000_001.0, True, False),
    ],
)
def test_only_a_version_created_after_the_last_update_is_a_rotation(
    created: float | None, updated_at: Any, rotated: bool
) -> None:
    assert credentials_rotated(created, updated_at) is rotated
