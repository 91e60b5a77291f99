"""The export watch's template parameters: the rate, and the off switch that leaves the
schedule DISABLED (so it invokes nothing)."""

from __future__ import annotations

import pytest

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.statemachine.harness import REPOSITORY

SCHEDULE = "ExportWatchSchedule"


def test_off_means_the_schedule_invokes_nothing(emulator: Emulator) -> None:
    with LocalDeployment.against(
        emulator,
        REPOSITORY / "template.yaml",
        parameter_overrides={"ExportWatchEnabled": "false", "ExportWatchRateMinutes": "30"},
    ) as off:
        assert off.schedule_expression(SCHEDULE) == "rate(30 minutes)"
        with pytest.raises(RuntimeError, match="DISABLED"):
            off.fire_schedule(SCHEDULE)
        assert off.invocations == []
