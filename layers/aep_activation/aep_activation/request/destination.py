"""The destination: a known card by ``type``, or any card by ``connectionSpecId``.

A known card's own rules (its auth specs, target modes and params) are checked against the
catalog by :func:`~aep_activation.request.card.check_against_card`.
"""

from __future__ import annotations

from typing import Self

from pydantic import ConfigDict, Field, model_validator

from aep_activation import catalog
from aep_activation.cards import Destination
from aep_activation.errors import UnknownDestination
from aep_activation.fields import NonEmptyText, RequestModel, Uuid
from aep_activation.request.card import check_against_card
from aep_activation.request.target import DestinationAuth, DestinationTarget
from aep_activation.violations import Violations


class DestinationRequest(RequestModel):
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

    def catalog_entry(self) -> Destination | None:
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
        problems = Violations()
        entry: Destination | None = None
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
            check_against_card(entry, self.auth, self.target, problems)
        problems.raise_if_any()
        return self
