"""Deterministic names for the resources an activation creates.

Creation steps find-or-create by name, so a retry after an ambiguous failure finds what the
first attempt made instead of making a duplicate. That only works if the same request always
yields the same names: they derive from ``request.name`` alone (or the request's explicit
``resources.*`` overrides), never from a clock, a random value or the catalog's wording.

Here are the request's ``resources`` models (the overrides), the names derived from them, and
the names of the Data Prep resources the new cards add. The request's models import this
module; it reads a request only through :class:`Named` (its ``name`` and ``resources``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from pydantic import AfterValidator

from aep_activation.fields import Description, RequestModel, no_control_characters
from aep_activation.violations import Matches

_TOOL = "aep-batch-activation"

ResourceNameText = Annotated[
    str,
    Matches(
        r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]{0,254}[^\s\x00-\x1f\x7f])?$",
        "must be 1-256 characters, no control characters, no leading or trailing spaces",
    ),
    AfterValidator(no_control_characters),  # the pattern leaves out C1 controls
]


class ResourceNaming(RequestModel):
    """A name and description to use instead of the derived ones."""

    name: ResourceNameText | None = None
    description: Description | None = None


class Resources(RequestModel):
    """Optional overrides of the names of the resources the activation creates."""

    profile_base_connection: ResourceNaming | None = None
    source_connection: ResourceNaming | None = None
    destination_base_connection: ResourceNaming | None = None
    target_connection: ResourceNaming | None = None
    dataflow: ResourceNaming | None = None


class Named(Protocol):
    """What the names derive from: an activation request's name and overrides."""

    @property
    def name(self) -> str: ...

    @property
    def resources(self) -> Resources: ...


@dataclass(frozen=True)
class ResourceName:
    name: str
    description: str


@dataclass(frozen=True)
class ResourceNames:
    profile_base_connection: ResourceName
    source_connection: ResourceName
    destination_base_connection: ResourceName
    target_connection: ResourceName
    dataflow: ResourceName

    def to_dict(self) -> dict[str, dict[str, str]]:
        """camelCase keys, as in the request's ``resources`` (for state and logs)."""
        return {
            "profileBaseConnection": _as_dict(self.profile_base_connection),
            "sourceConnection": _as_dict(self.source_connection),
            "destinationBaseConnection": _as_dict(self.destination_base_connection),
            "targetConnection": _as_dict(self.target_connection),
            "dataflow": _as_dict(self.dataflow),
        }


def _as_dict(resource: ResourceName) -> dict[str, str]:
    return {"name": resource.name, "description": resource.description}


def default_resource_names(activation_name: str) -> ResourceNames:
    """The names used when the request gives no overrides."""

    def named(suffix: str, what: str) -> ResourceName:
        return ResourceName(
            name=f"{activation_name} - {suffix}",
            description=f"{what} for activation '{activation_name}' (managed by {_TOOL})",
        )

    return ResourceNames(
        profile_base_connection=named(
            "Profile Store base connection", "Base connection to the Profile Store"
        ),
        source_connection=named(
            "Profile Store source connection", "Source connection to the Profile Store"
        ),
        destination_base_connection=named(
            "destination base connection", "Base connection to the destination"
        ),
        target_connection=named("destination target connection", "Target connection"),
        dataflow=named("dataflow", "Dataflow activating audiences"),
    )


def _override(default: ResourceName, given: ResourceNaming | None) -> ResourceName:
    if given is None:
        return default
    return ResourceName(
        name=given.name if given.name is not None else default.name,
        description=given.description if given.description is not None else default.description,
    )


def resource_names(request: Named) -> ResourceNames:
    """The five resource names for this request: overrides first, else derived from its name."""
    defaults = default_resource_names(request.name)
    given = request.resources
    return ResourceNames(
        profile_base_connection=_override(
            defaults.profile_base_connection, given.profile_base_connection
        ),
        source_connection=_override(defaults.source_connection, given.source_connection),
        destination_base_connection=_override(
            defaults.destination_base_connection, given.destination_base_connection
        ),
        target_connection=_override(defaults.target_connection, given.target_connection),
        dataflow=_override(defaults.dataflow, given.dataflow),
    )


def mapping_set_name(request: Named) -> str:
    """The new cards' Data Prep mapping set, named after the dataflow."""
    return f"{resource_names(request).dataflow.name} - mapping set"


def schema_name(base: str, side: str, fingerprint: str) -> str:
    """A Data Prep input or output schema's name: Data Prep schemas have no update, so the name
    carries the fingerprint of the mappings they were made for."""
    return f"{base} - {side} schema {fingerprint}"
