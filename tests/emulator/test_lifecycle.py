"""Emulator surface for the lifecycle: flow state actions, concurrent UI edits, simulated runs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import requests

from local.emulator import Emulator, Fault
from tests.emulator.helpers import Api
from tests.support.flows import segment_selectors
from tests.support.payloads import add_attribute, add_segment, segment_value

OTHER_SEGMENT = "0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b"


def action(api: Api, flow_id: str, op: str, etag: str | None = None) -> Any:
    headers = {"If-Match": etag} if etag else {}
    return api.request(
        "POST",
        f"/flows/{flow_id}/action",
        params={"op": op},
        headers={"Content-Type": "application/json", **headers},
    )


def activated_flow(api: Api, *segments: str) -> dict[str, Any]:
    created = api.s3_flow()
    operations = [add_segment(segment_value(s)) for s in segments]
    operations += [add_attribute("person.name.firstName"), add_attribute("personalEmail.address")]
    answer = api.patch(f"/flows/{created['id']}", operations, created["etag"])
    assert answer.status_code == 200, answer.text
    return api.flow(created["id"])


def test_disable_and_enable_change_the_state_and_the_etag(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    disabled = action(api, created["id"], "DISABLE", created["etag"])

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["etag"] != created["etag"]
    assert api.flow(created["id"])["state"] == "disabled"
    assert action(api, created["id"], "ENABLE").status_code == 200  # If-Match is optional
    assert api.flow(created["id"])["state"] == "enabled"


def test_an_action_with_a_stale_etag_is_412_and_an_unknown_op_400(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    emulator.bump_etag(created["id"])

    assert action(api, created["id"], "DISABLE", created["etag"]).status_code == 412
    assert action(api, created["id"], "PUBLISH").status_code == 400
    assert action(api, "0d2b1a4e-0000-4f2a-9a0b-3c4d5e6f7a8b", "DISABLE").status_code == 404
    assert api.flow(created["id"])["state"] == "enabled"


def test_an_edit_flow_fault_applies_a_concurrent_edit_before_the_request(
    emulator: Emulator,
) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    emulator.inject(Fault.edit_flow([add_segment(segment_value(OTHER_SEGMENT))]))

    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])

    assert answer.status_code == 412
    flow = api.flow(created["id"])
    assert [s["value"]["id"] for s in segment_selectors(flow)] == [OTHER_SEGMENT]
    assert segment_selectors(flow)[0]["value"]["createTime"]  # enriched as Adobe does


def test_a_scheduled_first_run_falls_due_on_the_emulators_clock(
    emulator: Emulator, tmp_path: Path
) -> None:
    api = Api(emulator)
    emulator.simulate_runs(first_run_after=600, export_dir=tmp_path, row_limit=2, profiles=5)
    flow = activated_flow(api, "9f7d37fd-7039-4454-94ef-2b0cd6c3206a", OTHER_SEGMENT)
    query = {"property": f"flowId=={flow['id']}"}

    assert api.get("/runs", params=query).json()["items"] == []
    emulator.advance_clock(599)
    assert api.get("/runs", params=query).json()["items"] == []
    emulator.advance_clock(2)
    (run,) = api.get("/runs", params=query).json()["items"]

    metrics = run["metrics"]
    assert metrics["statusSummary"]["status"] == "success"
    assert metrics["recordSummary"]["outputRecordCount"] == 10
    assert metrics["fileSummary"]["outputFileCount"] == 6  # 5 rows at 2 a file, per audience
    assert api.get("/runs", params=query).json()["items"] == [run]  # the first run, once
    names = sorted(p.name for p in (tmp_path / flow["id"]).iterdir())
    assert len(names) == 6
    first = sorted(n for n in names if OTHER_SEGMENT in n)
    base = first[0].removesuffix(".csv")
    assert first == [f"{base}.csv", f"{base}_2.csv", f"{base}_3.csv"]
    with (tmp_path / flow["id"] / first[0]).open(encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["person.name.firstName", "personalEmail.address"]
    assert len(rows) == 2
    assert sorted(p.name for p in emulator.exported_files) == names


def test_a_disabled_or_empty_flow_does_not_run_and_a_failed_run_writes_nothing(
    emulator: Emulator, tmp_path: Path
) -> None:
    api = Api(emulator)
    emulator.simulate_runs(first_run_after=0, export_dir=tmp_path, run_outcome="failed")
    empty = api.s3_flow()
    disabled = activated_flow(api, OTHER_SEGMENT)
    assert action(api, disabled["id"], "DISABLE").status_code == 200
    failing = activated_flow(api, OTHER_SEGMENT)

    items = api.get("/runs").json()["items"]

    assert [run["flowId"] for run in items] == [failing["id"]]
    assert empty["id"] not in [run["flowId"] for run in items]
    summary = items[0]["metrics"]["statusSummary"]
    assert summary["status"] == "failed"
    assert summary["errors"] == [
        {"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}
    ]
    assert list(tmp_path.iterdir()) == []


def test_runs_settings_and_the_clock_over_http(emulator: Emulator) -> None:
    base = f"{emulator.url}/__admin"

    settings = requests.post(
        f"{base}/runs/config", json={"firstRunAfter": 5, "rowLimit": 10}, timeout=5
    ).json()
    assert settings["firstRunAfter"] == 5
    assert settings["rowLimit"] == 10
    before = emulator.clock()
    now = requests.post(f"{base}/clock", json={"advanceSeconds": 3600}, timeout=5).json()["now"]
    assert now >= before + 3600
    assert requests.post(f"{base}/runs/config", json={"rowLimit": 0}, timeout=5).status_code == 400
