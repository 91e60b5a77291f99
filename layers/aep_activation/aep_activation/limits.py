"""Every guardrail the project enforces, with the words it is refused in.

Adobe's own limits on a dataflow and an ad-hoc export, and the project's bounds on what one
request may weigh and how long a run may wait. The request's rules, its JSON Schema and the
check against a live dataflow all read them from here. Soft limits named in the request's
``overrideSoftLimits`` are not enforced (Adobe raises them per organization on request).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from aep_activation.errors import GuardrailExceeded

MAX_AUDIENCES = 250
"""Adobe's guardrail: audiences per dataflow."""
MAX_PROFILE_ATTRIBUTES = 50
"""Adobe's guardrail: mapped attributes per dataflow."""
MAX_AUDIENCES_PER_JOB = 80
"""Adobe: "each ad-hoc activation job can activate up to 80 segments"."""
MAX_REQUEST_BYTES = 128 * 1024
"""The normalised request, as JSON in UTF-8, at most this: Step Functions allows 256 KiB per
state input, and the steps add the dataflow snapshot, ids and results beside the request."""
MAX_NESTING_DEPTH = 32
"""Arrays/objects nested deeper than this are refused before parsing (a valid request nests
about 5 deep; deeper input only threatens the parser's recursion)."""
MAX_FIRST_RUN_WAIT_MINUTES = 1440
"""Waiting for the first export is bounded by a day (a daily schedule's first run)."""


@dataclass(frozen=True)
class SoftLimitRule:
    """One of Adobe's soft limits: the request field it bounds and what it counts."""

    field: str
    """The request's list it bounds (camelCase, as in the JSON Schema)."""
    ceiling: int
    counted: str
    """What the list holds, in the messages ("mapped attributes")."""


SoftLimit = Literal["audiencesPerDataflow", "mappedAttributesPerDataflow"]
"""The names ``overrideSoftLimits`` takes."""
SOFT_LIMIT_RULES: Mapping[SoftLimit, SoftLimitRule] = {
    "audiencesPerDataflow": SoftLimitRule("audiences", MAX_AUDIENCES, "audiences"),
    "mappedAttributesPerDataflow": SoftLimitRule(
        "profileAttributes", MAX_PROFILE_ATTRIBUTES, "mapped attributes"
    ),
}
SOFT_LIMITS: Mapping[str, int] = {name: rule.ceiling for name, rule in SOFT_LIMIT_RULES.items()}
"""Adobe's soft guardrails, by the name a request uses to override them (overrideSoftLimits)."""


def soft_limit_message(limit: str) -> str:
    return (
        f"(Adobe's soft limit {limit}; if Adobe raised it for your organization, add "
        f"{limit!r} to overrideSoftLimits)"
    )


def soft_limits_described() -> str:
    """The soft limits and their ceilings, for the request field that overrides them."""
    return ", ".join(f"{name} ({ceiling})" for name, ceiling in SOFT_LIMITS.items())


def soft_limits_json_schema() -> list[Any]:
    """The JSON Schema's ``allOf``: each soft limit holds unless the request overrides it."""
    return [
        {
            "if": {
                "not": {
                    "required": ["overrideSoftLimits"],
                    "properties": {"overrideSoftLimits": {"contains": {"const": name}}},
                }
            },
            "then": {"properties": {rule.field: {"maxItems": rule.ceiling}}},
        }
        for name, rule in SOFT_LIMIT_RULES.items()
    ]


def too_many_audiences() -> str:
    """The request's own count, over the limit (``{count}`` is filled in by the rule)."""
    return f"lists {{count}} audiences; Adobe allows at most {MAX_AUDIENCES} per dataflow"


def too_many_attributes() -> str:
    return (
        f"lists {{count}} attributes; Adobe allows at most {MAX_PROFILE_ATTRIBUTES} "
        "mapped attributes per dataflow"
    )


def request_too_large(size: int) -> str:
    return (
        f"is {size} bytes as JSON; the limit is {MAX_REQUEST_BYTES} bytes (Step Functions "
        "carries at most 256 KiB per state, shared with what the steps add): split the "
        "audiences over several requests"
    )


def nested_too_deeply() -> str:
    return f"nests arrays/objects more than {MAX_NESTING_DEPTH} deep; no valid request does"


class _Overrides(Protocol):
    """What the dataflow check reads of a request (the request package imports this module)."""

    @property
    def override_soft_limits(self) -> Collection[str]: ...


def check_dataflow_totals(
    request: _Overrides, dataflow_id: str, *, audiences: int, attributes: int
) -> None:
    """Raise :class:`GuardrailExceeded` if the dataflow would hold too much.

    The request model checks the request's own counts; here the check is against the dataflow
    as it will be after the change (an existing dataflow may already hold audiences), before
    the PATCH that would cross them.
    """
    totals: dict[SoftLimit, int] = {
        "audiencesPerDataflow": audiences,
        "mappedAttributesPerDataflow": attributes,
    }
    for limit, total in totals.items():
        rule = SOFT_LIMIT_RULES[limit]
        if total > rule.ceiling and limit not in request.override_soft_limits:
            raise GuardrailExceeded(
                f"dataflow {dataflow_id} would hold {total} {rule.counted}; "
                f"Adobe allows at most {rule.ceiling} {soft_limit_message(limit)}"
            )
