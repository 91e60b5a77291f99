"""The mapping set of a new-card dataflow: find or create its schemas and the set itself.

The dataflow is the source of truth: its ``profileMapping {mappingId, mappingVersion}`` is
the one link to its mapping set that Adobe keeps. Where it names a set, that version is read
back; it is reused when it maps what the request wants, and gets a new version (``PUT``)
when not. Nothing is looked up by name there.

Names are looked up only for what no flow points at yet: a first run, a retry after a lost
create, and the new schemas a new version needs (Data Prep schemas have no update; their
name carries the mappings' fingerprint). Those look-ups use Data Prep's documented ``name``
filter, whose list items carry no name, so an item is used only when its content confirms
it: a schema holding the JSON schema we would create, a mapping set joining our schemas with
our mappings. An item answered under our name that does not confirm is never attached: it is
reported in ``leftBehind`` (Adobe's Data Prep API offers no delete).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

from aep_activation.dataprep.client import ConversionClient
from aep_activation.dataprep.mapping import (
    AttachedMapping,
    DesiredMapping,
    MappingRef,
    desired_mapping,
    holds,
    mapping_set_body,
)
from aep_activation.errors import FlowServiceUnavailable
from aep_activation.flow_service import Created
from aep_activation.naming import mapping_set_name, resource_names, schema_name
from aep_activation.request import ActivationRequest
from aep_activation.step_inputs import LookedUp
from aep_activation.steps.find_or_create import Ensured, find_or_create

UNCONFIRMED: Final = (
    "answered under this activation's name but not what it maps, and no flow points at it; "
    "Adobe's Data Prep API offers no delete"
)


NEW: Final = "(new)"
"""The id a dry run gives what it would create."""


@dataclass(frozen=True)
class EnsuredMapping:
    reference: MappingRef | None
    """The version that maps the request; None only in a dry run that would write one."""
    created: list[str] = field(default_factory=list)
    """What this call made: "inputSchema", "outputSchema", "mappingSet", "mappingVersion"."""
    mappings: list[dict[str, str]] = field(default_factory=list)
    """What that version maps (the request's mappings)."""
    left_behind: list[dict[str, Any]] = field(default_factory=list)
    """Data Prep resources found under this activation's names and not used (teardown's
    ``leftBehind`` shape: kind, id, version for a mapping set, reason)."""
    would_create: list[dict[str, str]] = field(default_factory=list)
    """A dry run's writes, in order: ``{"resource", "name"}`` (resource: "inputSchema",
    "outputSchema", "mappingSet", or "mappingVersion" with the set's id as its name)."""

    def to_state(self) -> dict[str, Any]:
        """What the state carries: the version's id and number, what was made, orphans."""
        return {
            "mappingId": self.reference.mapping_id if self.reference else None,
            "mappingVersion": self.reference.mapping_version if self.reference else None,
            "created": list(self.created),
            "leftBehind": list(self.left_behind),
        }


def data_prep_names(request: ActivationRequest) -> tuple[str, str, str]:
    """The names the Data Prep step finds its resources by: input schema, output schema,
    mapping set (ResolveSpecs looks them up beside the connections)."""
    base, desired = resource_names(request).dataflow.name, desired_mapping(request)
    return (
        schema_name(base, "input", desired.fingerprint),
        schema_name(base, "output", desired.fingerprint),
        mapping_set_name(request),
    )


def ensure_mapping_set(
    request: ActivationRequest,
    conversion: ConversionClient,
    desired: DesiredMapping,
    attached: AttachedMapping | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    looked_up: LookedUp | None = None,
    dry_run: bool = False,
) -> EnsuredMapping:
    """The mapping set version the flow must name. ``attached``: what the flow names now.

    ``looked_up``: ResolveSpecs' look-up found nothing under this activation's Data Prep
    names (``id`` None), so a first attempt creates without finding (see :class:`LookedUp`).
    ``dry_run``: only reads; what would be written is listed in ``would_create``."""
    ensure = _Ensure(request, conversion, desired, sleep, looked_up=looked_up, dry_run=dry_run)
    if attached is not None and attached.mapping_id and attached.mapping_version is not None:
        return ensure.from_flow(attached.mapping_id, attached.mapping_version)
    return ensure.by_name()


class _Ensure:
    def __init__(
        self,
        request: ActivationRequest,
        conversion: ConversionClient,
        desired: DesiredMapping,
        sleep: Callable[[float], None],
        *,
        looked_up: LookedUp | None,
        dry_run: bool,
    ) -> None:
        self.request = request
        self.conversion = conversion
        self.desired = desired
        self.sleep = sleep
        self.looked_up = looked_up
        self.dry_run = dry_run
        self.would_create: list[dict[str, str]] = []
        self.created: list[str] = []
        self.left_behind: list[dict[str, Any]] = []
        self.in_use: set[str] = set()
        """The ids of the schemas the ensured version uses."""

    def done(self, mapping_id: str, version: int) -> EnsuredMapping:
        reference = None if mapping_id == NEW else MappingRef(mapping_id, version)
        return EnsuredMapping(
            reference,
            self.created,
            self.desired.mappings,
            self.left_behind,
            self.would_create,
        )

    # --- the flow names a set ----------------------------------------------------------------

    def from_flow(self, mapping_id: str, version: int) -> EnsuredMapping:
        if holds(self.conversion.get_mapping_set(mapping_id, version), self.desired):
            return self.done(mapping_id, version)
        # An earlier attempt's PUT may have landed without its answer: its version is newer.
        latest = self.conversion.get_latest_mapping_set(mapping_id)
        if _version(latest) > version and holds(latest, self.desired):
            return self.done(mapping_id, _version(latest))
        schemas = self.schemas()
        body = self.body(schemas)
        if self.dry_run:
            self.would_create.append({"resource": "mappingVersion", "name": mapping_id})
            return self.done(NEW, 0)
        try:
            answer = self.conversion.update_mapping_set(mapping_id, body)
        except FlowServiceUnavailable as exc:
            if not exc.outcome_unknown:
                raise
            latest = self.conversion.get_latest_mapping_set(mapping_id)
            if not holds(latest, self.desired) or _version(latest) <= version:
                raise
            answer = latest
        self.created.append("mappingVersion")
        return self.done(mapping_id, _version(answer))

    # --- no flow names one yet ---------------------------------------------------------------

    def by_name(self) -> EnsuredMapping:
        schemas = self.schemas()
        body = self.body(schemas)

        def confirms(item: dict[str, Any]) -> bool:
            return self.mapping_set_confirms(item, schemas)

        made: dict[str, Any] = {}

        def create(wanted: dict[str, Any]) -> Created:
            made.update(self.conversion.create_mapping_set(wanted))
            return Created(str(made["id"]))

        ensured = self.ensure(
            "mappingSet", body, create, self.conversion.find_mapping_sets, confirms
        )
        if ensured.id == NEW:
            return self.done(NEW, 0)
        if ensured.created:
            self.created.append("mappingSet")
        return self.done(ensured.id, _version(ensured.document or made))

    def mapping_set_confirms(self, item: dict[str, Any], schemas: dict[str, str]) -> bool:
        """Joins our schemas with our mappings (read whole when the list item is partial)."""
        if NEW in schemas.values():
            return False  # a dry run's schemas that do not exist yet: no set joins them
        if "mappings" not in item:
            item = self.conversion.get_mapping_set(str(item["id"]), _version(item))
        return all(
            _reference_id(item.get(f"{side}Schema")) == schemas[side]
            for side in ("input", "output")
        ) and holds(item, self.desired)

    # --- schemas -----------------------------------------------------------------------------

    def schemas(self) -> dict[str, str]:
        """The input and output schemas of the desired mappings: no flow points at them
        until the set that uses them is attached, so they are found by name. The two do not
        depend on each other: they are ensured side by side."""
        base = resource_names(self.request).dataflow.name
        sides = (("input", self.desired.input_schema()), ("output", self.desired.output_schema()))

        def one(side: str, json_schema: dict[str, Any]) -> Ensured:
            def confirms(item: dict[str, Any]) -> bool:
                return _contains(item.get("jsonSchema"), json_schema)

            def create(body: dict[str, Any]) -> Created:
                answer = self.conversion.create_schema(str(body["name"]), body["jsonSchema"])
                return Created(str(answer["id"]))

            body = {
                "name": schema_name(base, side, self.desired.fingerprint),
                "jsonSchema": json_schema,
            }
            return self.ensure(
                f"{side}Schema", body, create, self.conversion.find_schemas, confirms
            )

        if self.dry_run:  # reads only, in order: the plan lists what it would make in order
            results = [one(side, json_schema) for side, json_schema in sides]
        else:
            with ThreadPoolExecutor(max_workers=len(sides)) as pool:
                futures = [pool.submit(one, side, json_schema) for side, json_schema in sides]
                results = [future.result() for future in futures]
        ids = {}
        for (side, _), ensured in zip(sides, results, strict=True):
            if ensured.created and ensured.id != NEW:
                self.created.append(f"{side}Schema")
            ids[side] = ensured.id
        self.in_use |= set(ids.values())
        return ids

    # --- shared ------------------------------------------------------------------------------

    def body(self, schemas: dict[str, str]) -> dict[str, Any]:
        return mapping_set_body(
            self.desired, mapping_set_name(self.request), schemas["input"], schemas["output"]
        )

    def confirmed(
        self,
        name: str,
        kind: str,
        find: Callable[[str], list[dict[str, Any]]],
        confirms: Callable[[dict[str, Any]], bool],
    ) -> dict[str, Any] | None:
        """The oldest item found under ``name`` that ``confirms``; every other one is
        reported in ``leftBehind`` (it is never attached)."""
        chosen: dict[str, Any] | None = None
        for item in find(name):
            if chosen is None and confirms(item):
                chosen = item
            else:
                self.leave(kind, item)
        return chosen

    def ensure(
        self,
        resource: str,
        body: dict[str, Any],
        create: Callable[[dict[str, Any]], Created],
        find: Callable[[str], list[dict[str, Any]]],
        confirms: Callable[[dict[str, Any]], bool],
    ) -> Ensured:
        """The project's find-or-create under ``body["name"]``: the oldest item found that
        ``confirms`` (every other one is left behind), else created once; a create whose
        answer is lost is looked for by name, never made again. A dry run only finds."""
        kind = "mappingSets" if resource == "mappingSet" else "schemas"

        def found(name: str) -> dict[str, Any] | None:
            return self.confirmed(name, kind, find, confirms)

        if self.dry_run:
            item = found(str(body["name"]))
            if item is not None:
                return Ensured(id=str(item["id"]), created=False, document=item)
            self.would_create.append({"resource": resource, "name": str(body["name"])})
            return Ensured(id=NEW, created=True)
        return find_or_create(
            resource,
            body,
            find=found,
            create=create,
            same=lambda _item: True,  # ``confirmed`` returns only an item that confirms
            differs="",
            sleep=self.sleep,
            looked_up=self.looked_up,
        )

    def leave(self, kind: str, item: dict[str, Any]) -> None:
        """Report ``item`` in ``leftBehind``; a mapping set with its schemas (as teardown
        does), except the schemas the version in use shares with it."""
        entry: dict[str, Any] = {"kind": kind, "id": str(item.get("id"))}
        if kind == "mappingSets":
            entry["version"] = item.get("version")
        entry["reason"] = UNCONFIRMED
        if entry not in self.left_behind:
            self.left_behind.append(entry)
        if kind == "mappingSets":
            for side in ("inputSchema", "outputSchema"):
                schema_id = _reference_id(item.get(side))
                if schema_id is not None and schema_id not in self.in_use:
                    self.leave("schemas", {"id": schema_id})


def _reference_id(reference: Any) -> str | None:
    value = reference.get("id") if isinstance(reference, dict) else None
    return value if isinstance(value, str) else None


def _contains(held: Any, wanted: Any) -> bool:
    """Whether ``held`` holds everything ``wanted`` does (Adobe may add ``$id``, titles or
    ``meta:`` keys to a stored JSON schema; it does not take any away). Adobe's samples
    show ``jsonSchema`` as an object and, for a schema made from an XDM one, as a string."""
    if isinstance(held, str) and isinstance(wanted, dict):
        try:
            held = json.loads(held)
        except ValueError:
            return False
    if isinstance(wanted, dict):
        return isinstance(held, dict) and all(
            key in held and _contains(held[key], value) for key, value in wanted.items()
        )
    return bool(held == wanted)


def _version(answer: dict[str, Any]) -> int:
    version = answer.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise FlowServiceUnavailable("the mapping set answer lacks its integer version")
    return version
