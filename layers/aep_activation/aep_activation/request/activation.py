"""The activation request: what to activate, where, and on which schedule.

:class:`ActivationRequest` holds the rules that span the whole request (unique audiences and
attributes, distinct columns and resource names, a confirmed teardown); its parts check their
own (:mod:`.audience`, :mod:`.destination`, :mod:`aep_activation.naming`). Parse a request
with :func:`~aep_activation.request.parse_activation_request`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict

from aep_activation import catalog
from aep_activation.columns import column_name
from aep_activation.errors import InvalidActivationRequest
from aep_activation.fields import (
    CONTEXT_SKIP_CLOCK,
    ActivationName,
    ClientRequestId,
    IdentityNamespace,
    RequestModel,
    SandboxName,
    Uuid,
    XdmPath,
    one_identity_only,
)
from aep_activation.limits import (
    MAX_AUDIENCES,
    MAX_AUDIENCES_PER_JOB,
    MAX_FIRST_RUN_WAIT_MINUTES,
    MAX_PROFILE_ATTRIBUTES,
    SoftLimit,
    soft_limit_message,
    soft_limits_described,
    soft_limits_json_schema,
    too_many_attributes,
    too_many_audiences,
)
from aep_activation.naming import Resources, resource_names
from aep_activation.request.audience import CONTEXT_CARD, Audience
from aep_activation.request.destination import DestinationRequest
from aep_activation.request.messages import field_errors
from aep_activation.violations import Loc, Violations, fail, format_path, rules_error

SCHEMA_ID = "urn:aep-batch-activation:schema:activation-request"

Operation = Literal["apply", "plan", "teardown"]
DataflowState = Literal["enabled", "disabled"]


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
                raise fail(too_few)
            if len(value) > high and not overridden:
                message = too_many.format(count=len(value))
                if soft_limit is not None:
                    message += " " + soft_limit_message(soft_limit)
                raise fail(message)
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


class WaitForFirstRun(RequestModel):
    """After applying, poll the dataflow's runs until the first one finishes (or time is up)."""

    timeout_minutes: Annotated[StrictInt, Field(ge=1, le=MAX_FIRST_RUN_WAIT_MINUTES)] = Field(
        description="How long to wait for the first run to finish, in minutes "
        f"(1-{MAX_FIRST_RUN_WAIT_MINUTES}); "
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


class ActivationRequest(RequestModel):
    """Connect a batch destination and activate audiences with profile attributes to it."""

    model_config = ConfigDict(
        title="ActivationRequest",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
            # Soft limits hold unless the request overrides them by name.
            "allOf": soft_limits_json_schema(),
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
        f"for the organization: {soft_limits_described()}.",
    )
    audiences: Annotated[
        tuple[Audience, ...],
        BeforeValidator(
            _count_between(
                1,
                MAX_AUDIENCES,
                "must list at least one audience",
                too_many_audiences(),
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
                too_many_attributes(),
                "mappedAttributesPerDataflow",
            )
        ),
        Field(json_schema_extra={"minItems": 1}),
    ]
    export_now: bool = Field(
        default=False,
        description="After applying, start Adobe's ad-hoc activation of the request's audiences "
        f"(at most {MAX_AUDIENCES_PER_JOB} per job), then follow the runs until they finish (for waitForFirstRun's "
        "timeoutMinutes, 60 by default); the result says how each run ended.",
    )
    identity_namespace: Annotated[IdentityNamespace | None, BeforeValidator(one_identity_only)] = (
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
        problems = Violations()
        for index, first in _duplicates(audience.id for audience in audiences):
            problems.add((index, "id"), f"repeats audiences.{first}.id")
        problems.raise_if_any()
        return audiences

    @field_validator("profile_attributes")
    @classmethod
    def _attributes_are_unique(cls, attributes: tuple[str, ...]) -> tuple[str, ...]:
        problems = Violations()
        for index, first in _duplicates(attributes):
            problems.add(index, f"repeats profileAttributes.{first}")
        problems.raise_if_any()
        return attributes

    @field_validator("mandatory_fields", "deduplication_keys")
    @classmethod
    def _among_profile_attributes(
        cls, fields: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        problems = Violations()
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
            raise rules_error(
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
        problems = Violations()
        for loc, name in named:
            column = column_name(name)
            if column in first_of:
                other_loc, other = first_of[column]
                problems.add(
                    loc,
                    f"{name} and {other} ({format_path(other_loc)}) would both be exported as "
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
        raise rules_error([(("confirmDataflowId",), problem)])

    @model_validator(mode="after")
    def _resource_names_are_distinct(self) -> Self:
        # Both base connections live under /connections and are found by name.
        names = resource_names(self)
        if names.profile_base_connection.name == names.destination_base_connection.name:
            raise rules_error(
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
        return validate_request(state, {CONTEXT_SKIP_CLOCK: True})


def build_request_validator() -> None:
    """Build the request's validator now, which pydantic defers to its first use: about 10 ms
    of CPU, seven times that on a cold first call's seventh of a core. Every function that
    validates or re-reads a request calls it in its init phase (``lambda_init.prepare``)."""
    ActivationRequest.model_rebuild(force=True)


def validate_request(data: Any, context: Mapping[str, Any]) -> ActivationRequest:
    """The request, or :class:`InvalidActivationRequest` listing every broken rule."""
    errors: list[dict[str, str]] | None = None
    context = dict(context)
    card = _card_of(data)
    if card is not None:
        context[CONTEXT_CARD] = card
    try:
        return ActivationRequest.model_validate(
            dict(data) if isinstance(data, Mapping) else data, context=context
        )
    except ValidationError as exc:
        errors = field_errors(exc)
    # Raised outside the except block: no chained ValidationError (which holds the inputs).
    raise InvalidActivationRequest(errors)


def _card_of(data: Any) -> str | None:
    """The card the raw request's destination names, read before validation: the audiences'
    filename templates follow its selector version. None when the catalog does not know it
    (its own errors then name the destination)."""
    destination = data.get("destination") if isinstance(data, Mapping) else None
    if not isinstance(destination, Mapping):
        return None
    entry = None
    if isinstance(destination.get("type"), str):
        entry = catalog.find_destination(destination["type"])
    elif isinstance(destination.get("connectionSpecId"), str):
        entry = catalog.destination_by_connection_spec(destination["connectionSpecId"])
    return entry.card if entry is not None else None
