"""Deterministic names for the resources an activation creates.

Creation steps find-or-create by name, so a retry after an ambiguous failure finds what the
first attempt made instead of making a duplicate. That only works if the same request always
yields the same names: they derive from ``request.name`` alone (or the request's explicit
``resources.*`` overrides), never from a clock, a random value or the catalog's wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # model.py imports this module; the types are only needed for checking
    from aep_activation.model import ActivationRequest, ResourceNaming

_TOOL = "aep-batch-activation"


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


def resource_names(request: ActivationRequest) -> ResourceNames:
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


CLIENT_REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"
"""A requester's ``requestId``: checked by the request model, and again wherever a raw
request's id is echoed (a refused SQS message, a failed run's result)."""
