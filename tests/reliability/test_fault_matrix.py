"""The slice of the fault matrix in ``make test``: one fault per Adobe call, every
fault of the list used at least once, on the real state machine. ``make reliability`` runs the
full matrix (every call x every fault) and prints it."""

from __future__ import annotations

import pytest

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.reliability.matrix import (
    CALLS,
    FAULTS,
    KNOWN_GAPS,
    Call,
    FaultCase,
    HistoryUnreadable,
    diagonal,
    run_cell,
)

SLICE = diagonal()


def test_the_slice_meets_every_call_and_every_fault() -> None:
    assert {call.name for call, _ in SLICE} == {call.name for call in CALLS}
    assert {fault.name for _, fault in SLICE} == {fault.name for fault in FAULTS}
    assert not [cell for cell in SLICE if (cell[0].name, cell[1].name) in KNOWN_GAPS]


def test_the_calls_are_every_call_the_workflow_makes() -> None:
    # token, connection spec, flow specs, each find and each create, flow read, PATCH, and
    # the validation read; on a new card, the Data Prep look-ups, creates and set read.
    finds = [c for c in CALLS if c.name.startswith("find ")]
    creates = [c for c in CALLS if c.name.startswith("create ")]
    assert len(finds) == len(creates) == 8
    # The finds are ResolveSpecs' look-up, side by side; each Flow Service create is its own
    # step's, the Data Prep ones are EnsureMappingSet's.
    assert {c.state for c in finds} == {"ResolveSpecs"}
    flow_service = [c for c in creates if not c.path.startswith("/data/foundation/conversion")]
    assert len({c.state for c in flow_service}) == len(flow_service) == 5
    assert {c.state for c in creates if c not in flow_service} == {"EnsureMappingSet"}
    assert len(CALLS) == 23


@pytest.mark.slow
@pytest.mark.parametrize(
    ("call", "fault"), SLICE, ids=[f"{call.name}-{fault.name}" for call, fault in SLICE]
)
def test_a_cell_holds(
    adobe: Emulator, reliability_stack: LocalDeployment, call: Call, fault: FaultCase
) -> None:
    try:
        cell = run_cell(adobe, reliability_stack, call, fault)
    except HistoryUnreadable:  # moto's, timing-dependent: once more (see matrix.py)
        cell = run_cell(adobe, reliability_stack, call, fault)

    assert cell.holds, cell.problems
    if fault.transient:
        assert cell.status == "SUCCEEDED"
    else:
        assert (cell.status, cell.stopped_at, cell.error) == (
            "FAILED",
            call.state,
            fault.expected_error(call),
        )


@pytest.mark.slow
def test_a_create_applied_after_the_read_timeout_leaves_no_duplicate(
    adobe: Emulator, reliability_stack: LocalDeployment
) -> None:
    """Once a known gap: the flow's POST times out, Adobe applies it anyway,
    and the run must find it by name instead of making a second dataflow."""
    (call,) = [c for c in CALLS if c.name == "create flow"]
    (fault,) = [f for f in FAULTS if f.name == "read timeout"]

    cell = run_cell(adobe, reliability_stack, call, fault)

    assert cell.holds, cell.problems
    assert cell.status == "SUCCEEDED"
    assert cell.resources["flows"] == 1, cell.problems
