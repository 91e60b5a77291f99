"""WEEKLY and MONTHLY schedules: full-file exports on startDate's weekday or day of the month.

Adobe's newer documents list them beside the hourly and daily frequencies (the Destination SDK
batch configuration's ``allowedScheduleFrequency``) and describe them under "Export full
files" (activate audiences to batch profile export destinations): the start date fixes the
day, exports run until the end date. Each rule below is refused before any call, naming the
field and the rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.dataflow_diff import audience_selector
from aep_activation.request import parse_activation_request
from aep_activation.request_schema import activation_request_json_schema
from tests.support.corpus import TODAY, refusals

S0 = "audiences.0.schedule"
CALENDAR = ["WEEKLY", "MONTHLY"]


def with_schedule(body: dict[str, Any], export_mode: str, **schedule: Any) -> dict[str, Any]:
    audience = body["audiences"][0]
    audience["exportMode"] = export_mode
    audience["schedule"] = {"startDate": "2030-06-05", **schedule}
    return body


def calendar_schedule(body: dict[str, Any], frequency: str, **changes: Any) -> dict[str, Any]:
    """A valid full export on ``frequency`` (scheduled at 06:00 from 2030-06-05), changed."""
    return with_schedule(
        body,
        "DAILY_FULL_EXPORT",
        frequency=frequency,
        triggerType="SCHEDULED",
        startTime="06:00",
        **changes,
    )


@pytest.mark.parametrize("frequency", CALENDAR)
def test_a_full_export_weekly_or_monthly_at_a_start_time_is_accepted(
    body: dict[str, Any], frequency: str
) -> None:
    with_schedule(
        body,
        "DAILY_FULL_EXPORT",
        frequency=frequency,
        triggerType="SCHEDULED",
        startTime="07:00",
        endDate="2030-12-31",
    )

    request = parse_activation_request(body, today=TODAY)

    schedule = request.audiences[0].schedule
    assert schedule.frequency == frequency
    # What Adobe receives: the frequency with the start date that fixes the day.
    sent = audience_selector(request.audiences[0])["value"]["schedule"]
    assert sent["frequency"] == frequency
    assert sent["startDate"] == "2030-06-05"
    assert sent["startTime"] == "07:00"


@pytest.mark.parametrize("frequency", CALENDAR)
def test_an_end_date_is_optional_as_for_daily(body: dict[str, Any], frequency: str) -> None:
    with_schedule(
        body, "DAILY_FULL_EXPORT", frequency=frequency, triggerType="SCHEDULED", startTime="00:00"
    )
    assert parse_activation_request(body, today=TODAY).audiences[0].schedule.end_date is None


@pytest.mark.parametrize("frequency", CALENDAR)
@pytest.mark.parametrize(
    ("export_mode", "schedule", "field", "rules"),
    [
        pytest.param(
            "FIRST_FULL_THEN_INCREMENTAL",
            {"startTime": "06:00"},
            "frequency",
            ["{frequency} exports full files only", "use exportMode DAILY_FULL_EXPORT"],
            id="full-files-only",
        ),
        pytest.param(
            "DAILY_FULL_EXPORT",
            {"triggerType": "AFTER_SEGMENT_EVAL"},
            "triggerType",
            ["must be SCHEDULED with frequency {frequency}"],
            id="not-after-segment-evaluation",
        ),
        pytest.param(
            "DAILY_FULL_EXPORT",
            {"triggerType": "SCHEDULED"},
            "startTime",
            ["is required when triggerType is SCHEDULED"],
            id="needs-a-start-time",
        ),
        pytest.param(
            "DAILY_FULL_EXPORT",
            {"startTime": "06:00"},
            "triggerType",
            ["is required with exportMode DAILY_FULL_EXPORT"],
            id="needs-a-trigger-type",
        ),
    ],
)
def test_weekly_and_monthly_rules_are_refused_naming_the_field(
    body: dict[str, Any],
    frequency: str,
    export_mode: str,
    schedule: dict[str, str],
    field: str,
    rules: list[str],
) -> None:
    with_schedule(body, export_mode, frequency=frequency, **schedule)

    (error,) = refusals(body)

    assert error["path"] == f"{S0}.{field}"
    for rule in rules:
        assert rule.format(frequency=frequency) in error["message"]


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("dayOfWeek", "MONDAY", "WEEKLY exports run on startDate's weekday"),
        ("dayOfMonth", 15, "MONTHLY exports run on startDate's day of the month"),
    ],
)
def test_the_day_comes_from_the_start_date_not_a_field_of_its_own(
    body: dict[str, Any], field: str, value: Any, rule: str
) -> None:
    frequency = "WEEKLY" if field == "dayOfWeek" else "MONTHLY"
    calendar_schedule(body, frequency, **{field: value})

    (error,) = refusals(body)

    assert error["path"] == f"{S0}.{field}"
    assert rule in error["message"]
    assert "set startDate" in error["message"]


@pytest.mark.parametrize("frequency", CALENDAR)
def test_the_end_date_may_not_precede_the_start_date(body: dict[str, Any], frequency: str) -> None:
    calendar_schedule(body, frequency, endDate="2030-06-04")

    (error,) = refusals(body)

    assert error["path"] == f"{S0}.endDate"
    assert "must not be before startDate" in error["message"]


@pytest.mark.parametrize("frequency", CALENDAR)
def test_the_start_date_may_not_be_in_the_past(body: dict[str, Any], frequency: str) -> None:
    calendar_schedule(body, frequency, startDate="2026-01-14")  # the day before TODAY

    (error,) = refusals(body)

    assert error["path"] == f"{S0}.startDate"
    assert "must not be in the past" in error["message"]


def test_the_json_schema_offers_weekly_and_monthly() -> None:
    schema = activation_request_json_schema()
    frequency = schema["$defs"]["Schedule"]["properties"]["frequency"]
    assert {"WEEKLY", "MONTHLY"} <= set(frequency["enum"])
    assert "startDate's weekday or day of the month" in frequency["description"]
