"""WEEKLY and MONTHLY full exports through the real state machine, and a bad one refused
before any call."""

from __future__ import annotations

from tests.statemachine.harness import Machine, assert_flow_holds, example
from tests.support.flows import flow_audiences


def test_weekly_and_monthly_full_exports_are_activated(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    for audience, frequency in zip(request["audiences"], ("WEEKLY", "MONTHLY"), strict=True):
        audience["exportMode"] = "DAILY_FULL_EXPORT"
        audience["schedule"] = {
            "frequency": frequency,
            "triggerType": "SCHEDULED",
            "startDate": "2030-06-03",
            "startTime": "05:00",
            "endDate": "2030-12-31",
        }

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    flow = machine.only_flow()
    assert_flow_holds(flow, request)
    held = {a["id"]: a["schedule"]["frequency"] for a in flow_audiences(flow)}
    assert sorted(held.values()) == ["MONTHLY", "WEEKLY"]


def test_a_weekly_incremental_export_is_refused_before_any_call(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    request["audiences"][1]["schedule"]["frequency"] = "WEEKLY"  # FIRST_FULL_THEN_INCREMENTAL

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "InvalidActivationRequest"
    assert "audiences.1.schedule.frequency" in (result.cause or "")
    assert "WEEKLY exports full files only" in (result.cause or "")
    assert [c for c in machine.emulator.requests if not c.path.endswith("/ims/token/v3")] == []
