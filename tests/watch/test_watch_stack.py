"""The export watch as deployed: template.yaml's schedule fires its function (in the local
runtime, at the emulator's time, as EventBridge Scheduler would), against the emulator's
nightly runs, with the registry, result bus and metrics in moto.

Ten dataflows over three nights, one run failing and one running late before it succeeds:
exactly one ExportFailed, one ExportDelayed and 29 ExportSucceeded, metrics that add up, a
second pass and a restarted watch reporting nothing again, and no secret anywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aep_activation.watch_pass import emf_records
from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime import LocalDeployment
from tests.emulator.helpers import Api, add_attribute, add_segment, flow_body, segment_value
from tests.statemachine.harness import REPOSITORY
from tests.watch.registry_seed import register

TEMPLATE = REPOSITORY / "template.yaml"
WATCH = "ExportWatchFunction"
SCHEDULE = "ExportWatchSchedule"
HOUR = 3600.0
NIGHTS = 3
DATAFLOWS = 10
PROFILES = 4  # rows per audience in each simulated run
AUDIENCE = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"
EXPORT_KINDS = ("ExportSucceeded", "ExportFailed", "ExportDelayed")


def credentials_secret(stack: LocalDeployment) -> str:
    names = {
        stack.function_environment(f).get("ADOBE_CREDENTIALS_SECRET")
        for f in stack.template.functions
    } - {None}
    assert len(names) == 1, names
    return str(names.pop())


@pytest.fixture(scope="module")
def stack(_emulator_server: Emulator) -> Iterator[LocalDeployment]:
    with LocalDeployment.against(_emulator_server, TEMPLATE, skip_sleeps=True) as local:
        local.seed_secret(credentials_secret(local), DEFAULT_CLIENT.credentials())
        yield local


def export_events(stack: LocalDeployment) -> list[dict[str, Any]]:
    return [e for e in stack.published_events() if e.get("detail-type") in EXPORT_KINDS]


def watch_lines(stack: LocalDeployment) -> list[str]:
    return [line.text for line in stack.captured_logs if line.function == WATCH]


def nightly_dataflow(api: Api) -> str:
    created = api.s3_flow()
    operations = [add_segment(segment_value(AUDIENCE)), add_attribute("person.name.firstName")]
    answer = api.patch(f"/flows/{created['id']}", operations, created["etag"])
    assert answer.status_code == 200, answer.text
    return str(created["id"])


def rate_seconds(stack: LocalDeployment) -> float:
    expression = stack.schedule_expression(SCHEDULE)
    match = re.fullmatch(r"rate\((\d+) minutes?\)", expression)
    assert match, expression
    return int(match.group(1)) * 60.0


def test_ten_dataflows_over_three_nights(emulator: Emulator, stack: LocalDeployment) -> None:
    emulator.simulate_runs(first_run_after=HOUR, run_every=86400, profiles=PROFILES)
    emulator.simulate_runs(late_by=4 * HOUR)
    api = Api(emulator)
    flows = [nightly_dataflow(api) for _ in range(DATAFLOWS)]
    emulator.set_run_scenario(flows[2], ["success", "failed", "success"])
    emulator.set_run_scenario(flows[6], ["success", "success", "late"])
    dynamodb, table = stack.client("dynamodb"), stack.physical("ActivationRegistryTable")
    for number, flow_id in enumerate(flows):
        register(
            dynamodb,
            table,
            name=f"nightly-{number}",
            dataflow_id=flow_id,
            applied_at=emulator.clock() - 1,
            audiences=[{"id": AUDIENCE, "name": "Interested in Mountain Biking"}],
        )
    export_events(stack)  # what earlier tests left on the bus
    seen_before = len(stack.published_events())
    lines_before = len(watch_lines(stack))
    emulator.clear_requests()
    passes: list[Any] = []

    def fire() -> None:  # as the schedule does, at the emulator's time
        passes.append(stack.fire_schedule(SCHEDULE, at=emulator.clock()))

    emulator.pass_nights(NIGHTS, step=rate_seconds(stack), each=fire)

    assert all(not p.failed for p in passes), [p.error_message for p in passes if p.failed]
    events = stack.published_events()[seen_before:]
    kinds = [e["detail-type"] for e in events]
    assert kinds.count("ExportSucceeded") == 29
    assert kinds.count("ExportFailed") == 1
    assert kinds.count("ExportDelayed") == 1
    assert len(events) == 31
    assert len({(e["detail-type"], e["detail"]["runId"]) for e in events}) == 31
    (failed,) = [e["detail"] for e in events if e["detail-type"] == "ExportFailed"]
    assert (failed["activation"], failed["dataflowId"]) == ("nightly-2", flows[2])
    assert failed["errors"] == [{"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}]
    assert failed["audiences"][0]["name"] == "Interested in Mountain Biking"
    (delayed,) = [e["detail"] for e in events if e["detail-type"] == "ExportDelayed"]
    assert (delayed["activation"], delayed["dataflowId"]) == ("nightly-6", flows[6])
    assert 150 <= delayed["runningMinutes"] < 150 + rate_seconds(stack) / 60
    late_success = [e for e in events if e["detail"]["runId"] == delayed["runId"] and e is not None]
    assert [e["detail-type"] for e in late_success] == ["ExportDelayed", "ExportSucceeded"]

    # The metrics add up: the stack-wide series, per dataflow, and per audience.
    metrics = emf_records(watch_lines(stack)[lines_before:])
    runs = [m for m in metrics if "ExportRunsSucceeded" in m]
    assert sum(m["ExportRunsSucceeded"] for m in runs) == 29
    assert sum(m["ExportRunsFailed"] for m in runs) == 1
    assert sum(m.get("ExportRunsDelayed", 0) for m in metrics) == 1
    succeeded = [e["detail"] for e in events if e["detail-type"] == "ExportSucceeded"]
    assert sum(m.get("ExportRecords", 0) for m in runs) == 29 * PROFILES
    assert sum(d["counts"]["records"] for d in succeeded) == 29 * PROFILES
    per_audience = [m for m in metrics if "audience" in m]
    assert sum(m["ExportRecords"] for m in per_audience) == 29 * PROFILES
    for flow_id in flows:
        mine = [m for m in runs if m["dataflow"] == flow_id]
        assert sum(m["ExportRunsSucceeded"] + m["ExportRunsFailed"] for m in mine) == NIGHTS

    # Calls: one GET /runs per registered dataflow per pass (one page each), nothing else.
    listed = [r for r in emulator.requests if r.path.endswith("/runs")]
    assert len(listed) == DATAFLOWS * len(passes)

    # A second pass, and a restarted watch (fresh containers), report nothing again.
    fire()
    stack.cold_start()
    fire()
    assert len(stack.published_events()) == seen_before + 31
    assert [p.result["events"] for p in passes[-2:]] == [
        {"ExportSucceeded": 0, "ExportFailed": 0, "ExportDelayed": 0}
    ] * 2

    # Secrets: nowhere in the events, the metrics or the watch's logs.
    text = json.dumps(events) + "\n".join(watch_lines(stack))
    for secret in (DEFAULT_CLIENT.client_secret, *emulator.issued_tokens()):
        assert secret not in text


def test_the_schedule_fires_every_rate_minutes_by_default(stack: LocalDeployment) -> None:
    assert stack.schedule_expression(SCHEDULE) == "rate(15 minutes)"
    assert stack.template.schedules[SCHEDULE].function == WATCH


MANY = 300


def test_three_hundred_dataflows_are_read_in_one_pass(
    emulator: Emulator, stack: LocalDeployment
) -> None:
    emulator.simulate_runs(first_run_after=HOUR, run_every=86400, profiles=1)
    emulator.page_size = 100  # Adobe's largest page: one GET per dataflow's runs
    api = Api(emulator)
    source, target = api.profile_source(), api.s3_target()
    operations = [add_segment(segment_value(AUDIENCE))]
    dynamodb, table = stack.client("dynamodb"), stack.physical("ActivationRegistryTable")
    for number in range(MANY):
        body = flow_body(source, target)
        body["name"] = f"many-{number}"
        created = api.created("/flows", body)
        assert api.patch(f"/flows/{created['id']}", operations, created["etag"]).status_code == 200
        register(
            dynamodb,
            table,
            name=f"many-{number}",
            dataflow_id=created["id"],
            applied_at=emulator.clock() - 1,
        )
    emulator.advance_clock(2 * HOUR)  # every dataflow has run once
    seen_before = len(stack.published_events())
    emulator.clear_requests()

    invocation = stack.fire_schedule(SCHEDULE, at=emulator.clock())

    assert not invocation.failed, invocation.error_message
    assert invocation.result["dataflowsRead"] >= MANY
    assert invocation.result["leftForNextPass"] == 0
    assert invocation.result["errors"] == []
    mine = {f"many-{n}" for n in range(MANY)}
    reported = [
        e["detail"]["activation"]
        for e in stack.published_events()[seen_before:]
        if e["detail-type"] == "ExportSucceeded"
    ]
    assert sorted(reported) == sorted(mine)
    # Calls to Adobe in the pass: one GET /runs per watched dataflow (and no more for ours).
    runs_calls = [r for r in emulator.requests if r.path.endswith("/runs")]
    watched = invocation.result["activations"]
    assert len(runs_calls) == watched
    assert all(r.path.endswith("/runs") or "/ims/" in r.path for r in emulator.requests)
    print(
        f"\nexport watch pass: {watched} dataflows, {len(emulator.requests)} calls to Adobe, "
        f"{invocation.ended - invocation.started:.2f} s"
    )
