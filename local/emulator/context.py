"""What every Flow Service handler may use: the store and the tunable behaviour."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from local.emulator import identifiers, specs
from local.emulator.exchange import Call
from local.emulator.store import ResourceStore

PATCH_STATUSES = (200, 202)


@dataclass
class Settings:
    """Behaviour a test may change while the emulator runs (``reset()`` restores it)."""

    page_size: int = 3
    patch_status: int = 200
    data_prep_list_names: bool = False
    """Data Prep list items carry ``name`` (the other shape); by default they do not, as in
    Adobe's pages (see :mod:`local.emulator.conversion`)."""

    def __post_init__(self) -> None:
        validate_settings(self.page_size, self.patch_status)


def validate_settings(page_size: int, patch_status: int) -> None:
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    if patch_status not in PATCH_STATUSES:
        raise ValueError(f"patch_status must be one of {PATCH_STATUSES}")


@dataclass
class ServiceContext:
    store: ResourceStore
    settings: Settings = field(default_factory=Settings)
    runs: Any = field(default_factory=lambda: _run_simulation())
    republished: dict[str, str] = field(default_factory=dict)
    """Flow specs Adobe re-published under a new id (old id -> new id): the old id is gone."""

    def flow_specs(self) -> list[specs.FlowSpec]:
        return [self._current(spec) for spec in specs.FLOW_SPECS]

    def flow_spec(self, spec_id: str) -> specs.FlowSpec | None:
        return next((spec for spec in self.flow_specs() if spec.id == spec_id), None)

    def _current(self, spec: specs.FlowSpec) -> specs.FlowSpec:
        new_id = self.republished.get(spec.id)
        return spec if new_id is None else dataclasses.replace(spec, id=new_id)


def _run_simulation() -> Any:
    """A fresh :class:`local.emulator.runs.RunSimulation` (imported late: runs uses this module)."""
    from local.emulator.runs import RunSimulation

    return RunSimulation()


def metadata(call: Call) -> dict[str, Any]:
    """The system fields every created resource carries."""
    return identifiers.system_fields(call.require_tenant, call.client_id or "unknown")


def new_version(doc: dict[str, Any]) -> str:
    """Give ``doc`` a fresh etag (``version`` mirrors it, as in Adobe's samples)."""
    etag = identifiers.new_etag()
    doc["etag"] = etag
    doc["version"] = etag
    return etag


def touch(doc: dict[str, Any], client: str | None) -> str:
    """Mark ``doc`` updated by ``client`` and give it a fresh etag."""
    doc["updatedAt"] = identifiers.now_ms()
    if client:
        doc["updatedBy"] = f"{client}@AdobeID"
        doc["updatedClient"] = client
    return new_version(doc)


def created(doc: dict[str, Any]) -> dict[str, Any]:
    """The 201 body of every create: ``{id, etag}``."""
    return {"id": doc["id"], "etag": doc["etag"]}
