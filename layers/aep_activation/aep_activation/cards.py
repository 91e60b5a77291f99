"""What a destination card says: its auth specs, target modes and the rules of their params.

The cards themselves, and the lookups by name or connection spec, are in
:mod:`aep_activation.catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

PROFILE_STORE_CONNECTION_SPEC_ID = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
"""Source of audience (segment) exports: the Real-Time Customer Profile store."""


def frozen_map(
    items: Mapping[str, tuple[str, ...]] | None = None,
) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True)
class AuthSpec:
    """One way to authenticate to a destination: ``auth.specName`` and its required params.

    The params themselves live in the Secrets Manager secret named by ``auth.secretId``.
    """

    name: str
    required_params: tuple[str, ...]
    secret_params: frozenset[str] = frozenset()
    request_params: tuple[str, ...] = ()
    """Params that are not secrets and travel in the request (``auth.s3Role``)."""
    refused_secret_params: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, compare=False
    )
    """Secret keys this auth spec must not get, with the reason (new SFTP card: ``host``)."""

    @property
    def needs_secret(self) -> bool:
        """False for specs whose params are all in the request (Assumed Role) or that take
        none at all (Data Landing Zone)."""
        return bool(set(self.required_params) - set(self.request_params))


@dataclass(frozen=True)
class ParamPattern:
    """A value rule for one target param: a regular expression and the rule in words."""

    regex: str
    rule: str

    def matches(self, value: str) -> bool:
        return re.search(self.regex, value) is not None


@dataclass(frozen=True)
class TargetMode:
    """One ``params.mode`` of a target connection, with the params it requires and allows."""

    name: str
    required_params: tuple[str, ...]
    optional_params: tuple[str, ...] = ()
    allowed_values: Mapping[str, tuple[str, ...]] = field(
        default_factory=frozen_map, hash=False, compare=False
    )
    value_patterns: Mapping[str, ParamPattern] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, compare=False
    )

    @property
    def known_params(self) -> tuple[str, ...]:
        return self.required_params + self.optional_params


@dataclass(frozen=True)
class Destination:
    """A destination card: its connection spec, default flow spec, auth specs and target modes."""

    name: str
    aliases: tuple[str, ...]
    connection_spec_id: str
    flow_spec_id: str | None
    """The audience flow spec; None where only runtime resolution can tell (Adobe Campaign)."""
    flow_spec_name: str
    card: Literal["legacy", "new"]
    auth_specs: tuple[AuthSpec, ...]
    target_modes: tuple[TargetMode, ...]
    dataset_flow_spec_id: str | None = None
    dataset_flow_spec_name: str | None = None
    source_connection_spec_id: str = PROFILE_STORE_CONNECTION_SPEC_ID
    mode_for_auth: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, compare=False
    )
    """When not empty, each auth spec allows exactly one target mode (Adobe Campaign)."""
    successor: str | None = None
    """Set on the cards Adobe retired: the new card that replaces it."""
    flow_spec_source: str = ""
    """Where ``flow_spec_id`` comes from. Only a default: ResolveSpecs takes the flow spec
    Flow Service serves for the card (Profile Store source), and warns when it differs."""

    @property
    def retired(self) -> bool:
        return self.successor is not None

    def retirement_warning(self) -> str | None:
        if self.successor is None:
            return None
        return (
            f"Adobe retired the legacy {self.name} card (connection spec "
            f"{self.connection_spec_id}): it migrated these destinations to the new "
            f"{self.successor} card by June 30, 2023, and scripts still using the legacy flow "
            f"entities stop working. Activate to {self.successor!r} instead."
        )

    @property
    def is_legacy(self) -> bool:
        return self.card == "legacy"

    @property
    def auth_spec_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.auth_specs)

    @property
    def target_mode_names(self) -> tuple[str, ...]:
        return tuple(mode.name for mode in self.target_modes)

    def auth_spec(self, spec_name: str) -> AuthSpec | None:
        return next((spec for spec in self.auth_specs if spec.name == spec_name), None)

    def target_mode(self, mode_name: str) -> TargetMode | None:
        return next((mode for mode in self.target_modes if mode.name == mode_name), None)

    def modes_for_auth(self, spec_name: str) -> tuple[str, ...]:
        """The target modes a base connection made with this auth spec can serve."""
        paired = self.mode_for_auth.get(spec_name)
        return (paired,) if paired else self.target_mode_names
