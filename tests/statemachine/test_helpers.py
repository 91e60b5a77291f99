"""The suite's own helpers can fail: the route matcher and the ASL reader."""

from __future__ import annotations

import pytest

from tests.statemachine import asl, paths
from tests.statemachine.paths import Parallel, assert_route

# The matcher on the two connection branches (the Data Prep branch adds nothing it needs).
CONNECT = Parallel(paths.CONNECT.name, paths.CONNECT.branches[:2])
CONNECT_FAILED = Parallel(CONNECT.name, CONNECT.branches, complete=False)

PROFILE, SOURCE = CONNECT.branches[0]
DESTINATION, TARGET = CONNECT.branches[1]


@pytest.mark.parametrize(
    "visited",
    [
        ["A", CONNECT.name, PROFILE, SOURCE, DESTINATION, TARGET, "B"],
        ["A", CONNECT.name, DESTINATION, PROFILE, TARGET, SOURCE, "B"],
    ],
)
def test_branches_may_interleave(visited: list[str]) -> None:
    assert_route(visited, ("A", CONNECT, "B"))


(PREPARES,) = paths.CONNECT.branches[2]


def test_the_data_prep_branch_runs_beside_the_connections() -> None:
    visited = ["A", CONNECT.name, PROFILE, PREPARES, SOURCE, DESTINATION, TARGET, "B"]
    assert_route(visited, ("A", paths.CONNECT, "B"))
    with pytest.raises(AssertionError):  # the block without its Data Prep branch
        assert_route([n for n in visited if n != PREPARES], ("A", paths.CONNECT, "B"))
    with pytest.raises(AssertionError):  # Data Prep run twice
        assert_route([*visited[:3], PREPARES, *visited[3:]], ("A", paths.CONNECT, "B"))


@pytest.mark.parametrize(
    "visited",
    [
        ["A", CONNECT.name, SOURCE, PROFILE, DESTINATION, TARGET, "B"],  # branch out of order
        ["A", CONNECT.name, PROFILE, SOURCE, DESTINATION, "B"],  # a state missing
        ["A", CONNECT.name, PROFILE, SOURCE, DESTINATION, TARGET, "B", "C"],  # one too many
        ["A", PROFILE, SOURCE, DESTINATION, TARGET, "B"],  # the Parallel state itself missing
        ["B", CONNECT.name, PROFILE, SOURCE, DESTINATION, TARGET, "A"],
    ],
)
def test_other_routes_are_refused(visited: list[str]) -> None:
    with pytest.raises(AssertionError):
        assert_route(visited, ("A", CONNECT, "B"))


def test_a_failed_block_accepts_branch_prefixes_only() -> None:
    failed = (f"{PROFILE}Failed",)
    assert_route(
        ["A", CONNECT.name, DESTINATION, PROFILE, *failed, "F"], ("A", CONNECT_FAILED, "F")
    )
    with pytest.raises(AssertionError):
        assert_route(["A", CONNECT.name, SOURCE, "F"], ("A", CONNECT_FAILED, "F"))
    with pytest.raises(AssertionError):  # the failed branch must name its failed state
        assert_route(["A", CONNECT.name, DESTINATION, PROFILE, "F"], ("A", CONNECT_FAILED, "F"))
    with pytest.raises(AssertionError):  # and name the state it stopped at, not another
        assert_route(
            ["A", CONNECT.name, PROFILE, f"{SOURCE}Failed", "F"],
            ("A", CONNECT_FAILED, "F"),
        )


def test_retry_ceilings_follow_the_declaration() -> None:
    retrier = asl.Retrier(("E",), 2.0, 2.0, 6, 5.0, "FULL")

    assert [retrier.ceiling(n) for n in range(4)] == [2.0, 4.0, 5.0, 5.0]
    assert retrier.allows(1, 3.9)
    assert not retrier.allows(1, 4.1)
    assert not retrier.allows(0, -0.1)
    exact = asl.Retrier(("E",), 2.0, 2.0, 6, None, "NONE")
    assert exact.allows(3, 16.0)
    assert not exact.allows(3, 15.0)


def test_the_asl_declares_what_the_suite_relies_on() -> None:
    assert asl.etag_conflict_bound() >= 2
    for state in ("ResolveSpecs", "EnsureProfileBaseConnection", "ActivateAudiences"):
        for error in ("FlowServiceThrottled", "FlowServiceUnavailable"):
            assert asl.retrier_for(state, error).max_attempts >= 2
