"""The request's field types: each a rule in plain words, also exported to the JSON Schema.

Messages name the rule; they never repeat a submitted value (a credential pasted in the wrong
place must not end up in a log). Shared by the request's models and naming's
(:mod:`aep_activation.naming`), so it imports neither.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from aep_activation.violations import Matches, fail

CLIENT_REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"
"""A requester's ``requestId``: checked by the request model, and again wherever a raw
request's id is echoed (a refused SQS message, a failed run's result)."""

CONTEXT_TODAY = "today"
CONTEXT_SKIP_CLOCK = "skip_clock_rules"


def utc_today() -> date:
    """Today's date in UTC: the clock the "not in the past" rules use (tests pass their own)."""
    return datetime.now(UTC).date()


class RequestModel(BaseModel):
    """The base of every model of the request: camelCase, closed, frozen, secret-safe."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,  # a ValidationError printed anywhere must not echo secrets
        # Only the request's validator is ever used: the nested models' own are not built.
        defer_build=True,
    )


def one_identity_only(value: Any) -> Any:
    if isinstance(value, list | tuple):
        raise fail(
            "must be one identity namespace (a string): Adobe exports only one identity per "
            "dataflow"
        )
    return value


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
    Matches(_UUID_REGEX, "must be a UUID like 9f7d37fd-7039-4454-94ef-2b0cd6c3206a"),
    AfterValidator(_lowercase),
]
ActivationName = Annotated[
    str,
    Matches(
        r"^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]{0,62}[A-Za-z0-9_.-])?$",
        "must be 1-64 letters, digits, spaces, '_', '.' or '-', "
        "not starting or ending with a space",
    ),
]
SandboxName = Annotated[
    str,
    Matches(
        r"^[a-z0-9][a-z0-9-]{0,255}$",
        "must be a sandbox name: lowercase letters, digits and hyphens (1-256), e.g. prod",
    ),
]
ClientRequestId = Annotated[
    str,
    Matches(
        CLIENT_REQUEST_ID_PATTERN,
        "must be 1-128 letters, digits, '.', '_', ':', '/' or '-', starting with a letter or digit",
    ),
]
XdmPath = Annotated[
    str,
    Matches(
        _XDM_PATH_REGEX,
        "must be an XDM path of dot-separated field names, e.g. person.name.firstName",
    ),
]
RoleArn = Annotated[
    str,
    Matches(
        r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
        "must be an IAM role ARN like arn:aws:iam::123456789012:role/aep-export",
    ),
]
IdentityNamespace = Annotated[
    str,
    Matches(
        r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        "must be an identity namespace code: letters, digits, '_', '.', '-' (e.g. Email, "
        "Phone_E.164)",
    ),
]
SecretId = Annotated[
    str,
    Matches(
        f"(?:{_SECRET_NAME_REGEX})|(?:{_SECRET_ARN_REGEX})",
        "must be a Secrets Manager secret name (1-512 of letters, digits, '/_+=.@-') or ARN",
    ),
]
StartTime = Annotated[
    str,
    # Adobe's destinations API: "The correct format is `HH:MM`. Minutes must be `00`."
    Matches(r"^([01][0-9]|2[0-3]):00$", "must be a whole UTC hour HH:00, from 00:00 to 23:00"),
]


def no_control_characters(value: str) -> str:
    """NUL, CR/LF, ANSI escapes and other control characters have no place in names and
    params: they forge log lines and terminal output and Adobe has no use for them."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise fail("must not contain control characters (NUL, CR, LF, ESC...)")
    return value


def no_control_characters_but_line_breaks(value: str) -> str:
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise fail("must not contain control characters other than tab and line feed")
    return value


Description = Annotated[
    str, Field(max_length=1024), AfterValidator(no_control_characters_but_line_breaks)
]
NonEmptyText = Annotated[
    str, Field(min_length=1, max_length=256), AfterValidator(no_control_characters)
]


def _iso_date(value: Any) -> Any:
    """Dates are ``YYYY-MM-DD`` text (Adobe's format); date objects pass (python callers)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(_ISO_DATE_REGEX, value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise fail("must be a real calendar date in the form YYYY-MM-DD") from None
    raise fail("must be a date in the form YYYY-MM-DD")


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _ISO_DATE_REGEX}),
]


def clock_today(info: ValidationInfo) -> date | None:
    """The date "not in the past" compares with, or None when those rules are off."""
    context = info.context if isinstance(info.context, Mapping) else {}
    if context.get(CONTEXT_SKIP_CLOCK):
        return None
    today = context.get(CONTEXT_TODAY)
    return today if isinstance(today, date) else utc_today()
