"""The export watch's scheduled pass: Adobe calls and time for N registered dataflows, each
with one new nightly run, every Adobe answer after a latency L (the local runtime fires the
template's schedule as EventBridge Scheduler would)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from aep_activation.registry import (
    ACTIVE,
    DATAFLOW_ID,
    KEY,
    NAME,
    REQUEST,
    SANDBOX,
    STATE,
    UPDATED_AT,
    registry_key,
)
from local.emulator import DEFAULT_CLIENT, Emulator
from local.emulator.faults import Fault
from local.runtime import LocalDeployment

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
AMAZON_S3 = "4890fc95-5a1f-4983-94bb-e060c08e3f81"
FILE_STORAGE_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"
AUDIENCE = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"
HOUR = 3600.0


@dataclass(frozen=True)
class WatchPass:
    dataflows: int  # registered and ACTIVE
    calls: int  # every Adobe call of the pass (IMS included)
    runs_calls: int  # GET /runs among them
    reported: int  # export events published
    seconds: float  # the function's invocation


class _Adobe:
    """Just enough Flow Service calls to set up many dataflows (legacy S3 card)."""

    def __init__(self, emulator: Emulator) -> None:
        self.base = emulator.platform_url
        token = requests.post(
            f"{emulator.ims_url}/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT.client_id,
                "client_secret": DEFAULT_CLIENT.client_secret,
                "scope": "openid,AdobeID",
            },
            timeout=10,
        ).json()["access_token"]
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "x-api-key": DEFAULT_CLIENT.client_id,
                "x-gw-ims-org-id": DEFAULT_CLIENT.org_id,
                "x-sandbox-name": "prod",
            }
        )

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.post(self.base + path, json=body, timeout=10)
        answer.raise_for_status()
        return dict(answer.json())

    def activated_flow(self, name: str, source: str, target: str) -> str:
        flow = self.create(
            "/flows",
            {
                "name": name,
                "flowSpec": {"id": FILE_STORAGE_FLOW_SPEC, "version": "1.0"},
                "sourceConnectionIds": [source],
                "targetConnectionIds": [target],
                "transformations": [
                    {
                        "name": "GeneralTransform",
                        "params": {
                            "segmentSelectors": {"selectors": []},
                            "profileSelectors": {"selectors": []},
                        },
                    }
                ],
            },
        )
        audience = {
            "id": AUDIENCE,
            "name": "Interested in Mountain Biking",
            "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%",
            "exportMode": "DAILY_FULL_EXPORT",
            "schedule": {
                "frequency": "DAILY",
                "triggerType": "SCHEDULED",
                "startDate": "2026-12-20",
                "startTime": "17:00",
            },
        }
        answer = self.session.patch(
            f"{self.base}/flows/{flow['id']}",
            json=[
                {
                    "op": "add",
                    "path": "/transformations/0/params/segmentSelectors/selectors/-",
                    "value": {"type": "PLATFORM_SEGMENT", "value": audience},
                }
            ],
            headers={"If-Match": flow["etag"]},
            timeout=10,
        )
        answer.raise_for_status()
        return str(flow["id"])

    def connections(self) -> tuple[str, str]:
        spec = {"id": PROFILE_STORE, "version": "1.0"}
        base = self.create("/connections", {"name": "Profile Store", "connectionSpec": spec})
        source = self.create(
            "/sourceConnections",
            {
                "name": "Profile Store source",
                "connectionSpec": spec,
                "baseConnectionId": base["id"],
                "data": {"format": "CSV", "schema": None},
                "params": {},
            },
        )
        s3 = {"id": AMAZON_S3, "version": "1.0"}
        s3_base = self.create(
            "/connections",
            {
                "name": "Amazon S3",
                "connectionSpec": s3,
                "auth": {
                    "specName": "Access Key",
                    "params": {"s3AccessKey": "AKIAFAKEFAKEFAKE", "s3SecretKey": "fake/secret"},
                },
            },
        )
        target = self.create(
            "/targetConnections",
            {
                "name": "Amazon S3 target",
                "baseConnectionId": s3_base["id"],
                "connectionSpec": s3,
                "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
                "params": {
                    "mode": "S3",
                    "bucketName": "acme-exports",
                    "path": "aep",
                    "format": "CSV",
                },
            },
        )
        return str(source["id"]), str(target["id"])


def measure_watch_pass(latency: float, dataflows: int) -> WatchPass:
    """A warm pass (its container and token from an earlier pass) over ``dataflows``
    registered dataflows, each with one new run to report."""
    with (
        Emulator() as emulator,
        LocalDeployment.against(emulator, TEMPLATE, skip_sleeps=True) as stack,
    ):
        for function in stack.template.functions:
            name = stack.function_environment(function).get("ADOBE_CREDENTIALS_SECRET")
            if name:
                stack.seed_secret(name, DEFAULT_CLIENT.credentials())
                break
        emulator.simulate_runs(first_run_after=HOUR, run_every=86400, profiles=1)
        adobe = _Adobe(emulator)
        source, target = adobe.connections()
        dynamodb, table = stack.client("dynamodb"), stack.physical("ActivationRegistryTable")
        applied = datetime.fromtimestamp(emulator.clock(), UTC).isoformat()
        for number in range(dataflows):
            name = f"bench-{number}"
            flow_id = adobe.activated_flow(name, source, target)
            dynamodb.put_item(
                TableName=table,
                Item={
                    KEY: {"S": registry_key("prod", name)},
                    SANDBOX: {"S": "prod"},
                    NAME: {"S": name},
                    STATE: {"S": ACTIVE},
                    DATAFLOW_ID: {"S": flow_id},
                    UPDATED_AT: {"S": applied.replace("+00:00", "Z")},
                    REQUEST: {"S": json.dumps({"name": name, "sandbox": "prod"})},
                },
            )
        stack.fire_schedule(at=emulator.clock())  # warm: nothing to report yet
        emulator.advance_clock(2 * HOUR)  # every dataflow's first run has happened
        if latency > 0:
            emulator.inject(Fault.latency(latency, times=None))
        emulator.clear_requests()
        invocation = stack.fire_schedule(at=emulator.clock())
        if invocation.failed:
            raise RuntimeError(f"the watch's pass failed: {invocation.error_message}")
        calls = emulator.requests
        return WatchPass(
            dataflows=int(invocation.result["activations"]),
            calls=len(calls),
            runs_calls=sum(1 for r in calls if r.path.endswith("/runs")),
            reported=sum(int(v) for v in invocation.result["events"].values()),
            seconds=invocation.ended - invocation.started,
        )


DATAFLOWS = 100

Cells = tuple[str, str, str, float | None, str, bool | None]


def watch_rows(latency: float, dataflows: int = DATAFLOWS) -> list[Cells]:
    """The bench table's rows (figure, project, reference, ratio, target, met)."""
    from aep_activation.watch_pass import WORKERS

    measured = measure_watch_pass(latency, dataflows)
    per_dataflow = measured.calls / measured.dataflows
    floor = measured.dataflows * latency / WORKERS
    return [
        (
            f"export watch: Adobe calls per scheduled pass ({measured.dataflows} dataflows, "
            "a new run each, warm)",
            f"{measured.calls} ({measured.runs_calls} GET /runs)",
            "1 per dataflow",
            per_dataflow,
            "<= 1.0x",
            per_dataflow <= 1.0,
        ),
        (
            f"export watch: one pass over {measured.dataflows} dataflows at L={latency}s "
            f"({WORKERS} read at once, {measured.reported} events)",
            f"{measured.seconds:.2f} s",
            f"{measured.dataflows} x L / {WORKERS} = {floor:.2f} s",
            measured.seconds / floor if floor else None,
            "-",
            None,
        ),
    ]
