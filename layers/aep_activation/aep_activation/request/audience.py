"""One audience to export: its file name template, export mode and schedule.

Times are UTC; dates are YYYY-MM-DD. Which frequencies each export mode takes, and how the
calendar (weekly, monthly) frequencies read their day from ``startDate``, are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from aep_activation.fields import (
    Description,
    IsoDate,
    NonEmptyText,
    RequestModel,
    StartTime,
    Uuid,
    clock_today,
)
from aep_activation.filename_template import (
    DEFAULT_FILENAME_TEMPLATE,
    filename_template_problems,
    template_rules,
)
from aep_activation.violations import Violations, fail

ExportMode = Literal["DAILY_FULL_EXPORT", "FIRST_FULL_THEN_INCREMENTAL"]
Frequency = Literal[
    "ONCE",
    "DAILY",
    "EVERY_3_HOURS",
    "EVERY_6_HOURS",
    "EVERY_8_HOURS",
    "EVERY_12_HOURS",
    "WEEKLY",
    "MONTHLY",
]
TriggerType = Literal["SCHEDULED", "AFTER_SEGMENT_EVAL"]

CONTEXT_CARD = "card"
"""Validation context: the destination's card ("legacy", "new"; absent when the catalog does
not know it), which picks the filename template's rules. An audience is validated without its
parent request, so the request puts it there (``activation.validate_request``)."""

FREQUENCIES_BY_EXPORT_MODE: Mapping[str, tuple[str, ...]] = {
    "DAILY_FULL_EXPORT": ("ONCE", "DAILY", "WEEKLY", "MONTHLY"),
    "FIRST_FULL_THEN_INCREMENTAL": (
        "DAILY",
        "EVERY_3_HOURS",
        "EVERY_6_HOURS",
        "EVERY_8_HOURS",
        "EVERY_12_HOURS",
    ),
}

CALENDAR_FREQUENCIES: tuple[str, ...] = ("WEEKLY", "MONTHLY")
"""Full-file exports once a week or once a month (Adobe's Destination SDK batch configuration
lists them in ``allowedScheduleFrequency``; "Activate audiences to batch profile export
destinations", Export full files: "select the start date and subsequent exports will occur on
that day of the week / date of the month until the selected end date"). So they take no day
field of their own: ``startDate`` names the weekday or the day of the month. They run at
``startTime`` (AFTER_SEGMENT_EVAL follows the daily segmentation job, a daily event)."""
CALENDAR_DAY_FIELDS: Mapping[str, str] = {
    "dayOfWeek": "WEEKLY exports run on startDate's weekday",
    "dayOfMonth": "MONTHLY exports run on startDate's day of the month",
}


class Schedule(RequestModel):
    """When the audience is exported. Times are UTC; dates are YYYY-MM-DD."""

    frequency: Frequency = Field(
        description="WEEKLY and MONTHLY export full files (DAILY_FULL_EXPORT), SCHEDULED at "
        "startTime, on startDate's weekday or day of the month, until endDate."
    )
    trigger_type: TriggerType | None = Field(
        default=None,
        description="Required with DAILY_FULL_EXPORT. SCHEDULED needs startTime; "
        "AFTER_SEGMENT_EVAL runs after the daily segmentation job and takes no startTime. "
        "FIRST_FULL_THEN_INCREMENTAL exports are always scheduled.",
    )
    start_date: IsoDate = Field(description="First export day; not in the past.")
    start_time: StartTime | None = Field(
        default=None, description="HH:00, UTC: a whole hour (Adobe takes minutes 00 only)."
    )
    end_date: IsoDate | None = Field(
        default=None,
        description="Last export day; not with DAILY_FULL_EXPORT + ONCE; not before startDate.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_day_fields(cls, data: Any) -> Any:
        # Adobe derives the weekday / day of the month from startDate: a separate day field
        # would be ignored at best, so it is refused with the rule instead of "unknown field".
        if isinstance(data, dict):
            problems = Violations()
            for name, rule in CALENDAR_DAY_FIELDS.items():
                if name in data:
                    problems.add(name, f"is not a schedule field: {rule}; set startDate")
            problems.raise_if_any()
        return data

    @field_validator("start_date", "end_date")
    @classmethod
    def _not_in_the_past(cls, value: date | None, info: ValidationInfo) -> date | None:
        today = clock_today(info)
        if value is not None and today is not None and value < today:
            raise fail(f"must not be in the past (today is {today.isoformat()} UTC)")
        return value

    @model_validator(mode="after")
    def _trigger_and_dates_agree(self) -> Self:
        problems = Violations()
        if self.trigger_type == "SCHEDULED" and self.start_time is None:
            problems.add("startTime", "is required when triggerType is SCHEDULED")
        if self.trigger_type == "AFTER_SEGMENT_EVAL" and self.start_time is not None:
            problems.add(
                "startTime",
                "must be left out when triggerType is AFTER_SEGMENT_EVAL "
                "(the export runs after segment evaluation)",
            )
        if self.end_date is not None and self.end_date < self.start_date:
            problems.add("endDate", "must not be before startDate")
        problems.raise_if_any()
        return self


class Audience(RequestModel):
    """One audience (Adobe segment) to export, with its file naming and schedule."""

    id: Uuid = Field(description="The audience's segment id in Experience Platform.")
    name: NonEmptyText | None = None
    description: Description | None = None
    filename_template: str = Field(
        default=DEFAULT_FILENAME_TEMPLATE,
        description="Must contain %DESTINATION_NAME% and %SEGMENT_ID%; may contain "
        "%SEGMENT_NAME%, one of %DATETIME(YYYYMMdd_HHmmss)% / %TIMESTAMP%, and custom text "
        "of letters, digits, '_', '-', '.'. The new cloud-storage cards also take %DESTINATION% "
        "(for %DESTINATION_NAME%), %DESTINATION_INSTANCE_ID%, %DESTINATION_INSTANCE_NAME%, "
        "%ORGANIZATION_NAME% and %SANDBOX_NAME%.",
    )
    export_mode: ExportMode
    schedule: Schedule

    @model_validator(mode="after")
    def _template_and_schedule_fit(self, info: ValidationInfo) -> Self:
        # The template is checked here rather than as a field rule so that its problems and
        # the schedule's are reported together (a failed field skips model validators).
        problems = Violations()
        context = info.context if isinstance(info.context, Mapping) else {}
        rules = template_rules(context.get(CONTEXT_CARD))
        for problem in filename_template_problems(self.filename_template, rules):
            problems.add("filenameTemplate", problem)
        schedule = self.schedule
        allowed = FREQUENCIES_BY_EXPORT_MODE[self.export_mode]
        if schedule.frequency in CALENDAR_FREQUENCIES and schedule.frequency not in allowed:
            problems.add(
                ("schedule", "frequency"),
                f"{schedule.frequency} exports full files only: use exportMode "
                f"DAILY_FULL_EXPORT, or one of {', '.join(allowed)} with exportMode "
                f"{self.export_mode}",
            )
        elif schedule.frequency not in allowed:
            problems.add(
                ("schedule", "frequency"),
                f"must be one of {', '.join(allowed)} with exportMode {self.export_mode}",
            )
        if (
            schedule.frequency in CALENDAR_FREQUENCIES
            and schedule.trigger_type == "AFTER_SEGMENT_EVAL"
        ):
            problems.add(
                ("schedule", "triggerType"),
                f"must be SCHEDULED with frequency {schedule.frequency}: AFTER_SEGMENT_EVAL "
                "follows the daily segmentation job (ONCE or DAILY only)",
            )
        if self.export_mode == "DAILY_FULL_EXPORT":
            if schedule.trigger_type is None:
                problems.add(
                    ("schedule", "triggerType"),
                    "is required with exportMode DAILY_FULL_EXPORT: "
                    "SCHEDULED or AFTER_SEGMENT_EVAL",
                )
            if schedule.frequency == "ONCE" and schedule.end_date is not None:
                problems.add(
                    ("schedule", "endDate"),
                    "must be left out with exportMode DAILY_FULL_EXPORT and frequency ONCE",
                )
        else:
            # Incremental exports run on a clock: the seed's and Adobe's examples always
            # carry a startTime, and AFTER_SEGMENT_EVAL is documented for full exports only.
            if schedule.trigger_type == "AFTER_SEGMENT_EVAL":
                problems.add(
                    ("schedule", "triggerType"),
                    "AFTER_SEGMENT_EVAL applies only to exportMode DAILY_FULL_EXPORT; "
                    "use SCHEDULED or leave it out",
                )
            elif schedule.trigger_type is None and schedule.start_time is None:
                problems.add(
                    ("schedule", "startTime"),
                    "is required with exportMode FIRST_FULL_THEN_INCREMENTAL",
                )
        problems.raise_if_any()
        return self
