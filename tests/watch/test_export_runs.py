"""One definition of a run's outcome, read from Adobe's own run examples (the destinations
OpenAPI's Batch_Flow_Run_Success / _Failure) and from runs the emulator lists over HTTP;
bad data from Adobe is named, never raised."""

from __future__ import annotations

import copy
from typing import Any

from aep_activation.export_runs import (
    FAILED,
    RUNNING,
    SUCCEEDED,
    AudienceCounts,
    read_runs,
    run_outcome,
)
from aep_activation.flow_service import FlowServiceClient
from aep_activation.steps.run_watch import run_report
from local.emulator import Emulator
from tests.contract.openapi_contract import raw_spec
from tests.emulator.helpers import Api


def adobe_run(example: str) -> dict[str, Any]:
    value = raw_spec("destinations")["components"]["examples"][example]["value"]
    return copy.deepcopy(value["items"][0])


def test_adobe_success_example_reads_as_succeeded_with_its_counts() -> None:
    outcome = run_outcome(adobe_run("Batch_Flow_Run_Success"))

    assert (outcome.outcome, outcome.finished) == (SUCCEEDED, True)
    assert outcome.run_id == "e80e24c1-82de-48de-8352-b2d0fca1c392"
    assert outcome.flow_id == "df8d079d-11eb-466a-9731-6b5948a009e4"
    assert (outcome.records, outcome.skipped, outcome.files) == (7808223, 15224, 2)
    assert outcome.audiences == (
        AudienceCounts("b1cbaff7-e7c6-417e-ab54-71d302595785", records=7808223, skipped=15224),
    )
    assert (outcome.errors, outcome.problems) == ((), ())
    assert (outcome.started_at_ms, outcome.completed_at_ms) == (1659018529865, 1659018929923)


def test_adobe_failure_example_reads_as_failed_with_adobes_error_once() -> None:
    outcome = run_outcome(adobe_run("Batch_Flow_Run_Failure"))

    assert (outcome.outcome, outcome.finished) == (FAILED, True)
    # statusSummary.errors and recordSummary.failedInfo repeat the same error: listed once.
    assert outcome.errors == ({"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."},)
    assert (outcome.records, outcome.files) == (None, None)  # not given: never a made-up 0
    assert outcome.audiences == (
        AudienceCounts("cfa5dadb-fd73-4bab-a470-f88323c55ec7", records=None, skipped=0),
    )


def test_the_in_execution_run_watch_reports_through_the_same_definition() -> None:
    run = adobe_run("Batch_Flow_Run_Failure")

    assert run_report(run) == {
        "runId": "850a3a02-ba0d-452a-aeb3-e9fcc8361342",
        "status": "failed",
        "finished": True,
        "records": None,
        "files": None,
        "errors": [{"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}],
    }
    assert run_report(run) == run_outcome(run).watch_report()


def test_statuses_map_to_outcomes() -> None:
    run = adobe_run("Batch_Flow_Run_Success")
    for status, expected in {
        "success": SUCCEEDED,
        "Success": SUCCEEDED,
        "failed": FAILED,
        "partialSuccess": FAILED,  # some records failed: an operator must hear of it
        "cancelled": FAILED,
        "inProgress": RUNNING,
        "Processing": RUNNING,
        "Waiting": RUNNING,
    }.items():
        run["metrics"]["statusSummary"]["status"] = status
        assert run_outcome(run).outcome == expected, status
        assert run_outcome(run).status == status


def test_bad_data_is_named_not_raised() -> None:
    no_status = adobe_run("Batch_Flow_Run_Success")
    del no_status["metrics"]["statusSummary"]["status"]
    outcome = run_outcome(no_status)
    assert (outcome.status, outcome.outcome) == ("unknown", RUNNING)
    assert any("no status" in problem for problem in outcome.problems)

    odd_errors = adobe_run("Batch_Flow_Run_Failure")
    odd_errors["metrics"]["statusSummary"]["errors"] = ["disk full", {"detail": "?"}]
    odd_errors["metrics"]["recordSummary"]["failedInfo"] = {"code": "X"}
    outcome = run_outcome(odd_errors)
    assert (outcome.outcome, outcome.errors) == (FAILED, ())
    assert "an error of an unknown shape" in outcome.problems
    assert "an error list that is not a list" in outcome.problems
    assert "the run failed without an error Adobe named" in outcome.problems

    assert run_outcome({}).problems[:2] == (
        "the run has no id",
        "the run has no status (metrics.statusSummary.status)",
    )
    assert run_outcome({"id": "r", "metrics": "garbage", "createdAt": True}).created_at_ms is None


def test_long_messages_are_cut() -> None:
    run = adobe_run("Batch_Flow_Run_Failure")
    run["metrics"]["statusSummary"]["errors"] = [{"code": "C", "message": "x" * 5000}]
    assert len(run_outcome(run).errors[0]["message"]) == 500


def test_runs_are_read_over_http_oldest_first_and_from_a_time_on(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    flow = Api(emulator).s3_flow()
    first = emulator.add_run(flow["id"], "success")
    emulator.advance_clock(3600)
    second = emulator.add_run(flow["id"], "failed")

    everything = read_runs(client, flow["id"])
    assert [o.run_id for o in everything] == [first["id"], second["id"]]
    assert [o.outcome for o in everything] == [SUCCEEDED, FAILED]

    newer = read_runs(client, flow["id"], created_since_ms=second["createdAt"])
    assert [o.run_id for o in newer] == [second["id"]]
    listed = [r for r in emulator.requests if r.path.endswith("/runs")]
    assert any(f"createdAt>={second['createdAt']}" in str(r.query) for r in listed)
