"""The run watch backs off: CheckRuns says when to look next, doubling from 30 s to at most
15 minutes, never past the watch's end, where it takes one last look."""

from __future__ import annotations

from itertools import pairwise

import pytest

from aep_activation.limits import MAX_FIRST_RUN_WAIT_MINUTES
from aep_activation.steps.run_watch import (
    FIRST_WAIT_SECONDS,
    LONGEST_WAIT_SECONDS,
    next_wait_seconds,
)


def looks(timeout_minutes: int) -> list[int]:
    """The seconds into the watch of every look, as the state machine takes them."""
    polls, waited, at = 1, 0, [0]
    while wait := next_wait_seconds(polls, waited, timeout_minutes):
        waited += wait
        polls += 1
        at.append(waited)
    return at


def test_waits_double_from_30_seconds_to_15_minutes() -> None:
    waits = [next_wait_seconds(polls, 0, MAX_FIRST_RUN_WAIT_MINUTES) for polls in range(1, 10)]

    assert waits == [30, 60, 120, 240, 480, 900, 900, 900, 900]
    assert (FIRST_WAIT_SECONDS, LONGEST_WAIT_SECONDS) == (30, 900)


def test_an_hour_s_watch_looks_nine_times_and_last_at_its_end() -> None:
    assert looks(60) == [0, 30, 90, 210, 450, 930, 1830, 2730, 3600]


@pytest.mark.parametrize("minutes", [1, 2, 7, 60, 61, 600, MAX_FIRST_RUN_WAIT_MINUTES])
def test_every_watch_ends_with_a_look_at_its_end_and_never_waits_past_it(minutes: int) -> None:
    at = looks(minutes)

    assert at[-1] == minutes * 60
    assert all(later > earlier for earlier, later in pairwise(at))
    assert all(b - a <= LONGEST_WAIT_SECONDS for a, b in pairwise(at))


def test_a_day_s_watch_looks_about_a_hundred_times_not_fourteen_hundred() -> None:
    assert len(looks(MAX_FIRST_RUN_WAIT_MINUTES)) == 101
    assert next_wait_seconds(3, 86_400, MAX_FIRST_RUN_WAIT_MINUTES) == 0
