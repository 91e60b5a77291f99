"""Runs that tell a story: nightly scheduled runs, and a scenario per dataflow that makes its
runs fail with Adobe's error, run late, or skip records (a test and demo control)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import requests

from local.emulator import Emulator
from tests.emulator.helpers import Api

OTHER_SEGMENT = "0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b"
SEGMENT = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"


def runs_of(api: Api, flow_id: str) -> list[dict[str, Any]]:
    answer = api.get("/runs", params={"property": f"flowId=={flow_id}", "limit": 100})
    assert answer.status_code == 200, answer.text
    return sorted(answer.json()["items"], key=lambda run: run["createdAt"])


def status(run: dict[str, Any]) -> str:
    return str(run["metrics"]["statusSummary"]["status"])


def test_scheduled_runs_come_every_night(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.simulate_runs(first_run_after=60, run_every=86400)
    flow_id = api.nightly_flow(SEGMENT)

    emulator.pass_nights(3)

    runs = runs_of(api, flow_id)
    assert [status(run) for run in runs] == ["success"] * 3
    starts = [run["metrics"]["durationSummary"]["startedAtUTC"] for run in runs]
    assert [b - a for a, b in itertools.pairwise(starts)] == [86_400_000] * 2
    emulator.pass_nights(1)
    assert len(runs_of(api, flow_id)) == 4  # and the next night one more, not all again


def test_without_run_every_only_the_first_run_comes(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.simulate_runs(first_run_after=60)
    flow_id = api.nightly_flow(SEGMENT)

    emulator.pass_nights(3)

    assert len(runs_of(api, flow_id)) == 1


def test_a_scenario_fails_delays_and_skips_runs_as_adobe_shapes_them(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.simulate_runs(first_run_after=60, run_every=86400, profiles=5, skipped_records=2)
    flow_id = api.nightly_flow(SEGMENT, OTHER_SEGMENT)
    other = api.nightly_flow(SEGMENT)
    assert emulator.set_run_scenario(flow_id, ["failed", "skipped", "late"]) == [
        "failed",
        "skipped",
        "late",
    ]

    emulator.pass_nights(2)
    emulator.advance_clock(60 + 3600)  # the third run started an hour ago

    failed, skipped, late = runs_of(api, flow_id)
    assert failed["metrics"]["statusSummary"]["errors"] == [
        {"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}
    ]
    records = skipped["metrics"]["recordSummary"]
    assert (records["outputRecordCount"], records["skippedRecordCount"]) == (10, 4)
    assert records["skippedInfo"] == [
        {
            "code": "ACTIVATION_BATCH-0000-SKIP",
            "message": "Records didn't match attribute filter.",
            "count": 4,
        }
    ]
    [source] = records["sourceSummaries"]
    assert [(e["id"], e["skippedRecordCount"]) for e in source["entitySummaries"]] == [
        (f"segment:{SEGMENT}", 2),
        (f"segment:{OTHER_SEGMENT}", 2),
    ]
    [target] = records["targetSummaries"]
    assert [e["outputRecordCount"] for e in target["entitySummaries"]] == [5, 5]
    assert status(late) == "inProgress"
    assert "completedAtUTC" not in late["metrics"]["durationSummary"]
    assert [status(run) for run in runs_of(api, other)] == ["success"] * 3  # its own story

    emulator.advance_clock(3 * 3600)  # four hours after its start: the late run has ended

    ended = runs_of(api, flow_id)[2]
    assert (ended["id"], status(ended)) == (late["id"], "success")
    duration = ended["metrics"]["durationSummary"]
    assert duration["completedAtUTC"] - duration["startedAtUTC"] == 4 * 3600 * 1000
    assert ended["metrics"]["recordSummary"]["outputRecordCount"] == 10


def test_one_outcome_is_every_runs_and_none_forgets_it(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.simulate_runs(first_run_after=60, run_every=86400)
    flow_id = api.nightly_flow(SEGMENT)
    emulator.set_run_scenario(flow_id, "failed")
    emulator.pass_nights(2)
    assert len(runs_of(api, flow_id)) == 2  # runs are made when someone looks
    emulator.set_run_scenario(flow_id, None)
    emulator.pass_nights(1)

    assert [status(run) for run in runs_of(api, flow_id)] == ["failed", "failed", "success"]


def test_the_controls_answer_over_http_and_refuse_an_unknown_outcome(emulator: Emulator) -> None:
    api = Api(emulator)
    settings = requests.post(
        f"{emulator.url}/__admin/runs/config",
        json={"firstRunAfter": 60, "runEvery": 86400, "lateBy": 10800, "skippedRecords": 1},
        timeout=5,
    ).json()
    assert (settings["runEvery"], settings["lateBy"], settings["skippedRecords"]) == (
        86400,
        10800,
        1,
    )
    flow_id = api.nightly_flow(SEGMENT)
    answer = requests.post(
        f"{emulator.url}/__admin/runs/scenario",
        json={"flowId": flow_id, "scenario": ["success", "failed"]},
        timeout=5,
    )
    assert answer.json() == {"flowId": flow_id, "scenario": ["success", "failed"]}
    refused = requests.post(
        f"{emulator.url}/__admin/runs/scenario",
        json={"flowId": flow_id, "scenario": "exploded"},
        timeout=5,
    )
    assert refused.status_code == 400
    assert "exploded" in refused.json()["message"]
    assert "late" in refused.json()["message"]

    requests.post(f"{emulator.url}/__admin/runs/nights", json={"nights": 2}, timeout=5)

    assert [status(run) for run in runs_of(api, flow_id)] == ["success", "failed"]


def test_pass_nights_fires_a_callback_after_every_step(emulator: Emulator) -> None:
    seen: list[float] = []
    emulator.pass_nights(1, step=3600, each=lambda: seen.append(emulator.clock()))
    assert len(seen) == 24
    with pytest.raises(ValueError, match="nights"):
        emulator.pass_nights(-1)
