"""waitForFirstRun: after applying, a Wait-state loop polls the dataflow's runs,
bounded by timeoutMinutes, and reports the first run's status, counts and error codes.

The emulator runs a flow ``first_run_after`` seconds after its creation, on its own clock;
the runtime skips each Wait state and advances that clock by its seconds (time compressed).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime.sleeps import add_wait_listener, remove_wait_listener
from tests.statemachine.harness import Machine, example
from tests.statemachine.paths import (
    CHECK_RUNS,
    FINISH,
    NEW_DATAFLOW,
    POLL_RUNS_AGAIN,
    PUBLISH,
    RELEASE_BEFORE_WATCH,
    assert_route,
)

REQUEST = "amazon-s3"
WATCH = ("StartWatchingFirstRun", RELEASE_BEFORE_WATCH, *CHECK_RUNS)


@pytest.fixture
def clocked(machine: Machine) -> Iterator[Machine]:
    """Skipped Wait states move the emulator's clock, as the time would have passed."""
    add_wait_listener(machine.emulator.advance_clock)
    yield machine
    remove_wait_listener(machine.emulator.advance_clock)


def watching(timeout_minutes: int) -> dict[str, Any]:
    return {**example(REQUEST), "waitForFirstRun": {"timeoutMinutes": timeout_minutes}}


def route(polls_after_the_first: int, end: tuple[str, ...]) -> tuple[str, ...]:
    head = (*NEW_DATAFLOW, *FINISH[:3])  # ... ValidateDataflow, ExportOrWatch
    return (*head, *WATCH, *POLL_RUNS_AGAIN * polls_after_the_first, *end)


def test_a_successful_first_run_is_reported_with_the_files_it_wrote(
    clocked: Machine, tmp_path: Path
) -> None:
    clocked.emulator.simulate_runs(
        first_run_after=150, export_dir=tmp_path, row_limit=3, profiles=7
    )
    request = watching(30)

    result = clocked.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    # Looks at 0, 30 and 90 s find nothing; the run (due at 150 s) is there at 210 s.
    assert_route(result.states, route(3, PUBLISH))
    assert [c.status for c in clocked.calls("GET", "/runs")] == [200] * 4
    flow_id = clocked.only_flow()["id"]
    assert all(c.query["property"] == [f"flowId=={flow_id}"] for c in clocked.calls("GET", "/runs"))
    first_run = result.output["firstRun"]
    assert first_run["status"] == "success"
    assert first_run["finished"] is True
    assert first_run["polls"] == 4
    assert first_run["records"] == 7 * len(request["audiences"])
    assert first_run["files"] == 3 * len(request["audiences"])  # 7 rows at 3 a file: 3 files
    assert first_run["errors"] == []
    (event,) = clocked.result_events(result.arn)
    assert event["detail"]["firstRun"] == first_run

    files = sorted(p.name for p in (tmp_path / flow_id).iterdir())
    assert len(files) == first_run["files"]
    for audience in request["audiences"]:
        mine = sorted(name for name in files if audience["id"] in name)
        base = mine[0].removesuffix(".csv")
        assert mine == [f"{base}.csv", f"{base}_2.csv", f"{base}_3.csv"]
        assert base.startswith("summer-sale-s3_-_destination_base_connection_" + audience["id"])
        rows = []
        for name in mine:
            with (tmp_path / flow_id / name).open(encoding="utf-8") as handle:
                header, *data = list(csv.reader(handle))
            assert header == request["profileAttributes"]
            assert len(data) <= 3
            rows += data
        assert len(rows) == 7


def test_a_failed_first_run_is_reported_with_adobes_error_codes(clocked: Machine) -> None:
    clocked.emulator.simulate_runs(first_run_after=0, run_outcome="failed")

    result = clocked.run(watching(30))

    assert result.status == "SUCCEEDED", (result.error, result.cause)  # the activation did
    assert_route(result.states, route(0, PUBLISH))
    first_run = result.output["firstRun"]
    assert first_run["status"] == "failed"
    assert first_run["finished"] is True
    assert first_run["errors"] == [
        {"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}
    ]
    assert first_run["files"] is None


def test_running_out_of_time_is_reported_as_a_timeout_not_a_failure(clocked: Machine) -> None:
    clocked.emulator.simulate_runs(first_run_after=-1)  # never runs on its own

    result = clocked.run(watching(2))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    # Looks at 0, 30, 90 and 120 s: the two minutes are covered, the last look at their end.
    assert_route(
        result.states,
        route(
            3,
            PUBLISH,  # CheckRuns' last look reported the timeout
        ),
    )
    assert result.output["firstRun"] == {
        "status": "TIMED_OUT",
        "finished": False,
        "timedOut": True,
        "polls": 4,
        "timeoutMinutes": 2,
    }
    assert len(clocked.calls("GET", "/runs")) == 4
    waits = [
        s.seconds
        for s in clocked.stack.sleeps
        if s.kind == "wait" and s.execution_arn == result.arn
    ]
    assert waits == [30, 60, 30]  # growing, and never past the watch's end


def test_a_first_run_made_on_demand_is_found(machine: Machine) -> None:
    created = machine.run(example(REQUEST))
    assert created.status == "SUCCEEDED"
    machine.emulator.simulate_runs(first_run_after=-1)
    run = machine.emulator.add_run(machine.only_flow()["id"], status="success")

    result = machine.run(watching(5))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["firstRun"]["runId"] == run["id"]
    assert result.output["firstRun"]["status"] == "success"
