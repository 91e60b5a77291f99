"""The export watch in template.yaml: its schedule (rate parameter, off switch, the pass's
time as Scheduler's context attribute), a role that may only invoke the watch, one pass at a
time, and one alarm per kind over every dataflow, reaching the alarm topic."""

from __future__ import annotations

from typing import Any

from local.runtime.template import parse_template_text
from tests.statemachine.harness import REPOSITORY
from tests.watch.conftest import assert_scheduled_watch

TEMPLATE = parse_template_text((REPOSITORY / "template.yaml").read_text(encoding="utf-8"))
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def test_the_schedule_runs_the_watch_at_the_parameters_rate_with_an_off_switch() -> None:
    parameters = TEMPLATE["Parameters"]
    assert parameters["ExportWatchRateMinutes"]["Default"] == 15
    assert parameters["ExportWatchEnabled"]["AllowedValues"] == ["true", "false"]
    assert parameters["ExportDelayedAfterMinutes"]["Default"] == 150
    schedule = RESOURCES["ExportWatchSchedule"]
    assert schedule["Type"] == "AWS::Scheduler::Schedule"
    trust = assert_scheduled_watch(TEMPLATE, "ExportWatch")
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_one_pass_at_a_time_reading_the_registry_and_reporting_on_the_result_bus() -> None:
    watch = RESOURCES["ExportWatchFunction"]["Properties"]
    # One pass at a time while the watch is on (no reservation while it is off).
    assert watch["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ExportWatchOn", 1, {"Ref": "AWS::NoValue"}]
    }
    variables = watch["Environment"]["Variables"]
    assert variables["ACTIVATION_REGISTRY_TABLE"] == {"Ref": "ActivationRegistryTable"}
    assert variables["RESULT_EVENT_BUS"] == {"Ref": "AudienceResultBus"}
    assert variables["EXPORT_DELAYED_AFTER_MINUTES"] == {"Ref": "ExportDelayedAfterMinutes"}
    (statements,) = [p["Statement"] for p in watch["Policies"]]
    by_sid = {s["Sid"]: s for s in statements}
    assert set(by_sid["ReadRegistryKeepCursors"]["Action"]) == {
        "dynamodb:Scan",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    }
    assert by_sid["ReadRegistryKeepCursors"]["Resource"] == {
        "Fn::GetAtt": ["ActivationRegistryTable", "Arn"]
    }


def test_one_alarm_on_failed_and_one_on_delayed_exports_over_every_dataflow() -> None:
    alarms = {
        name: r["Properties"]
        for name, r in RESOURCES.items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"].get("MetricName") in ("ExportRunsFailed", "ExportRunsDelayed")
    }
    assert sorted(a["MetricName"] for a in alarms.values()) == [
        "ExportRunsDelayed",
        "ExportRunsFailed",
    ]
    for alarm in alarms.values():
        # The stack-wide series: one page for a bad night, not one per dataflow or audience.
        assert alarm["Dimensions"] == [{"Name": "service", "Value": "aep-activation"}]
        assert (alarm["Namespace"], alarm["Statistic"], alarm["Threshold"]) == (
            "AepActivation",
            "Sum",
            0,
        )
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"
        # The message says where to find which one: the event and the dataflow dimension.
        assert '"dataflow" dimension' in alarm["AlarmDescription"]
        assert "event on the result bus" in alarm["AlarmDescription"]
