"""The activation rules Adobe's Flow Service tutorial states for segment selectors, checked the
way Adobe does.

- ``exportMode`` DAILY_FULL_EXPORT takes frequency ONCE or DAILY; FIRST_FULL_THEN_INCREMENTAL
  takes DAILY, EVERY_3_HOURS, EVERY_6_HOURS, EVERY_8_HOURS or EVERY_12_HOURS.
- WEEKLY and MONTHLY (Adobe's newer documents: the Destination SDK batch configuration's
  ``allowedScheduleFrequency``; "Activate audiences to batch profile export destinations",
  Export full files) export full files only, on ``startDate``'s weekday or day of the month
  at ``startTime``: DAILY_FULL_EXPORT, triggerType SCHEDULED, no day field of their own.
- ``triggerType`` SCHEDULED (the default) needs ``startTime`` (UTC ``HH:MM``; "Minutes must be
  ``00``", destinations OpenAPI, ``BaseSegmentSelectorValue.schedule.startTime``);
  AFTER_SEGMENT_EVAL takes none.
- ``endDate`` is not applicable to DAILY_FULL_EXPORT + ONCE and may not precede ``startDate``.
- ``filenameTemplate`` follows the flow spec's selector version (:func:`takes_v2_selectors`):
  every known ``%TOKEN%`` of that version, its required ones, and at most one of
  ``%DATETIME(YYYYMMdd_HHmmss)%`` / ``%TIMESTAMP%``.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Final

from local.emulator import specs

EXPORT_MODE_FREQUENCIES: Final[dict[str, frozenset[str]]] = {
    "DAILY_FULL_EXPORT": frozenset({"ONCE", "DAILY", "WEEKLY", "MONTHLY"}),
    "FIRST_FULL_THEN_INCREMENTAL": frozenset(
        {"DAILY", "EVERY_3_HOURS", "EVERY_6_HOURS", "EVERY_8_HOURS", "EVERY_12_HOURS"}
    ),
}
CALENDAR_FREQUENCIES: Final = frozenset({"WEEKLY", "MONTHLY"})
TRIGGER_TYPES: Final = frozenset({"SCHEDULED", "AFTER_SEGMENT_EVAL"})
TIME_TOKENS: Final = frozenset({"DATETIME(YYYYMMdd_HHmmss)", "TIMESTAMP"})
# Destinations OpenAPI, BatchSegmentSelector (legacy flow specs): both required.
REQUIRED_TOKENS: Final = (("DESTINATION_NAME",), ("SEGMENT_ID",))
KNOWN_TOKENS: Final = frozenset({"DESTINATION_NAME", "SEGMENT_ID", "SEGMENT_NAME", *TIME_TOKENS})
# Destinations OpenAPI, BatchSegmentSelector_V2 (the new cards' "<card> - Segment" flow specs):
# its macros, plus %DESTINATION_NAME% from its own example. It marks them all optional, but
# Adobe's UI guide ("Activate audiences to batch profile export destinations", Configure file
# names) says the destination name and audience ID cannot be removed; every example sends both.
V2_REQUIRED_TOKENS: Final = (("DESTINATION", "DESTINATION_NAME"), ("SEGMENT_ID",))
V2_KNOWN_TOKENS: Final = frozenset(
    {
        "DESTINATION",
        "DESTINATION_NAME",
        "SEGMENT_ID",
        "SEGMENT_NAME",
        "DESTINATION_INSTANCE_ID",
        "DESTINATION_INSTANCE_NAME",
        "ORGANIZATION_NAME",
        "SANDBOX_NAME",
        *TIME_TOKENS,
    }
)
_V2_FLOW_SPEC_NAMES: Final = frozenset(
    spec.name for spec in specs.NEW_CARD_FLOW_SPECS if not spec.is_dataset_flow
)
_TOKEN: Final = re.compile(r"%([^%]*)%")
_TIME: Final = re.compile(r"^([01]\d|2[0-3]):00$")

SEGMENT_TYPE: Final = "PLATFORM_SEGMENT"
PROFILE_TYPE: Final = "JSON_PATH"


def takes_v2_selectors(spec: specs.FlowSpec) -> bool:
    """The new cards' audience flow specs take ``BatchSegmentSelector_V2`` (by name: a
    republished spec keeps its name, not its id)."""
    return spec.name in _V2_FLOW_SPEC_NAMES


def segment_selector_problems(selector: Any, where: str, *, v2: bool = False) -> list[str]:
    """Every rule ``selector`` breaks, each message naming the field; ``v2``: the selector
    version of the new cards' flow specs."""
    if not isinstance(selector, dict):
        return [f"{where}: a segment selector must be an object"]
    if selector.get("type") != SEGMENT_TYPE:
        return [f"{where}.type: must be {SEGMENT_TYPE}"]
    value = selector.get("value")
    if not isinstance(value, dict):
        return [f"{where}.value: must be an object"]
    at = f"{where}.value"
    problems: list[str] = []
    if not isinstance(value.get("id"), str) or not value["id"]:
        problems.append(f"{at}.id: the segment id is required")
    mode = value.get("exportMode")
    if mode not in EXPORT_MODE_FREQUENCIES:
        problems.append(f"{at}.exportMode: must be one of {sorted(EXPORT_MODE_FREQUENCIES)}")
    schedule = value.get("schedule")
    if not isinstance(schedule, dict):
        problems.append(f"{at}.schedule: is required")
    else:
        problems.extend(_schedule_problems(schedule, mode, f"{at}.schedule"))
    template = value.get("filenameTemplate", value.get("fileNameTemplate"))
    if template is not None:
        problems.extend(_template_problems(template, f"{at}.filenameTemplate", v2=v2))
    return problems


def _schedule_problems(schedule: dict[str, Any], mode: Any, at: str) -> list[str]:
    problems: list[str] = []
    frequency = schedule.get("frequency")
    allowed = EXPORT_MODE_FREQUENCIES.get(mode) if isinstance(mode, str) else None
    if allowed is not None and frequency not in allowed:
        problems.append(f"{at}.frequency: {mode} takes one of {sorted(allowed)}, not {frequency}")
    trigger = schedule.get("triggerType", "SCHEDULED")
    if trigger not in TRIGGER_TYPES:
        problems.append(f"{at}.triggerType: must be one of {sorted(TRIGGER_TYPES)}")
    start_time = schedule.get("startTime")
    if frequency in CALENDAR_FREQUENCIES:
        if trigger != "SCHEDULED":
            problems.append(f"{at}.triggerType: {frequency} exports run SCHEDULED at startTime")
        for day in ("dayOfWeek", "dayOfMonth"):
            if day in schedule:
                problems.append(f"{at}.{day}: not a field: {frequency} follows startDate")
    if trigger == "AFTER_SEGMENT_EVAL" and start_time is not None:
        problems.append(f"{at}.startTime: not applicable with triggerType AFTER_SEGMENT_EVAL")
    if trigger == "SCHEDULED":
        if start_time is None:
            problems.append(f"{at}.startTime: required with triggerType SCHEDULED")
        elif not isinstance(start_time, str) or not _TIME.match(start_time):
            problems.append(f"{at}.startTime: must be HH:MM (UTC) with minutes 00")
    start = _date(schedule, "startDate", at, problems)
    end = _date(schedule, "endDate", at, problems)
    if "endDate" in schedule and mode == "DAILY_FULL_EXPORT" and frequency == "ONCE":
        problems.append(f"{at}.endDate: not applicable to DAILY_FULL_EXPORT with frequency ONCE")
    if start is not None and end is not None and end < start:
        problems.append(f"{at}.endDate: must not be before startDate")
    return problems


def _date(
    schedule: dict[str, Any], name: str, at: str, problems: list[str]
) -> datetime.date | None:
    raw = schedule.get(name)
    if raw is None:
        return None
    try:
        if isinstance(raw, str) and len(raw) == 10:
            return datetime.date.fromisoformat(raw)
    except ValueError:
        pass
    problems.append(f"{at}.{name}: must be a date YYYY-MM-DD")
    return None


def _template_problems(template: Any, at: str, *, v2: bool) -> list[str]:
    if not isinstance(template, str):
        return [f"{at}: must be a string"]
    tokens = _TOKEN.findall(template)
    required, known = (
        (V2_REQUIRED_TOKENS, V2_KNOWN_TOKENS) if v2 else (REQUIRED_TOKENS, KNOWN_TOKENS)
    )
    problems = [
        f"{at}: must contain " + " or ".join(f"%{t}%" for t in alternatives)
        for alternatives in required
        if not any(t in tokens for t in alternatives)
    ]
    unknown = sorted({t for t in tokens if t not in known})
    if unknown:
        problems.append(f"{at}: unknown token(s) {', '.join(f'%{t}%' for t in unknown)}")
    if sum(1 for t in tokens if t in TIME_TOKENS) > 1:
        problems.append(f"{at}: at most one of %DATETIME(YYYYMMdd_HHmmss)% / %TIMESTAMP%")
    return problems


def profile_selector_problems(selector: Any, where: str) -> list[str]:
    if not isinstance(selector, dict):
        return [f"{where}: a profile selector must be an object"]
    if selector.get("type") != PROFILE_TYPE:
        return [f"{where}.type: must be {PROFILE_TYPE}"]
    value = selector.get("value")
    if not isinstance(value, dict) or not isinstance(value.get("path"), str) or not value["path"]:
        return [f"{where}.value.path: the attribute path is required"]
    return []


def profile_mapping(path: str) -> dict[str, Any]:
    """The mapping Adobe adds to a profile selector (Adobe's Flow Service tutorial, "Validate
    the dataflow")."""
    return {
        "sourceType": "text/x.schema-path",
        "source": path,
        "destination": path,
        "identity": False,
        "primaryIdentity": False,
        "functionVersion": 0,
        "copyModeMapping": False,
        "sourceAttribute": path,
        "destinationXdmPath": path,
    }
