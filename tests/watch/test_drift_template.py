"""The drift watch in template.yaml: off by default (its schedule DISABLED), a rate parameter,
a schedule role that may only invoke the drift watch, one pass at a time, and a function that
may read the registry and the secrets a plan reads, put events on the result bus, and nothing
else: it writes nothing, neither to the registry nor (by its code) to Adobe."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import Emulator
from local.runtime import LocalDeployment
from local.runtime.template import parse_template_text
from tests.statemachine.harness import REPOSITORY
from tests.watch.conftest import assert_scheduled_watch

TEMPLATE = parse_template_text((REPOSITORY / "template.yaml").read_text(encoding="utf-8"))
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def test_the_schedule_is_disabled_unless_switched_on_at_the_parameters_rate() -> None:
    parameters = TEMPLATE["Parameters"]
    assert parameters["DriftWatchEnabled"]["Default"] == "false"
    assert parameters["DriftWatchEnabled"]["AllowedValues"] == ["true", "false"]
    assert parameters["DriftWatchRateMinutes"]["Default"] == 60
    assert_scheduled_watch(TEMPLATE, "DriftWatch")


def test_the_drift_watch_reads_the_registry_and_puts_on_the_result_bus_only() -> None:
    watch = RESOURCES["DriftWatchFunction"]["Properties"]
    # One pass at a time while the watch is on (no reservation while it is off).
    assert watch["ReservedConcurrentExecutions"] == {
        "Fn::If": ["DriftWatchOn", 1, {"Ref": "AWS::NoValue"}]
    }
    variables = watch["Environment"]["Variables"]
    assert variables["ACTIVATION_REGISTRY_TABLE"] == {"Ref": "ActivationRegistryTable"}
    assert variables["RESULT_EVENT_BUS"] == {"Ref": "AudienceResultBus"}
    (statements,) = [p["Statement"] for p in watch["Policies"]]
    actions = {s["Sid"]: s["Action"] for s in statements}
    assert actions["ReadRegistry"] == "dynamodb:Scan"  # no UpdateItem: it keeps nothing
    assert actions["ReportDrift"] == "events:PutEvents"
    assert not any("dynamodb:" in str(a) and a != "dynamodb:Scan" for a in actions.values())


def test_off_by_default_the_schedule_invokes_nothing(emulator: Emulator) -> None:
    with LocalDeployment.against(emulator, REPOSITORY / "template.yaml") as default:
        with pytest.raises(RuntimeError, match="DISABLED"):
            default.fire_schedule("DriftWatchSchedule")
        assert default.invocations == []
