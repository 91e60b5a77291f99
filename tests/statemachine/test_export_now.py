"""exportNow starts Adobe's ad-hoc activation after applying; refusals are named;
the run watch (the first run's, generalised) follows the runs it started and the result says how
each ended.

The emulator ends an ad-hoc run ``adhoc_run_takes`` seconds (90 by default) after it starts,
on its own clock; the runtime skips each Wait of the watch and advances that clock by it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from aep_activation.steps.export_now import ADHOC_ACCEPT, EXPORT_NOW_WATCH_MINUTES, jobs
from local.emulator import RecordedRequest
from local.runtime.sleeps import add_wait_listener, remove_wait_listener
from tests.statemachine.harness import (
    Machine,
    assert_flow_holds,
    example,
    scheduled_daily_from,
    transitions,
)
from tests.statemachine.paths import NEW_DATAFLOW, assert_route, export_now_finish, failed_at

ADHOC_PATH = "/data/core/activation/disflowprovider/adhocrun"
TWO_HOURS = 2 * 3600


def export_now_request(start: datetime.datetime | None = None) -> dict[str, Any]:
    """The new S3 card's example, every audience scheduled daily from ``start`` (UTC)."""
    request = example("amazon-s3-new-card")
    request["exportNow"] = True
    return scheduled_daily_from(request, start or datetime.datetime.now(datetime.UTC))


def adhoc_calls(machine: Machine) -> list[RecordedRequest]:
    return [r for r in machine.emulator.requests if r.path == ADHOC_PATH]


@pytest.fixture
def clocked(machine: Machine) -> Iterator[Machine]:
    """Skipped Wait states move the emulator's clock, as the time would have passed."""
    add_wait_listener(machine.emulator.advance_clock)
    yield machine
    remove_wait_listener(machine.emulator.advance_clock)


JOB_ABORTED = [{"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}]


def test_export_now_starts_one_adhoc_run_per_audience_and_follows_them_to_success(
    clocked: Machine,
) -> None:
    request = export_now_request()
    clocked.emulator.advance_clock(TWO_HOURS)  # the first scheduled activation is behind us

    result = clocked.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    # Looks at 0 and 30 s find the runs going; they end at 90 s, seen at 90 s.
    assert_route(result.states, (*NEW_DATAFLOW, *export_now_finish(2)))
    flow = clocked.only_flow()
    assert_flow_holds(flow, request)
    (call,) = adhoc_calls(clocked)
    assert call.header("Accept") == ADHOC_ACCEPT
    ids = [a["id"] for a in request["audiences"]]
    assert call.body == {"activationInfo": {flow["id"]: ids}}
    runs = clocked.emulator.list_resources("runs")
    exported = result.output["exportNow"]
    assert exported["jobs"] == 1
    assert [r["audienceId"] for r in exported["runs"]] == ids
    assert {r["runId"] for r in exported["runs"]} == {r["id"] for r in runs}
    for run in exported["runs"]:
        assert (run["status"], run["finished"], run["errors"]) == ("success", True, [])
        assert run["records"] == 8  # the emulator's profiles, one audience per run
        assert "stillRunning" not in run
    assert exported["watch"] == {
        "finished": True,
        "timedOut": False,
        "polls": 3,
        "timeoutMinutes": EXPORT_NOW_WATCH_MINUTES,
    }
    polls = clocked.calls("GET", "/runs")
    assert len(polls) == 3  # one listing a poll, however many runs are followed
    assert all(c.query["property"] == [f"flowId=={flow['id']}"] for c in polls)
    (event,) = clocked.result_events(result.arn)
    assert event["detail"]["exportNow"] == exported
    assert "firstRun" not in result.output


def test_a_failed_adhoc_run_is_reported_failed_with_adobes_error(clocked: Machine) -> None:
    request = export_now_request()
    first, *others = [a["id"] for a in request["audiences"]]
    clocked.emulator.simulate_runs(adhoc_outcomes={first: "failed"})
    clocked.emulator.advance_clock(TWO_HOURS)

    result = clocked.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)  # the activation did
    assert_route(result.states, (*NEW_DATAFLOW, *export_now_finish(2)))
    exported = result.output["exportNow"]
    by_audience = {run["audienceId"]: run for run in exported["runs"]}
    failed = by_audience[first]
    assert (failed["status"], failed["finished"], failed["errors"]) == ("failed", True, JOB_ABORTED)
    assert failed["files"] is None
    assert others
    assert all(by_audience[a]["status"] == "success" for a in others)
    assert exported["watch"]["finished"] is True
    assert exported["watch"]["timedOut"] is False
    (event,) = clocked.result_events(result.arn)
    assert event["detail"]["exportNow"]["runs"] == exported["runs"]


def test_a_run_still_going_when_the_watch_times_out_is_reported_as_such(
    clocked: Machine,
) -> None:
    request = {**export_now_request(), "waitForFirstRun": {"timeoutMinutes": 2}}
    first, *others = [a["id"] for a in request["audiences"]]
    clocked.emulator.simulate_runs(adhoc_outcomes={first: "inProgress"})  # never ends
    clocked.emulator.advance_clock(TWO_HOURS)

    result = clocked.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    # Looks at 0, 30, 90 and 120 s cover the request's two minutes; then the watch stops.
    assert_route(result.states, (*NEW_DATAFLOW, *export_now_finish(3)))
    exported = result.output["exportNow"]
    assert exported["watch"] == {
        "finished": False,
        "timedOut": True,
        "polls": 4,
        "timeoutMinutes": 2,
    }
    by_audience = {run["audienceId"]: run for run in exported["runs"]}
    going = by_audience[first]
    assert (going["status"], going["finished"], going["stillRunning"]) == (
        "inProgress",
        False,
        True,
    )
    for audience in others:
        assert (by_audience[audience]["status"], by_audience[audience]["finished"]) == (
            "success",
            True,
        )
        assert "stillRunning" not in by_audience[audience]
    assert len(clocked.calls("GET", "/runs")) == 4


def test_more_than_80_audiences_go_in_jobs_of_80() -> None:
    ids = [str(uuid.uuid4()) for _ in range(161)]
    assert [len(job) for job in jobs(ids)] == [80, 80, 1]
    assert [i for job in jobs(ids) for i in job] == ids


def test_81_audiences_export_in_two_jobs(clocked: Machine) -> None:
    request = export_now_request()
    template = request["audiences"][0]
    request["audiences"] = [{**template, "id": str(uuid.uuid4())} for _ in range(81)]
    clocked.emulator.advance_clock(TWO_HOURS)

    result = clocked.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    sizes = [len(next(iter(c.body["activationInfo"].values()))) for c in adhoc_calls(clocked)]
    assert sizes == [80, 1]
    runs = result.output["exportNow"]["runs"]
    assert len(runs) == 81
    assert all(run["status"] == "success" for run in runs)  # all 81 followed to the end


def assert_refused(machine: Machine, request: dict[str, Any], error: str, words: str) -> None:
    result = machine.run(request)
    assert result.status == "FAILED"
    assert result.error == error, (result.error, result.cause)
    assert_route(
        result.states,
        failed_at(
            "ExportNow",
            (
                *NEW_DATAFLOW,
                "ActivateAudiences",
                "ValidateDataflow",
                "ExportOrWatch",
                "ExportNow",
            ),
        ),
    )
    (event,) = machine.result_events(result.arn)
    failure = event["detail"]["failure"]
    assert failure["state"] == "ExportNow"
    assert failure["error"] == error
    assert words in failure["message"]
    assert result.retry_sleeps() == []  # a refusal is final, not retried


def test_a_first_scheduled_activation_less_than_an_hour_ago_is_refused_by_name(
    machine: Machine,
) -> None:
    assert_refused(
        machine,
        export_now_request(),
        "FirstScheduledRunTooRecent",
        "less than an hour ago",
    )


def test_an_audience_out_of_its_schedule_range_is_refused_by_name(machine: Machine) -> None:
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert_refused(
        machine,
        export_now_request(tomorrow),
        "AudienceNotExportable",
        "not part of this dataflow or out of schedule range",
    )


def test_a_run_already_going_on_is_refused_by_name(machine: Machine) -> None:
    request = {**export_now_request(), "waitForFirstRun": {"timeoutMinutes": 1}}
    machine.emulator.simulate_runs(adhoc_run_takes=-1)  # ad-hoc runs go on until finished
    machine.emulator.advance_clock(TWO_HOURS)
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    assert first.output["exportNow"]["watch"]["timedOut"] is True

    assert_refused(machine, request, "AdhocRunAlreadyRunning", "Run already going on")

    machine.emulator.finish_adhoc_runs()
    again = machine.run(request)
    assert again.status == "SUCCEEDED", (again.error, again.cause)


def test_an_hour_s_watch_of_runs_that_never_end_costs_at_most_30_transitions(
    clocked: Machine,
) -> None:
    """The watch backs off (30 s doubling to 15 min, a last look at its end): 9 looks in the
    hour, not 61."""
    request = export_now_request()
    clocked.emulator.simulate_runs(adhoc_run_takes=-1)  # still going when the hour is up
    clocked.emulator.advance_clock(TWO_HOURS)

    result = clocked.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert EXPORT_NOW_WATCH_MINUTES == 60
    assert_route(result.states, (*NEW_DATAFLOW, *export_now_finish(8)))
    assert result.output["exportNow"]["watch"]["polls"] == 9
    assert len(clocked.calls("GET", "/runs")) == 9
    waits = [
        s.seconds
        for s in clocked.stack.sleeps
        if s.kind == "wait" and s.execution_arn == result.arn
    ]
    assert waits == [30, 60, 120, 240, 480, 900, 900, 870]
    assert sum(waits) == 60 * 60
    watch = {"StartWatchingExportRuns", "ReleaseActivationLeaseBeforeRunWatch", "CheckRuns"}
    watch |= {"RunsFinished", "WaitForRuns"}
    assert transitions(result, watch) <= 30
