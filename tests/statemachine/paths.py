"""The routes through the state machine, and a matcher that knows Parallel branches interleave.

A route is a sequence of state names and :class:`Parallel` blocks. Inside a block each branch
keeps its order, but the branches may interleave in any way (they run concurrently).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Parallel:
    name: str
    branches: tuple[tuple[str, ...], ...]
    # A failed branch stops the block: each branch then ran only a prefix of its states, and
    # the failed one went through ``<State>Failed`` (a Fail naming it in the cause).
    complete: bool = True

    def members(self) -> set[str]:
        names = {name for branch in self.branches for name in branch}
        if not self.complete:
            names |= {f"{n}{suffix}" for n in list(names) for suffix in FAILURE_MARKERS}
        return names


FAILURE_MARKERS = ("Failed",)


Step = str | Parallel

# Beside the two connection branches, Data Prep: the EnsureMappingSet step, on every card (a
# legacy card's answers at once).
CONNECT = Parallel(
    "ConnectProfileAndDestination",
    (
        ("EnsureProfileBaseConnection", "EnsureSourceConnection"),
        ("EnsureDestinationBaseConnection", "EnsureTargetConnection"),
        ("EnsureMappingSet",),
    ),
)
CONNECT_FAILED = Parallel(CONNECT.name, CONNECT.branches, complete=False)

# A request that passed validation to apply or tear down takes its activation's lease before
# anything else, and gives it back before publishing the result (or before a run watch), on
# success and failure alike. A plan only reads: it takes no lease.
# Each leased operation takes the lease in a state of its own, which goes straight on to its
# first step. apply and teardown record how they ended in the registry from within the result
# publisher (PublishSuccess / PublishFailure), which ends the run.
VALIDATE = ("ValidateRequest",)
CHOSEN = (*VALIDATE, "ChooseOperation")
APPLY = (*CHOSEN, "AcquireLeaseForApply")
NEW_DATAFLOW = (*APPLY, "ResolveSpecs", CONNECT, "EnsureDataflow")
# ValidateRequest put the named flow in the state.
EXISTING_DATAFLOW = (*CHOSEN, "AcquireLeaseForNamedDataflow")
TEARDOWN = (*CHOSEN, "AcquireLeaseForTeardown")
PLAN = (*CHOSEN, "PlanActivation", "PublishSuccess")
FINISH = (
    "ActivateAudiences",
    "ValidateDataflow",
    "ExportOrWatch",  # a Choice; exportNow and waitForFirstRun are off unless asked
    "ReleaseActivationLease",
    "PublishSuccess",  # records the outcome in the registry and ends the run
)
# The run watch: the lease given back, a first look, then one more a minute until the runs
# end or time is up.
CHECK_RUNS = ("CheckRuns", "RunsFinished")
POLL_RUNS_AGAIN = ("WaitForRuns", *CHECK_RUNS)
RELEASE_BEFORE_WATCH = "ReleaseActivationLeaseBeforeRunWatch"
PUBLISH = ("PublishSuccess",)


def export_now_finish(polls_after_the_first: int) -> tuple[str, ...]:
    """From ActivateAudiences: export now, then the run watch following its ad-hoc runs."""
    return (
        "ActivateAudiences",
        "ValidateDataflow",
        "ExportOrWatch",
        "ExportNow",
        "StartWatchingExportRuns",
        RELEASE_BEFORE_WATCH,
        *CHECK_RUNS,
        *POLL_RUNS_AGAIN * polls_after_the_first,
        *PUBLISH,
    )


FAIL = ("ReleaseActivationLeaseAfterFailure", "PublishFailure", "ActivationFailed")
# Failures with no lease to give back: a plan never takes one, the run watch gave it back.
NO_LEASE_HELD = ("PlanActivation", "CheckRuns")

HAPPY_NEW: tuple[Step, ...] = (*NEW_DATAFLOW, *FINISH)
HAPPY_EXISTING: tuple[Step, ...] = (*EXISTING_DATAFLOW, *FINISH)


def failed_at(state: str, before: Sequence[Step]) -> tuple[Step, ...]:
    """``before`` (ending in the failed ``state``, whose Catch put the error under
    ``$.failed``), then publishing the failure (after giving the lease back, unless the
    request never got as far as taking it; the publisher records it on a registered
    activation's item)."""
    if state == "ValidateRequest":  # its Catch keeps the error; the request is put beside it
        return (*before, "RequestRefused", *FAIL[1:])
    if state in NO_LEASE_HELD:
        return (*before, *FAIL[1:])
    return (*before, *FAIL)


def assert_route(actual: Sequence[str], expected: Sequence[Step]) -> None:
    """Fail with both routes shown unless ``actual`` follows ``expected``."""
    problem = _mismatch(list(actual), list(expected))
    if problem:
        raise AssertionError(
            f"{problem}\n  visited:  {list(actual)}\n  expected: {_render(expected)}"
        )


def _mismatch(actual: list[str], expected: list[Step]) -> str | None:
    position = 0
    for step in expected:
        if isinstance(step, str):
            if position >= len(actual) or actual[position] != step:
                seen = actual[position] if position < len(actual) else "the end"
                return f"at position {position}: expected {step}, visited {seen}"
            position += 1
            continue
        if position >= len(actual) or actual[position] != step.name:
            return f"at position {position}: expected the Parallel state {step.name}"
        position += 1
        members = step.members()
        end = position
        while end < len(actual) and actual[end] in members:
            end += 1
        problem = _block_mismatch(actual[position:end], step)
        if problem:
            return f"in {step.name}: {problem}"
        position = end
    if position != len(actual):
        return f"unexpected states after the route: {actual[position:]}"
    return None


def _block_mismatch(visited: list[str], block: Parallel) -> str | None:
    strays = [name for name in visited if name not in block.members()]
    if strays:
        return f"states of no branch: {strays}"
    return _branches_mismatch(visited, block)


def _branches_mismatch(visited: list[str], block: Parallel) -> str | None:
    marked = 0
    for branch in block.branches:
        markers = {f"{n}{suffix}" for n in branch for suffix in FAILURE_MARKERS}
        ran = [name for name in visited if name in branch or name in markers]
        if block.complete and ran != list(branch):
            return f"branch {list(branch)} ran {ran}"
        if block.complete:
            continue
        states = [name for name in ran if name in branch]
        if states != list(branch[: len(states)]):
            return f"branch {list(branch)} ran {ran}, not a prefix of it"
        failed = ran[len(states) :]
        if failed:
            expected = [f"{states[-1]}{suffix}" for suffix in FAILURE_MARKERS] if states else []
            if failed != expected:
                return f"branch {list(branch)} ended with {failed}, expected {expected}"
            marked += 1
    if not block.complete and not visited:
        return "no branch ran at all"
    if not block.complete and marked != 1:
        return f"{marked} branches recorded a failure; exactly one stops the block"
    return None


def _render(expected: Sequence[Step]) -> str:
    parts = []
    for step in expected:
        if isinstance(step, str):
            parts.append(step)
        else:
            branches = " || ".join(" > ".join(b) for b in step.branches)
            parts.append(f"{step.name}[{branches}{'' if step.complete else ', cut short'}]")
    return " > ".join(parts)
