"""Issue 9: exportNow starts Adobe's ad-hoc activation after applying; refusals are named.

The run watch that would follow each returned statusURL belongs to the lifecycle issue (6);
until it lands the run ids are reported in the result.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from aep_activation.steps.export_now import ADHOC_ACCEPT, jobs
from local.emulator import RecordedRequest
from tests.statemachine.harness import Machine, assert_flow_holds, example
from tests.statemachine.paths import EXPORT_NOW_FINISH, NEW_DATAFLOW, assert_route, failed_at

ADHOC_PATH = "/data/core/activation/disflowprovider/adhocrun"
TWO_HOURS = 2 * 3600


def export_now_request(start: datetime.datetime | None = None) -> dict[str, Any]:
    """The new S3 card's example, every audience scheduled daily from ``start`` (UTC)."""
    start = start or datetime.datetime.now(datetime.UTC)
    request = example("amazon-s3-new-card")
    request["exportNow"] = True
    for audience in request["audiences"]:
        audience["exportMode"] = "DAILY_FULL_EXPORT"
        audience["schedule"] = {
            "frequency": "DAILY",
            "triggerType": "SCHEDULED",
            "startDate": start.date().isoformat(),
            "startTime": start.strftime("%H:%M"),
        }
    return request


def adhoc_calls(machine: Machine) -> list[RecordedRequest]:
    return [r for r in machine.emulator.requests if r.path == ADHOC_PATH]


def test_export_now_starts_one_adhoc_run_per_audience(machine: Machine) -> None:
    request = export_now_request()
    machine.emulator.advance_clock(TWO_HOURS)  # the first scheduled activation is behind us

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, (*NEW_DATAFLOW, *EXPORT_NOW_FINISH))
    flow = machine.only_flow()
    assert_flow_holds(flow, request)
    (call,) = adhoc_calls(machine)
    assert call.header("Accept") == ADHOC_ACCEPT
    ids = [a["id"] for a in request["audiences"]]
    assert call.body == {"activationInfo": {flow["id"]: ids}}
    runs = machine.emulator.list_resources("runs")
    exported = result.output["exportNow"]
    assert exported["jobs"] == 1
    assert [r["audienceId"] for r in exported["runs"]] == ids
    assert {r["runId"] for r in exported["runs"]} == {r["id"] for r in runs}


def test_more_than_80_audiences_go_in_jobs_of_80() -> None:
    ids = [str(uuid.uuid4()) for _ in range(161)]
    assert [len(job) for job in jobs(ids)] == [80, 80, 1]
    assert [i for job in jobs(ids) for i in job] == ids


def test_81_audiences_export_in_two_jobs(machine: Machine) -> None:
    request = export_now_request()
    template = request["audiences"][0]
    request["audiences"] = [{**template, "id": str(uuid.uuid4())} for _ in range(81)]
    machine.emulator.advance_clock(TWO_HOURS)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    sizes = [len(next(iter(c.body["activationInfo"].values()))) for c in adhoc_calls(machine)]
    assert sizes == [80, 1]
    assert len(result.output["exportNow"]["runs"]) == 81


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
                "ExportNowRequested",
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
    request = export_now_request()
    machine.emulator.advance_clock(TWO_HOURS)
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)

    assert_refused(machine, request, "AdhocRunAlreadyRunning", "Run already going on")

    machine.emulator.finish_adhoc_runs()
    again = machine.run(request)
    assert again.status == "SUCCEEDED", (again.error, again.cause)
