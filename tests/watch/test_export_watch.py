"""The export watch, one pass at a time, against the emulator over HTTP and the registry,
result bus and metrics in moto: each finished run reported once (ExportSucceeded /
ExportFailed with Adobe's errors, the audiences and the counts), a late run delayed once,
the cursor kept, and one dataflow's trouble never stopping the pass."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from aep_activation import budget
from aep_activation.errors import ConfigurationError
from aep_activation.export_watch import (
    EXPORT_DELAYED,
    EXPORT_FAILED,
    EXPORT_SUCCEEDED,
    Cursor,
    ExportWatch,
    PassReport,
    delay_minutes_from_env,
)
from aep_activation.registry import KEY, TORN_DOWN, ActivationRegistry
from aep_activation.watch_pass import scheduled_time_ms
from local.emulator import DEFAULT_CLIENT, Emulator, Fault
from local.emulator.faults import FaultKind
from tests.client.conftest import MakeClient
from tests.emulator.helpers import Api, add_attribute, add_segment, segment_value
from tests.watch.registry_seed import register

TABLE = "registry"
BUS = "results"
SEGMENT = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"
OTHER_SEGMENT = "0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b"
HOUR = 3600.0


@dataclass
class World:
    emulator: Emulator
    make_client: MakeClient
    dynamodb: Any
    events: Any
    sqs: Any
    queue_url: str
    metrics: list[dict[str, Any]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, bus: str = BUS) -> ExportWatch:
        return ExportWatch(
            registry=ActivationRegistry(TABLE, client=self.dynamodb),
            flow_service_for=lambda sandbox: self.make_client(sandbox),
            events=self.events,
            bus_name=bus,
            emit_metrics=self.metrics.append,
        )

    def fire(self, bus: str = BUS) -> PassReport:
        """One pass at the emulator's time, as the schedule would run it."""
        return self.watch(bus).run_pass(int(self.emulator.clock() * 1000))

    def published(self) -> list[dict[str, Any]]:
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = answer.get("Messages", [])
            if not messages:
                return list(self.seen)
            for message in messages:
                self.seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def kinds(self) -> list[str]:
        return [event["detail-type"] for event in self.published()]

    def cursor(self, name: str) -> Cursor | None:
        found = ActivationRegistry(TABLE, client=self.dynamodb).get("prod", name)
        assert found is not None
        return Cursor.parse(found.export_cursor) if found.export_cursor else None

    def flow(self, *segments: str) -> str:
        api = Api(self.emulator)
        created = api.s3_flow()
        operations = [add_segment(segment_value(s)) for s in segments]
        operations.append(add_attribute("person.name.firstName"))
        answer = api.patch(f"/flows/{created['id']}", operations, created["etag"])
        assert answer.status_code == 200, answer.text
        return str(created["id"])

    def activation(self, name: str, *segments: str, **options: Any) -> str:
        dataflow_id = self.flow(*segments)
        register(
            self.dynamodb,
            TABLE,
            name=name,
            dataflow_id=dataflow_id,
            applied_at=self.emulator.clock() - 1,
            audiences=[{"id": s, "name": f"audience {s[:4]}"} for s in segments],
            **options,
        )
        return dataflow_id


@pytest.fixture
def world(aws: None, emulator: Emulator, make_client: MakeClient) -> World:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=BUS)
    queue_url = sqs.create_queue(QueueName="observed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(
        Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["aep.activation"]})
    )
    events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
    emulator.simulate_runs(first_run_after=60, run_every=86400, profiles=3)
    return World(emulator, make_client, dynamodb, events, sqs, queue_url)


def test_each_finished_run_is_reported_once_with_its_audiences_and_counts(world: World) -> None:
    flow_id = world.activation("summer", SEGMENT, OTHER_SEGMENT)
    world.emulator.pass_nights(2)

    report = world.fire()

    assert report.events == {EXPORT_SUCCEEDED: 2, EXPORT_FAILED: 0, EXPORT_DELAYED: 0}
    events = world.published()
    assert [e["detail-type"] for e in events] == [EXPORT_SUCCEEDED] * 2
    detail = events[0]["detail"]
    assert events[0]["source"] == "aep.activation"
    assert (detail["activation"], detail["sandbox"], detail["dataflowId"]) == (
        "summer",
        "prod",
        flow_id,
    )
    assert (detail["status"], detail["outcome"], detail["errors"]) == ("success", "succeeded", [])
    assert detail["counts"] == {"records": 6, "skipped": 0, "files": 0}
    assert detail["audiences"] == [
        {"audienceId": SEGMENT, "records": 3, "skipped": 0, "name": "audience 9f7d"},
        {"audienceId": OTHER_SEGMENT, "records": 3, "skipped": 0, "name": "audience 0d2b"},
    ]
    assert detail["startedAt"].endswith("Z")
    assert detail["completedAt"].endswith("Z")
    assert len({e["detail"]["runId"] for e in events}) == 2

    again = world.fire()  # nothing new: the cursor holds

    assert again.events == {EXPORT_SUCCEEDED: 0, EXPORT_FAILED: 0, EXPORT_DELAYED: 0}
    assert len(world.published()) == 2
    cursor = world.cursor("summer")
    assert cursor is not None
    assert cursor.reported <= {e["detail"]["runId"] for e in events}

    world.emulator.pass_nights(1)
    world.fire()
    assert world.kinds() == [EXPORT_SUCCEEDED] * 3  # the next night's run, once


def test_a_failed_run_names_adobes_error_and_the_activations_audiences(world: World) -> None:
    flow_id = world.activation("winter", SEGMENT)
    world.emulator.set_run_scenario(flow_id, "failed")
    world.emulator.pass_nights(1)

    world.fire()

    (event,) = world.published()
    assert event["detail-type"] == EXPORT_FAILED
    detail = event["detail"]
    assert (detail["status"], detail["outcome"]) == ("failed", "failed")
    assert detail["errors"] == [{"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}]
    # Adobe's failed run names no audience here: the activation's own are listed, uncounted.
    assert detail["audiences"] == [
        {"audienceId": SEGMENT, "records": None, "skipped": None, "name": "audience 9f7d"}
    ]
    assert detail["counts"] == {"records": None, "skipped": None, "files": None}


def test_a_late_run_is_delayed_once_then_reported_when_it_ends(world: World) -> None:
    flow_id = world.activation("late", SEGMENT)
    world.emulator.simulate_runs(late_by=4 * HOUR)
    world.emulator.set_run_scenario(flow_id, "late")
    world.emulator.advance_clock(60 + 2 * HOUR)  # started two hours ago: not late yet

    world.fire()
    assert world.kinds() == []

    world.emulator.advance_clock(HOUR)  # three hours: past 150 minutes
    world.fire()
    world.fire()
    assert world.kinds() == [EXPORT_DELAYED]
    delayed = world.published()[0]["detail"]
    assert (delayed["status"], delayed["runningMinutes"], delayed["thresholdMinutes"]) == (
        "inProgress",
        180,
        150,
    )
    # The counts so far, as the in-progress run gives them.
    assert delayed["audiences"] == [
        {"audienceId": SEGMENT, "records": 0, "skipped": 0, "name": "audience 9f7d"}
    ]

    world.emulator.advance_clock(HOUR)  # it ends four hours after its start
    world.fire()
    world.fire()
    assert world.kinds() == [EXPORT_DELAYED, EXPORT_SUCCEEDED]
    assert world.published()[1]["detail"]["runId"] == delayed["runId"]
    cursor = world.cursor("late")
    assert cursor is not None
    assert cursor.delayed == set()


def test_metrics_per_dataflow_and_per_audience(world: World) -> None:
    flow_id = world.activation("counted", SEGMENT, OTHER_SEGMENT)
    world.emulator.simulate_runs(skipped_records=1)
    world.emulator.set_run_scenario(flow_id, ["skipped", "failed"])
    world.emulator.pass_nights(2)

    world.fire()

    per_dataflow = [m for m in world.metrics if "audience" not in m]
    per_audience = [m for m in world.metrics if "audience" in m]
    assert [(m["ExportRunsSucceeded"], m["ExportRunsFailed"]) for m in per_dataflow] == [
        (1, 0),
        (0, 1),
    ]
    first = per_dataflow[0]
    assert (first["ExportRecords"], first["ExportRecordsSkipped"], first["ExportFiles"]) == (
        6,
        2,
        0,
    )
    assert "ExportRecords" not in per_dataflow[1]  # Adobe gave no count: none made up
    assert first["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["service"],
        ["service", "dataflow"],
    ]
    assert {m["dataflow"] for m in world.metrics} == {flow_id}
    assert sorted(
        (m["audience"], m["ExportRecords"], m["ExportRecordsSkipped"]) for m in per_audience
    ) == sorted([(SEGMENT, 3, 1), (OTHER_SEGMENT, 3, 1)])
    assert per_audience[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["service", "dataflow", "audience"]
    ]


def test_one_dataflows_trouble_never_stops_the_pass(world: World) -> None:
    broken = world.activation("broken", SEGMENT)
    fine = world.activation("fine", SEGMENT)
    world.activation("gone", SEGMENT, state=TORN_DOWN)  # torn down: not watched
    world.emulator.pass_nights(1)
    world.emulator.inject(Fault(FaultKind.STATUS, "GET", "/runs", status=500, contains=broken))

    report = world.fire()

    assert report.activations == 2
    assert report.errors == [
        {"activation": "prod/broken", "dataflowId": broken, "error": "FlowServiceUnavailable"}
    ]
    assert [e["detail"]["dataflowId"] for e in world.published()] == [fine]
    assert world.cursor("broken") is None  # nothing read: it starts from the same point
    assert any(m.get("ExportWatchErrors") == 1 for m in world.metrics)

    world.fire()  # the next pass catches up
    assert sorted(e["detail"]["dataflowId"] for e in world.published()) == sorted([fine, broken])


def test_bad_data_from_adobe_is_named_and_the_rest_reported(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    odd = world.activation("odd", SEGMENT)
    fine = world.activation("fine", SEGMENT)
    world.emulator.pass_nights(1)
    now_ms = int(world.emulator.clock() * 1000)
    body = {
        "items": [
            {"id": "no-status", "flowId": odd, "createdAt": now_ms, "metrics": {}},
            {
                "id": "odd-error",
                "flowId": odd,
                "createdAt": now_ms,
                "metrics": {"statusSummary": {"status": "failed", "errors": ["disk full"]}},
            },
        ]
    }
    world.emulator.inject(
        Fault(FaultKind.STATUS, "GET", "/runs", status=200, body=body, contains=odd)
    )

    report = world.fire()

    assert report.errors == []
    events = world.published()
    assert sorted((e["detail"]["dataflowId"], e["detail-type"]) for e in events) == sorted(
        [(fine, EXPORT_SUCCEEDED), (odd, EXPORT_FAILED)]
    )
    named = {r.__dict__.get("run"): r.__dict__.get("problems") for r in caplog.records}
    assert named["no-status"] == ("the run has no status (metrics.statusSummary.status)",)
    odd_event = next(e["detail"] for e in events if e["detail"]["dataflowId"] == odd)
    assert odd_event["problems"] == [
        "an error of an unknown shape",
        "the run failed without an error Adobe named",
    ]
    # Garbage instead of JSON: named by the client's error, the pass goes on.
    world.emulator.inject(Fault(FaultKind.GARBAGE, "GET", "/runs", contains=fine))
    assert world.fire().errors == [
        {"activation": "prod/fine", "dataflowId": fine, "error": "FlowServiceUnavailable"}
    ]


def test_a_cursor_that_cannot_be_read_is_named(world: World) -> None:
    world.activation("mangled", SEGMENT)
    ActivationRegistry(TABLE, client=world.dynamodb).set_export_cursor("prod", "mangled", "{")

    report = world.fire()

    assert report.errors == [
        {
            "activation": "prod/mangled",
            "dataflowId": report.errors[0]["dataflowId"],
            "error": "JSONDecodeError",
        }
    ]


def test_adobes_429_is_waited_out_as_retry_after_asks(world: World) -> None:
    flow_id = world.activation("throttled", SEGMENT)
    world.emulator.pass_nights(1)
    world.emulator.inject(
        Fault(FaultKind.STATUS, "GET", "/runs", status=429, retry_after="1", contains=flow_id)
    )

    report = world.fire()

    assert report.errors == []
    assert world.kinds() == [EXPORT_SUCCEEDED]
    assert sum(1 for r in world.emulator.requests if r.path.endswith("/runs")) == 2


def test_events_the_bus_refuses_keep_the_cursor_so_the_next_pass_reports_them(
    world: World,
) -> None:
    world.activation("refused", SEGMENT)
    world.emulator.pass_nights(1)

    report = world.fire(bus="no-such-bus")

    assert [e["activation"] for e in report.errors] == ["prod/refused"]
    assert world.cursor("refused") is None
    world.fire()
    assert world.kinds() == [EXPORT_SUCCEEDED]


def test_no_secret_in_events_metrics_or_logs(
    world: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    flow_id = world.activation("secretive", SEGMENT)
    world.emulator.set_run_scenario(flow_id, ["failed", "success"])
    world.emulator.pass_nights(2)
    world.emulator.inject(Fault(FaultKind.STATUS, "GET", "/runs", status=401, times=1))

    world.fire()

    text = json.dumps(world.published()) + json.dumps(world.metrics) + caplog.text
    text += capsys.readouterr().out
    secrets = [DEFAULT_CLIENT.client_secret, *world.emulator.issued_tokens()]
    assert all(secret not in text for secret in secrets)


def test_schedule_time_and_settings() -> None:
    assert scheduled_time_ms({"scheduledTime": "2026-12-07T01:00:00Z"}) == 1796605200000
    assert scheduled_time_ms({"scheduledTime": "<aws.scheduler.scheduled-time>"}) is None
    assert scheduled_time_ms({}) is None
    assert delay_minutes_from_env({}) == 150
    assert delay_minutes_from_env({"EXPORT_DELAYED_AFTER_MINUTES": "90"}) == 90
    with pytest.raises(ConfigurationError, match="EXPORT_DELAYED_AFTER_MINUTES"):
        delay_minutes_from_env({"EXPORT_DELAYED_AFTER_MINUTES": "soon"})


def test_a_run_listed_after_a_newer_one_is_still_reported_once(world: World) -> None:
    flow_id = world.activation("straggler", SEGMENT)
    world.emulator.pass_nights(1)
    world.fire()
    assert world.kinds() == [EXPORT_SUCCEEDED]
    # Adobe lists a run now whose creation time is ten minutes before the one reported.
    newest = world.published()[0]["detail"]["runId"]
    with world.emulator.store.lock:
        located = world.emulator.store.locate("runs", newest)
        assert located is not None
        reported_created = located[1]["createdAt"]
    late = world.emulator.add_run(flow_id)
    with world.emulator.store.lock:
        located = world.emulator.store.locate("runs", late["id"])
        assert located is not None
        located[1]["createdAt"] = reported_created - 600_000

    world.fire()
    world.fire()

    assert world.kinds() == [EXPORT_SUCCEEDED, EXPORT_SUCCEEDED]
    assert world.published()[1]["detail"]["runId"] == late["id"]


def test_a_dataflow_made_anew_under_the_activation_is_watched_from_its_start(
    world: World,
) -> None:
    world.activation("remade", SEGMENT)
    world.emulator.pass_nights(1)
    world.fire()
    replacement = world.flow(SEGMENT)
    world.dynamodb.update_item(
        TableName=TABLE,
        Key={KEY: {"S": "prod/remade"}},
        UpdateExpression="SET dataflowId = :id",
        ExpressionAttributeValues={":id": {"S": replacement}},
    )
    world.emulator.pass_nights(1)

    world.fire()

    # (The emulator dates a flow by real time and its runs by its advanced clock: the new
    # flow has run twice by then.)
    later = [e["detail"]["dataflowId"] for e in world.published()][1:]
    assert later == [replacement] * 2
    cursor = world.cursor("remade")
    assert cursor is not None
    assert cursor.dataflow_id == replacement


class _Context:
    """Lambda's context as the budget reads it: so much time left."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_a_pass_out_of_time_leaves_the_rest_to_the_next_pass(world: World) -> None:
    world.activation("first", SEGMENT)
    world.activation("second", SEGMENT)
    world.emulator.pass_nights(1)
    token = budget.begin(_Context(20_000))  # less than the 30 s a pass keeps in hand
    try:
        report = world.fire()
    finally:
        budget.end(token)

    assert (report.left_for_next_pass, report.dataflows_read) == (2, 0)
    assert world.kinds() == []
    assert world.cursor("first") is None

    report = world.fire()  # in time: both reported
    assert (report.left_for_next_pass, report.dataflows_read) == (0, 2)
    assert world.kinds() == [EXPORT_SUCCEEDED] * 2


def test_a_sandbox_without_a_client_fails_its_dataflows_only(world: World) -> None:
    world.activation("here", SEGMENT)
    world.activation("elsewhere", SEGMENT, sandbox="dev")
    world.emulator.pass_nights(1)
    watch = world.watch()

    def client_for(sandbox: str) -> Any:
        if sandbox == "dev":
            raise ConfigurationError("no credentials for this sandbox")
        return world.make_client(sandbox)

    watch.flow_service_for = client_for
    report = watch.run_pass(int(world.emulator.clock() * 1000))

    assert [e["activation"] for e in report.errors] == ["dev/elsewhere"]
    assert report.errors[0]["error"] == "ConfigurationError"
    assert [e["detail"]["activation"] for e in world.published()] == ["here"]
