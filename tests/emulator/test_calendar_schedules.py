"""The emulator holds Adobe's rules for WEEKLY and MONTHLY schedules (full files only, at a
start time, on startDate's weekday or day of the month)."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import Emulator
from tests.emulator.helpers import Api
from tests.support.flows import segment_selectors
from tests.support.payloads import add_segment, segment_value


def patched(api: Api, overrides: dict[str, Any]) -> tuple[Any, str]:
    created = api.s3_flow()
    value = segment_value(**overrides)
    value["schedule"] = {k: v for k, v in value["schedule"].items() if v is not None}
    return api.patch(f"/flows/{created['id']}", [add_segment(value)], created["etag"]), created[
        "id"
    ]


@pytest.mark.parametrize("frequency", ["WEEKLY", "MONTHLY"])
def test_a_weekly_or_monthly_full_export_is_accepted(emulator: Emulator, frequency: str) -> None:
    api = Api(emulator)

    answer, flow_id = patched(api, {"schedule": {"frequency": frequency, "endDate": "2022-06-30"}})

    assert answer.status_code == 200, answer.text
    (held,) = segment_selectors(api.flow(flow_id))
    assert held["value"]["schedule"]["frequency"] == frequency


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        (
            {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "schedule": {"frequency": "WEEKLY"}},
            "frequency",
            "FIRST_FULL_THEN_INCREMENTAL takes one of",
        ),
        (
            {
                "schedule": {
                    "frequency": "MONTHLY",
                    "triggerType": "AFTER_SEGMENT_EVAL",
                    "startTime": None,
                }
            },
            "triggerType",
            "MONTHLY exports run SCHEDULED at startTime",
        ),
        (
            {"schedule": {"frequency": "WEEKLY", "dayOfWeek": "MONDAY"}},
            "dayOfWeek",
            "WEEKLY follows startDate",
        ),
        (
            {"schedule": {"frequency": "MONTHLY", "dayOfMonth": 15}},
            "dayOfMonth",
            "MONTHLY follows startDate",
        ),
        (
            {"schedule": {"frequency": "WEEKLY", "startTime": None}},
            "startTime",
            "required with triggerType SCHEDULED",
        ),
        (
            {"schedule": {"frequency": "MONTHLY", "endDate": "2021-12-01"}},
            "endDate",
            "must not be before startDate",
        ),
    ],
)
def test_weekly_and_monthly_rules_are_held(
    emulator: Emulator, overrides: dict[str, Any], field: str, rule: str
) -> None:
    api = Api(emulator)

    answer, flow_id = patched(api, overrides)

    assert answer.status_code == 400
    text = answer.text
    assert f"schedule.{field}" in text, text
    assert rule in text, text
    assert segment_selectors(api.flow(flow_id)) == []
