"""The activation request: what to activate, where, and on which schedule.

``parse_activation_request`` is the one entry point. It checks every rule before any API call
and reports *all* broken rules at once, each with the path of the field that breaks it, as
:class:`~aep_activation.errors.InvalidActivationRequest`.

How errors get precise paths: plain field errors carry pydantic's own location. Rules that
span several fields (a schedule that does not fit its export mode, a target param the
destination does not take) are checked in the smallest model that holds those fields and
raised as one ``activation_rules`` error whose context lists ``(relative path, message)``
pairs; :func:`_field_errors` expands them under the model's location.

Messages name the field and the rule in plain words; they never repeat a submitted value
(a credential pasted in the wrong place must not end up in a log).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from aep_activation import catalog
from aep_activation.columns import column_name
from aep_activation.errors import (
    InvalidActivationRequest,
    RequestNestedTooDeeply,
    RequestTooLarge,
    UnknownDestination,
)
from aep_activation.filename_template import DEFAULT_FILENAME_TEMPLATE, filename_template_problems
from aep_activation.naming import CLIENT_REQUEST_ID_PATTERN, resource_names

if TYPE_CHECKING:  # pydantic's schema generator is not loaded in the Lambdas
    from pydantic.json_schema import JsonSchemaValue

MAX_AUDIENCES = 250
"""Adobe's guardrail: audiences per dataflow."""
MAX_PROFILE_ATTRIBUTES = 50
"""Adobe's guardrail: mapped attributes per dataflow."""
MAX_REQUEST_BYTES = 128 * 1024
"""The normalised request, as JSON in UTF-8, at most this: Step Functions allows 256 KiB per
state input, and the steps add the dataflow snapshot, ids and results beside the request."""
MAX_NESTING_DEPTH = 32
"""Arrays/objects nested deeper than this are refused before parsing (a valid request nests
about 5 deep; deeper input only threatens the parser's recursion)."""
SCHEMA_ID = "urn:aep-batch-activation:schema:activation-request"

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
Operation = Literal["apply", "plan", "teardown"]
DataflowState = Literal["enabled", "disabled"]
MAX_FIRST_RUN_WAIT_MINUTES = 1440
"""Waiting for the first export is bounded by a day (a daily schedule's first run)."""

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

Loc = tuple[str | int, ...]

_RULES_ERROR = "activation_rules"
_CONTEXT_TODAY = "today"
_CONTEXT_SKIP_CLOCK = "skip_clock_rules"


def utc_today() -> date:
    """Today's date in UTC: the clock the "not in the past" rules use (tests pass their own)."""
    return datetime.now(UTC).date()


# --- Reporting rule violations with paths ------------------------------------------------


class _Violations:
    """Collects (relative path, message) pairs and raises them as one pydantic error."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, path: Loc | str | int, message: str) -> None:
        loc: Loc = path if isinstance(path, tuple) else (path,)
        self.items.append((loc, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise _rules_error(self.items)


def _rules_error(items: Sequence[tuple[Loc, str]]) -> PydanticCustomError:
    summary = "; ".join(message for _, message in items)
    return PydanticCustomError(
        _RULES_ERROR, "{summary}", {"summary": summary, "violations": tuple(items)}
    )


def _fail(message: str) -> PydanticCustomError:
    """One violation at the location pydantic is validating."""
    return _rules_error([((), message)])


def _one_identity_only(value: Any) -> Any:
    if isinstance(value, list | tuple):
        raise _fail(
            "must be one identity namespace (a string): Adobe exports only one identity per "
            "dataflow"
        )
    return value


@dataclass(frozen=True)
class _Matches:
    """A string rule: a regular expression (also exported to the JSON Schema) and its words."""

    regex: str
    rule: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        compiled = re.compile(self.regex)
        rule = self.rule

        def check(value: str) -> str:
            if compiled.fullmatch(value) is None:
                raise _fail(rule)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.regex
        return json_schema


# --- Field types -------------------------------------------------------------------------

_UUID_REGEX = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_XDM_PATH_REGEX = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
_SECRET_NAME_REGEX = r"^[A-Za-z0-9/_+=.@-]{1,512}$"
_SECRET_ARN_REGEX = (
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$"
)
_ISO_DATE_REGEX = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _lowercase(value: str) -> str:
    return value.lower()


Uuid = Annotated[
    str,
    _Matches(_UUID_REGEX, "must be a UUID like 9f7d37fd-7039-4454-94ef-2b0cd6c3206a"),
    AfterValidator(_lowercase),
]
ActivationName = Annotated[
    str,
    _Matches(
        r"^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]{0,62}[A-Za-z0-9_.-])?$",
        "must be 1-64 letters, digits, spaces, '_', '.' or '-', "
        "not starting or ending with a space",
    ),
]
SandboxName = Annotated[
    str,
    _Matches(
        r"^[a-z0-9][a-z0-9-]{0,255}$",
        "must be a sandbox name: lowercase letters, digits and hyphens (1-256), e.g. prod",
    ),
]
ClientRequestId = Annotated[
    str,
    _Matches(
        CLIENT_REQUEST_ID_PATTERN,
        "must be 1-128 letters, digits, '.', '_', ':', '/' or '-', starting with a letter or digit",
    ),
]
XdmPath = Annotated[
    str,
    _Matches(
        _XDM_PATH_REGEX,
        "must be an XDM path of dot-separated field names, e.g. person.name.firstName",
    ),
]
RoleArn = Annotated[
    str,
    _Matches(
        r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
        "must be an IAM role ARN like arn:aws:iam::123456789012:role/aep-export",
    ),
]
IdentityNamespace = Annotated[
    str,
    _Matches(
        r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        "must be an identity namespace code: letters, digits, '_', '.', '-' (e.g. Email, "
        "Phone_E.164)",
    ),
]
SecretId = Annotated[
    str,
    _Matches(
        f"(?:{_SECRET_NAME_REGEX})|(?:{_SECRET_ARN_REGEX})",
        "must be a Secrets Manager secret name (1-512 of letters, digits, '/_+=.@-') or ARN",
    ),
]
StartTime = Annotated[
    str,
    _Matches(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "must be a UTC time HH:MM from 00:00 to 23:59"),
]


def _no_control_characters(value: str) -> str:
    """NUL, CR/LF, ANSI escapes and other control characters have no place in names and
    params: they forge log lines and terminal output and Adobe has no use for them."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise _fail("must not contain control characters (NUL, CR, LF, ESC...)")
    return value


def _no_control_characters_but_line_breaks(value: str) -> str:
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise _fail("must not contain control characters other than tab and line feed")
    return value


ResourceNameText = Annotated[
    str,
    _Matches(
        r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]{0,254}[^\s\x00-\x1f\x7f])?$",
        "must be 1-256 characters, no control characters, no leading or trailing spaces",
    ),
    AfterValidator(_no_control_characters),  # the pattern leaves out C1 controls
]
Description = Annotated[
    str, Field(max_length=1024), AfterValidator(_no_control_characters_but_line_breaks)
]
NonEmptyText = Annotated[
    str, Field(min_length=1, max_length=256), AfterValidator(_no_control_characters)
]


def _iso_date(value: Any) -> Any:
    """Dates are ``YYYY-MM-DD`` text (Adobe's format); date objects pass (python callers)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(_ISO_DATE_REGEX, value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _fail("must be a real calendar date in the form YYYY-MM-DD") from None
    raise _fail("must be a date in the form YYYY-MM-DD")


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _ISO_DATE_REGEX}),
]


def _clock_today(info: ValidationInfo) -> date | None:
    """The date "not in the past" compares with, or None when those rules are off."""
    context = info.context if isinstance(info.context, Mapping) else {}
    if context.get(_CONTEXT_SKIP_CLOCK):
        return None
    today = context.get(_CONTEXT_TODAY)
    return today if isinstance(today, date) else utc_today()


# --- Credentials must not travel in the request ------------------------------------------

_CREDENTIAL_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "sshkey",
    "privatekey",
    "connectionstring",
    "accesskey",
    "accessid",
    "apikey",
    "token",
    "credential",
    "serviceprincipalkey",
)
_NOT_CREDENTIALS = frozenset({"secretid"})
_USE_A_SECRET = (
    "credentials must not be in the request: store them in a Secrets Manager secret "
    "and name it in destination.auth.secretId"
)


def looks_like_credential(key: str) -> bool:
    """True for keys such as ``password``, ``s3SecretKey``, ``connectionString``."""
    normalized = re.sub(r"[^a-z0-9]", "", key.lower())
    if normalized in _NOT_CREDENTIALS:
        return False
    return key in catalog.secret_param_names() or any(
        word in normalized for word in _CREDENTIAL_WORDS
    )


# --- The models --------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,  # a ValidationError printed anywhere must not echo secrets
        # Only the request's validator is ever used: the nested models' own are not built.
        defer_build=True,
    )


class Schedule(_Model):
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
    start_time: StartTime | None = Field(default=None, description="HH:MM, UTC.")
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
            problems = _Violations()
            for name, rule in CALENDAR_DAY_FIELDS.items():
                if name in data:
                    problems.add(name, f"is not a schedule field: {rule}; set startDate")
            problems.raise_if_any()
        return data

    @field_validator("start_date", "end_date")
    @classmethod
    def _not_in_the_past(cls, value: date | None, info: ValidationInfo) -> date | None:
        today = _clock_today(info)
        if value is not None and today is not None and value < today:
            raise _fail(f"must not be in the past (today is {today.isoformat()} UTC)")
        return value

    @model_validator(mode="after")
    def _trigger_and_dates_agree(self) -> Self:
        problems = _Violations()
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


class Audience(_Model):
    """One audience (Adobe segment) to export, with its file naming and schedule."""

    id: Uuid = Field(description="The audience's segment id in Experience Platform.")
    name: NonEmptyText | None = None
    description: Description | None = None
    filename_template: str = Field(
        default=DEFAULT_FILENAME_TEMPLATE,
        description="Must contain %DESTINATION_NAME% and %SEGMENT_ID%; may contain "
        "%SEGMENT_NAME%, one of %DATETIME(YYYYMMdd_HHmmss)% / %TIMESTAMP%, and custom text "
        "of letters, digits, '_', '-', '.'.",
    )
    export_mode: ExportMode
    schedule: Schedule

    @model_validator(mode="after")
    def _template_and_schedule_fit(self) -> Self:
        # The template is checked here rather than as a field rule so that its problems and
        # the schedule's are reported together (a failed field skips model validators).
        problems = _Violations()
        for problem in filename_template_problems(self.filename_template):
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


class DestinationAuth(_Model):
    """How to authenticate: the auth spec's name and the secret holding its params."""

    spec_name: NonEmptyText = Field(description="The connection spec's authSpec name.")
    secret_id: SecretId | None = Field(
        default=None,
        description="Name or ARN of the Secrets Manager secret holding the auth params "
        "(a JSON object). Not needed by auth specs without secret params (Data Landing Zone, "
        "Amazon S3 Assumed Role).",
    )
    s3_role: RoleArn | None = Field(
        default=None,
        description="Amazon S3 (new) with auth spec Assumed Role: the ARN of the IAM role "
        "Adobe assumes to write to the bucket. Not a secret.",
    )

    @property
    def request_params(self) -> dict[str, str]:
        """Auth params the request itself carries (not secrets)."""
        return {"s3Role": self.s3_role} if self.s3_role is not None else {}


def _target_json_schema(schema: dict[str, Any]) -> None:
    schema["additionalProperties"] = {"type": "string"}
    properties = schema.setdefault("properties", {})
    properties["csvOptions"] = {
        "type": "object",
        "description": "New cards, fileType CSV: " + ", ".join(catalog.CSV_OPTIONS),
        "properties": {
            key: {"type": "string", "enum": list(values)}
            for key, values in catalog.CSV_OPTIONS.items()
        },
        "additionalProperties": False,
    }
    properties["includeFileManifest"] = {
        "type": "boolean",
        "description": "New cards: also write a manifest file listing the exported files.",
    }


def _csv_option_problems(value: Any) -> list[tuple[Loc, str]]:
    if not isinstance(value, dict):
        return [(("csvOptions",), "must be an object")]
    found: list[tuple[Loc, str]] = []
    for key, option in value.items():
        allowed = catalog.CSV_OPTIONS.get(str(key))
        if allowed is None:
            found.append(
                (
                    ("csvOptions", key),
                    "is not a CSV option; known: " + ", ".join(catalog.CSV_OPTIONS),
                )
            )
        elif option not in allowed:
            shown = ", ".join(repr(v) for v in allowed)
            found.append((("csvOptions", key), f"must be one of {shown}"))
    return found


class DestinationTarget(_Model):
    """Where files land: ``mode`` plus that mode's params, exactly as Adobe names them."""

    # Params are typed Any and checked below, so a non-string param does not hide the
    # other target errors (a failed field would skip this model's validator).
    model_config = ConfigDict(extra="allow", json_schema_extra=_target_json_schema)

    mode: NonEmptyText
    __pydantic_extra__: dict[str, Any] = Field(init=False)

    @property
    def params(self) -> dict[str, Any]:
        """The target connection's ``params`` (mode and file options included)."""
        return {"mode": self.mode, **self.extra_params, **self.file_options}

    @property
    def extra_params(self) -> dict[str, str]:
        """The string params besides ``mode`` (location, fileType, compression...)."""
        return {
            key: str(value)
            for key, value in (self.__pydantic_extra__ or {}).items()
            if key not in catalog.NEW_CARD_FILE_OPTIONS
        }

    @property
    def file_options(self) -> dict[str, Any]:
        """The new cards' structured params: ``csvOptions`` (object), ``includeFileManifest``."""
        return {
            key: value
            for key, value in (self.__pydantic_extra__ or {}).items()
            if key in catalog.NEW_CARD_FILE_OPTIONS
        }

    @model_validator(mode="after")
    def _params_are_plain_locations(self) -> Self:
        problems = _Violations()
        for key, value in (self.__pydantic_extra__ or {}).items():
            if looks_like_credential(key):
                problems.add(key, f"looks like a credential; {_USE_A_SECRET}")
            elif key == "includeFileManifest":
                if not isinstance(value, bool):
                    problems.add(key, "must be true or false")
            elif key == "csvOptions":
                problems.items.extend(_csv_option_problems(value))
            elif not isinstance(value, str):
                problems.add(key, "must be a string")
            elif not value.strip():
                problems.add(key, "must not be empty")
            elif any(unicodedata.category(c) == "Cc" for c in value):
                problems.add(key, "must not contain control characters (NUL, CR, LF, ESC...)")
            if any(unicodedata.category(c) == "Cc" for c in key):
                problems.add(repr(key)[1:-1], "is a param name with control characters")
        problems.raise_if_any()
        return self


class DestinationRequest(_Model):
    """The destination: a known card by ``type`` or any card by ``connectionSpecId``."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["type"]}, {"required": ["connectionSpecId"]}]}
    )

    type: NonEmptyText | None = Field(
        default=None,
        description="A known destination's friendly name or alias: "
        + ", ".join(catalog.known_destination_names()),
    )
    connection_spec_id: Uuid | None = Field(
        default=None,
        description="The destination's connection spec id; ids not in the catalog are "
        "resolved at runtime.",
    )
    flow_spec_id: Uuid | None = Field(
        default=None, description="Overrides the flow spec the catalog or runtime picks."
    )
    auth: DestinationAuth
    target: DestinationTarget

    def catalog_entry(self) -> catalog.Destination | None:
        """The catalog card this destination names, if the catalog knows it."""
        if self.type is not None:
            return catalog.find_destination(self.type)
        if self.connection_spec_id is not None:
            return catalog.destination_by_connection_spec(self.connection_spec_id)
        return None

    @property
    def resolved_connection_spec_id(self) -> str:
        """The connection spec id to use (the request's, else the catalog's)."""
        if self.connection_spec_id is not None:
            return self.connection_spec_id
        entry = self.catalog_entry()
        if entry is None:  # unreachable after validation: type is checked against the catalog
            raise UnknownDestination("destination has neither a known type nor a connectionSpecId")
        return entry.connection_spec_id

    @property
    def preferred_flow_spec_id(self) -> str | None:
        """The request's flow spec override, else the catalog's default; None: resolve it."""
        if self.flow_spec_id is not None:
            return self.flow_spec_id
        entry = self.catalog_entry()
        return entry.flow_spec_id if entry is not None else None

    @model_validator(mode="after")
    def _fits_catalog(self) -> Self:
        problems = _Violations()
        entry: catalog.Destination | None = None
        if self.type is None and self.connection_spec_id is None:
            problems.add((), "needs type (a known destination) or connectionSpecId")
        if self.type is not None:
            entry = catalog.find_destination(self.type)
            if entry is None:
                problems.add(
                    "type",
                    "is not a known destination; known: "
                    + ", ".join(catalog.known_destination_names())
                    + " (or give connectionSpecId instead)",
                )
            elif (
                self.connection_spec_id is not None
                and self.connection_spec_id != entry.connection_spec_id
            ):
                problems.add(
                    "connectionSpecId",
                    f"does not match type {entry.name!r}, whose connection spec is "
                    f"{entry.connection_spec_id}",
                )
        elif self.connection_spec_id is not None:
            entry = catalog.destination_by_connection_spec(self.connection_spec_id)
        if entry is not None:
            _check_against_card(entry, self.auth, self.target, problems)
        problems.raise_if_any()
        return self


def _check_against_card(
    entry: catalog.Destination,
    auth: DestinationAuth,
    target: DestinationTarget,
    problems: _Violations,
) -> None:
    auth_spec = entry.auth_spec(auth.spec_name)
    if auth_spec is None:
        problems.add(
            ("auth", "specName"),
            f"is not an auth spec of {entry.name}; use one of: " + ", ".join(entry.auth_spec_names),
        )
    else:
        for param in auth_spec.request_params:
            if param not in auth.request_params:
                problems.add(("auth", param), f"is required with auth spec {auth_spec.name!r}")
        if auth_spec.needs_secret and auth.secret_id is None:
            secret_params = [p for p in auth_spec.required_params if p not in auth.request_params]
            problems.add(
                ("auth", "secretId"),
                f"is required: name the secret holding {', '.join(secret_params)}",
            )
        elif not auth_spec.needs_secret and auth.secret_id is not None:
            problems.add(
                ("auth", "secretId"),
                f"must be left out: {auth_spec.name} takes no secret credentials",
            )
    for param in auth.request_params:
        if auth_spec is None or param not in auth_spec.request_params:
            problems.add(
                ("auth", param),
                "applies only with auth spec Assumed Role (Amazon S3 (new)); leave it out",
            )

    mode = entry.target_mode(target.mode)
    if mode is None:
        problems.add(
            ("target", "mode"),
            f"is not a target mode of {entry.name}; use one of: "
            + ", ".join(entry.target_mode_names),
        )
        return
    if auth_spec is not None and mode.name not in entry.modes_for_auth(auth_spec.name):
        problems.add(
            ("target", "mode"),
            f"must be {' or '.join(entry.modes_for_auth(auth_spec.name))} for {entry.name} "
            f"with auth spec {auth_spec.name!r}",
        )
    params = target.extra_params
    for key in target.file_options:
        if key not in mode.known_params:
            problems.add(
                ("target", key), f"applies only to the new file-based cards, not {entry.name}"
            )
    if "csvOptions" in target.file_options and params.get("fileType", "CSV") != "CSV":
        problems.add(("target", "csvOptions"), "applies only with fileType CSV")
    for missing in (name for name in mode.required_params if name not in params):
        problems.add(("target", missing), f"is required for {entry.name} target mode {mode.name}")
    for key, value in params.items():
        if looks_like_credential(key):
            continue  # already reported by DestinationTarget
        if key not in mode.known_params:
            problems.add(
                ("target", key),
                f"is not a param of {entry.name} target mode {mode.name}; known: "
                + ", ".join(mode.known_params),
            )
            continue
        allowed = mode.allowed_values.get(key)
        if allowed is not None and value not in allowed:
            problems.add(("target", key), f"must be one of: {', '.join(allowed)}")
        pattern = mode.value_patterns.get(key)
        if pattern is not None and value.strip() and not pattern.matches(value):
            problems.add(("target", key), pattern.rule)


class ResourceNaming(_Model):
    """A name and description to use instead of the derived ones."""

    name: ResourceNameText | None = None
    description: Description | None = None


class Resources(_Model):
    """Optional overrides of the names of the resources the activation creates."""

    profile_base_connection: ResourceNaming | None = None
    source_connection: ResourceNaming | None = None
    destination_base_connection: ResourceNaming | None = None
    target_connection: ResourceNaming | None = None
    dataflow: ResourceNaming | None = None


SoftLimit = Literal["audiencesPerDataflow", "mappedAttributesPerDataflow"]
SOFT_LIMITS: Mapping[str, int] = {
    "audiencesPerDataflow": MAX_AUDIENCES,
    "mappedAttributesPerDataflow": MAX_PROFILE_ATTRIBUTES,
}
"""Adobe's soft guardrails, by the name a request uses to override them (overrideSoftLimits)."""


def soft_limit_message(limit: str) -> str:
    return (
        f"(Adobe's soft limit {limit}; if Adobe raised it for your organization, add "
        f"{limit!r} to overrideSoftLimits)"
    )


def _count_between(
    low: int, high: int, too_few: str, too_many: str, soft_limit: str | None = None
) -> Callable[[Any, ValidationInfo], Any]:
    """A before-validator: the item count is checked even when some items are invalid.
    A soft limit named in the request's ``overrideSoftLimits`` is not enforced."""

    def check(value: Any, info: ValidationInfo) -> Any:
        overridden = soft_limit is not None and soft_limit in (
            info.data.get("override_soft_limits") or ()
        )
        if isinstance(value, list | tuple):
            if len(value) < low:
                raise _fail(too_few)
            if len(value) > high and not overridden:
                message = too_many.format(count=len(value))
                if soft_limit is not None:
                    message += " " + soft_limit_message(soft_limit)
                raise _fail(message)
        return value

    return check


def _duplicates(values: Iterable[str]) -> Iterable[tuple[int, int]]:
    """(index, index of first occurrence) for each repeated value."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            yield index, first[value]
        else:
            first.setdefault(value, index)


class WaitForFirstRun(_Model):
    """After applying, poll the dataflow's runs until the first one finishes (or time is up)."""

    timeout_minutes: Annotated[StrictInt, Field(ge=1, le=MAX_FIRST_RUN_WAIT_MINUTES)] = Field(
        description="How long to wait for the first run to finish, in minutes (1-1440); "
        "running out of time is reported, not a failure."
    )


_TEARDOWN_IS_CONFIRMED: JsonDict = {
    "if": {"required": ["operation"], "properties": {"operation": {"const": "teardown"}}},
    "then": {
        "required": ["confirmDataflowId"],
        "properties": {"confirmDataflowId": {"type": "string"}},
    },
    "else": {"properties": {"confirmDataflowId": {"type": "null"}}},
}


class ActivationRequest(_Model):
    """Connect a batch destination and activate audiences with profile attributes to it."""

    model_config = ConfigDict(
        title="ActivationRequest",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
            # Soft limits hold unless the request overrides them by name.
            "allOf": [
                {
                    "if": {
                        "not": {
                            "required": ["overrideSoftLimits"],
                            "properties": {"overrideSoftLimits": {"contains": {"const": name}}},
                        }
                    },
                    "then": {"properties": {field: {"maxItems": limit}}},
                }
                for name, field, limit in (
                    ("audiencesPerDataflow", "audiences", MAX_AUDIENCES),
                    ("mappedAttributesPerDataflow", "profileAttributes", MAX_PROFILE_ATTRIBUTES),
                )
            ],
            # A teardown names the dataflow it deletes; no other operation names one.
            **_TEARDOWN_IS_CONFIRMED,
        },
    )

    name: ActivationName = Field(
        description="Names the activation and seeds the names of every resource it creates."
    )
    sandbox: SandboxName = Field(description="The Experience Platform sandbox, e.g. prod.")
    destination: DestinationRequest
    resources: Resources = Field(default_factory=Resources)
    dataflow_id: Uuid | None = Field(
        default=None,
        description="An existing dataflow to add the audiences to; nothing else is created.",
    )
    override_soft_limits: tuple[SoftLimit, ...] = Field(
        default=(),
        description="Adobe's soft guardrails this request may exceed because Adobe raised them "
        "for the organization: audiencesPerDataflow (250), mappedAttributesPerDataflow (50).",
    )
    audiences: Annotated[
        tuple[Audience, ...],
        BeforeValidator(
            _count_between(
                1,
                MAX_AUDIENCES,
                "must list at least one audience",
                f"lists {{count}} audiences; Adobe allows at most {MAX_AUDIENCES} per dataflow",
                "audiencesPerDataflow",
            )
        ),
        Field(json_schema_extra={"minItems": 1}),
    ]
    profile_attributes: Annotated[
        tuple[XdmPath, ...],
        BeforeValidator(
            _count_between(
                1,
                MAX_PROFILE_ATTRIBUTES,
                "must list at least one profile attribute",
                f"lists {{count}} attributes; Adobe allows at most {MAX_PROFILE_ATTRIBUTES} "
                "mapped attributes per dataflow",
                "mappedAttributesPerDataflow",
            )
        ),
        Field(json_schema_extra={"minItems": 1}),
    ]
    export_now: bool = Field(
        default=False,
        description="After applying, start Adobe's ad-hoc activation of the request's audiences "
        "(at most 80 per job), then follow the runs until they finish (for waitForFirstRun's "
        "timeoutMinutes, 60 by default); the result says how each run ended.",
    )
    identity_namespace: Annotated[IdentityNamespace | None, BeforeValidator(_one_identity_only)] = (
        Field(
            default=None,
            description="New file-based cards only: the one identity namespace the dataflow "
            "exports (e.g. Email, ECID, Phone_E.164), mapped from identityMap by a mapping set.",
        )
    )
    mandatory_fields: tuple[XdmPath, ...] = Field(
        default=(),
        description="Attributes (or, on the new cards, the identityNamespace) every exported "
        "profile must have.",
    )
    deduplication_keys: tuple[XdmPath, ...] = Field(
        default=(),
        description="Attributes (or, on the new cards, the identityNamespace) that identify a "
        "profile within one export file.",
    )

    operation: Operation = Field(
        default="apply",
        description="apply (default): make the dataflow hold exactly what the request says; "
        "plan: report the changes apply would make, writing nothing; teardown: delete the "
        "dataflow and the connections the activation made.",
    )
    prune: StrictBool = Field(
        default=False,
        description="With true, audiences and attributes on the dataflow that the request "
        "does not list are removed. Without it, nothing the request does not name is touched.",
    )
    dataflow_state: DataflowState = Field(
        default="enabled",
        description="enabled (default) or disabled: disabled pauses every export of the "
        "dataflow without changing it.",
    )
    wait_for_first_run: WaitForFirstRun | None = Field(
        default=None,
        description="After applying, wait (bounded) for the dataflow's first run and report "
        "its status, record and file counts, and Adobe's error codes if it failed. With "
        "exportNow, it bounds the watch of the ad-hoc runs instead.",
    )
    confirm_dataflow_id: Uuid | None = Field(
        default=None,
        description="Required by a teardown, and only there: the id of the dataflow it deletes "
        "(resources.dataflowId in the activation's result). The teardown is refused if the "
        "activation's live dataflow has another id.",
    )
    request_id: ClientRequestId | None = Field(
        default=None,
        description="The requester's own id for this request, echoed in its result event "
        "(ActivationSucceeded / ActivationFailed). Through SQS, the message id when absent.",
    )

    @field_validator("audiences")
    @classmethod
    def _audience_ids_are_unique(cls, audiences: tuple[Audience, ...]) -> tuple[Audience, ...]:
        problems = _Violations()
        for index, first in _duplicates(audience.id for audience in audiences):
            problems.add((index, "id"), f"repeats audiences.{first}.id")
        problems.raise_if_any()
        return audiences

    @field_validator("profile_attributes")
    @classmethod
    def _attributes_are_unique(cls, attributes: tuple[str, ...]) -> tuple[str, ...]:
        problems = _Violations()
        for index, first in _duplicates(attributes):
            problems.add(index, f"repeats profileAttributes.{first}")
        problems.raise_if_any()
        return attributes

    @field_validator("mandatory_fields", "deduplication_keys")
    @classmethod
    def _among_profile_attributes(
        cls, fields: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        problems = _Violations()
        own_name = to_camel(info.field_name or "")
        for index, first in _duplicates(fields):
            problems.add(index, f"repeats {own_name}.{first}")
        attributes = info.data.get("profile_attributes")
        identity = info.data.get("identity_namespace")
        if attributes is not None:  # None: profileAttributes has its own errors
            for index, field in enumerate(fields):
                if field not in attributes and field != identity:
                    problems.add(index, "must be one of profileAttributes or the identityNamespace")
        problems.raise_if_any()
        return fields

    @model_validator(mode="after")
    def _identity_fits_the_card(self) -> Self:
        entry = self.destination.catalog_entry()
        if self.identity_namespace is not None and entry is not None and entry.is_legacy:
            raise _rules_error(
                [
                    (
                        ("identityNamespace",),
                        f"applies only to the new file-based cards (mapping sets); {entry.name} "
                        "exports attributes through profile selectors",
                    )
                ]
            )
        return self

    @model_validator(mode="after")
    def _columns_are_distinct(self) -> Self:
        # New cards export each attribute (and the identity) under a name without dots
        # (columns.column_name): two that differ only in '.' against '_' would share a column.
        entry = self.destination.catalog_entry()
        if entry is None or entry.is_legacy:
            return self
        named: list[tuple[Loc, str]] = [
            (("profileAttributes", index), path)
            for index, path in enumerate(self.profile_attributes)
        ]
        if self.identity_namespace is not None:
            named.append((("identityNamespace",), self.identity_namespace))
        first_of: dict[str, tuple[Loc, str]] = {}
        problems = _Violations()
        for loc, name in named:
            column = column_name(name)
            if column in first_of:
                other_loc, other = first_of[column]
                problems.add(
                    loc,
                    f"{name} and {other} ({_format_path(other_loc)}) would both be exported as "
                    f"column {column}: mapping destinations take no dots, each dot becomes '_'",
                )
            else:
                first_of[column] = (loc, name)
        problems.raise_if_any()
        return self

    @model_validator(mode="after")
    def _teardown_is_confirmed(self) -> Self:
        # Deleting a production dataflow takes its id, not only a name anyone may write.
        if self.operation != "teardown":
            if self.confirm_dataflow_id is None:
                return self
            problem = "applies only to operation teardown"
        elif self.confirm_dataflow_id is None:
            problem = (
                "is required for a teardown: the id of the dataflow it deletes "
                "(resources.dataflowId in the activation's result)"
            )
        elif self.dataflow_id not in (None, self.confirm_dataflow_id):
            problem = "must equal dataflowId: the teardown deletes the dataflow dataflowId names"
        else:
            return self
        raise _rules_error([(("confirmDataflowId",), problem)])

    @model_validator(mode="after")
    def _resource_names_are_distinct(self) -> Self:
        # Both base connections live under /connections and are found by name.
        names = resource_names(self)
        if names.profile_base_connection.name == names.destination_base_connection.name:
            raise _rules_error(
                [
                    (
                        ("resources", "destinationBaseConnection", "name"),
                        "must differ from the Profile Store base connection's name",
                    )
                ]
            )
        return self

    def to_state(self) -> dict[str, Any]:
        """The request as JSON-safe data (camelCase) for the state machine's input."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ActivationRequest:
        """Re-read a request validated earlier in the run.

        The "not in the past" rules are off: a run that crosses midnight must not fail on a
        start date that was today when it began.
        """
        return _validate(state, {_CONTEXT_SKIP_CLOCK: True})


# --- Parsing and error reporting ---------------------------------------------------------

_FRIENDLY: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: "is required",
    "extra_forbidden": lambda ctx: "is not a known field (check the spelling)",
    "string_type": lambda ctx: "must be a string",
    "model_type": lambda ctx: "must be an object",
    "model_attributes_type": lambda ctx: "must be an object",
    "dict_type": lambda ctx: "must be an object",
    "tuple_type": lambda ctx: "must be a list",
    "list_type": lambda ctx: "must be a list",
    "literal_error": lambda ctx: f"must be one of: {ctx.get('expected', '')}".replace("'", ""),
    "string_too_short": lambda ctx: "must not be empty"
    if ctx.get("min_length") == 1
    else f"must have at least {ctx.get('min_length')} characters",
    "string_too_long": lambda ctx: f"must have at most {ctx.get('max_length')} characters",
    "bool_type": lambda ctx: "must be true or false",
    "int_type": lambda ctx: "must be a whole number",
    "greater_than_equal": lambda ctx: f"must be at least {ctx.get('ge')}",
    "less_than_equal": lambda ctx: f"must be at most {ctx.get('le')}",
}


def _format_path(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) if loc else "(root)"


def _message_for(error: Mapping[str, Any]) -> str:
    loc: Loc = tuple(error["loc"])
    error_type: str = error["type"]
    if error_type == "extra_forbidden" and loc:
        key = str(loc[-1])
        if looks_like_credential(key) or key == "params":
            return f"is not allowed: {_USE_A_SECRET}"
        if loc[-2:-1] == ("auth",):
            return (
                "is not allowed in auth: the auth params belong in the Secrets Manager "
                "secret named by destination.auth.secretId"
            )
    friendly = _FRIENDLY.get(error_type)
    if friendly is not None:
        return friendly(error.get("ctx") or {})
    return str(error["msg"])


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"path", "message"}``, rule lists expanded, inputs never shown."""
    found: list[dict[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False, include_context=True):
        loc: Loc = tuple(error["loc"])
        if error["type"] == _RULES_ERROR:
            entries = [(loc + rel, message) for rel, message in error["ctx"]["violations"]]
        else:
            entries = [(loc, _message_for(error))]
        for path, message in entries:
            item = {"path": _format_path(path), "message": message}
            if item not in found:
                found.append(item)
    return found


def _validate(data: Any, context: Mapping[str, Any]) -> ActivationRequest:
    errors: list[dict[str, str]] | None = None
    try:
        return ActivationRequest.model_validate(
            dict(data) if isinstance(data, Mapping) else data, context=dict(context)
        )
    except ValidationError as exc:
        errors = _field_errors(exc)
    # Raised outside the except block: no chained ValidationError (which holds the inputs).
    raise InvalidActivationRequest(errors)


def parse_activation_request(
    data: Mapping[str, Any] | str | bytes, *, today: date | None = None
) -> ActivationRequest:
    """Validate a request (a mapping, or JSON text) against every rule.

    ``today`` overrides the UTC date the "not in the past" rules compare with.
    Raises :class:`InvalidActivationRequest` listing every broken rule by field path.
    """
    if isinstance(data, str | bytes | bytearray):
        _check_raw_size(len(data))
        _check_depth_of_text(data)
        problem: str | None = None
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            # exc.msg and the position describe the syntax; they do not quote the document.
            problem = f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        except UnicodeDecodeError:
            problem = "is not valid JSON: the text is not UTF-8"
        if problem is not None:
            raise InvalidActivationRequest([{"path": "(root)", "message": problem}])
    else:
        _check_depth_of_data(data)
    if not isinstance(data, Mapping):
        raise InvalidActivationRequest([{"path": "(root)", "message": "must be a JSON object"}])
    request = _validate(data, {_CONTEXT_TODAY: today or utc_today()})
    size = len(json.dumps(request.to_state(), separators=(",", ":")).encode("utf-8"))
    if size > MAX_REQUEST_BYTES:
        raise RequestTooLarge([{"path": "(root)", "message": _too_large(size)}])
    return request


def _too_large(size: int) -> str:
    return (
        f"is {size} bytes as JSON; the limit is {MAX_REQUEST_BYTES} bytes (Step Functions "
        "carries at most 256 KiB per state, shared with what the steps add): split the "
        "audiences over several requests"
    )


def _check_raw_size(size: int) -> None:
    # Text far beyond the limit is refused before parsing; the exact check is on the
    # normalised request, after validation.
    if size > 4 * MAX_REQUEST_BYTES:
        raise RequestTooLarge([{"path": "(root)", "message": _too_large(size)}])


def _too_deep() -> RequestNestedTooDeeply:
    return RequestNestedTooDeeply(
        [
            {
                "path": "(root)",
                "message": f"nests arrays/objects more than {MAX_NESTING_DEPTH} deep; "
                "no valid request does",
            }
        ]
    )


def _check_depth_of_text(text: str | bytes | bytearray) -> None:
    """Count bracket depth outside strings, without recursion, before json.loads recurses."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise _too_deep()
        elif byte in (0x5D, 0x7D):
            depth -= 1


def _check_depth_of_data(data: Any) -> None:
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_NESTING_DEPTH:
                raise _too_deep()
            children = value.values() if isinstance(value, Mapping) else value
            pending.extend((child, depth + 1) for child in children)
