"""The mapping-set shape of a dataflow's attributes (Adobe's new file-based cards).

The new cloud-storage cards (S3 4fce964d, Azure Blob 6d6b59bf, ADLS Gen2 be2c3209, Data
Landing Zone 10440537, Google Cloud Storage c5d93acb, SFTP 36965a81) ignore
``profileSelectors``. Their attributes and their one identity come from a Data Prep mapping
set (input schema -> output schema), attached to the flow's ``GeneralTransform`` as
``profileMapping: {mappingId, mappingVersion}`` beside ``mandatoryFields`` and
``primaryFields`` (Adobe: "Activate audiences to file-based destinations by using the Flow
Service API", and the destinations OpenAPI, ``TransformationParams_V2``).

Two functions are the seam a lifecycle diff plugs in: :func:`desired_mapping` (what a request
wants) and :func:`attached_mapping` (what a flow holds). Everything here is pure; the calls
live in ``dataprep/ensure.py``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from aep_activation.columns import (
    IDENTITY_MAP,
    column_name,
    escape_namespace,
    identity_of_source,
    identity_source,
)
from aep_activation.request import ActivationRequest

__all__ = ["column_name", "escape_namespace", "identity_source"]

GENERAL_TRANSFORM = "GeneralTransform"
XDM_VERSION = "1.0"


def uses_mapping_set(request: ActivationRequest) -> bool:
    """Whether the request's card takes its attributes from a mapping set (the new cards)."""
    entry = request.destination.catalog_entry()
    return entry is not None and entry.card == "new"


def general_transform_skeleton() -> dict[str, Any]:
    """The transformation a new-card dataflow is created with: every part empty."""
    return {
        "name": GENERAL_TRANSFORM,
        "params": {
            "mandatoryFields": [],
            "primaryFields": [],
            "profileMapping": {},
            "segmentSelectors": {"selectors": []},
        },
    }


@dataclass(frozen=True)
class DesiredMapping:
    """What a request wants the flow to export: attributes, one identity, and the fields.

    ``mandatory_fields`` and the ATTRIBUTE ``primary_fields`` name exported columns (the
    mapped names, :func:`~aep_activation.columns.column_name`), as the flow takes them."""

    attributes: tuple[str, ...]
    identity_namespace: str | None
    mandatory_fields: tuple[str, ...]
    primary_fields: tuple[dict[str, str], ...]

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(what the request names, the column it is exported as): each attribute, then the
        identity namespace."""
        named = [*self.attributes]
        if self.identity_namespace is not None:
            named.append(self.identity_namespace)
        return [(name, column_name(name)) for name in named]

    @property
    def mappings(self) -> list[dict[str, str]]:
        """The mapping set's ``mappings``: each attribute to its column (dots become
        underscores: Adobe's destinations take no dots), then the identity, read from
        ``identityMap`` with Adobe's escape, to the column named after its namespace."""
        found = [
            {"sourceType": "ATTRIBUTE", "source": path, "destination": column_name(path)}
            for path in self.attributes
        ]
        if self.identity_namespace is not None:
            found.append(
                {
                    "sourceType": "ATTRIBUTE",
                    "source": identity_source(self.identity_namespace),
                    "destination": column_name(self.identity_namespace),
                }
            )
        return found

    @property
    def fingerprint(self) -> str:
        """A short digest of the mappings: names the schemas built for them."""
        canonical = json.dumps(self.mappings, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def input_schema(self) -> dict[str, Any]:
        """The part of the profile union schema the mappings read: the attributes as nested
        objects, and ``identityMap`` as the map it is."""
        root: dict[str, Any] = {"type": "object", "properties": {}}
        for path in self.attributes:
            node = root
            *parents, leaf = path.split(".")
            for name in parents:
                node = node["properties"].setdefault(name, {"type": "object", "properties": {}})
            node["properties"][leaf] = {"type": "string"}
        root["properties"][IDENTITY_MAP] = {
            "type": "object",
            "meta:xdmType": "map",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": {"type": "string"}}},
            },
        }
        return root

    def output_schema(self) -> dict[str, Any]:
        """The exported file's columns: one string field per mapping destination."""
        return {
            "type": "object",
            "properties": {m["destination"]: {"type": "string"} for m in self.mappings},
        }


def desired_mapping(request: ActivationRequest) -> DesiredMapping:
    identity = request.identity_namespace

    def primary(name: str) -> dict[str, str]:
        if name == identity:
            return {"identityNamespace": name, "fieldType": "IDENTITY"}
        return {"fieldType": "ATTRIBUTE", "attributePath": column_name(name)}

    return DesiredMapping(
        attributes=tuple(request.profile_attributes),
        identity_namespace=identity,
        mandatory_fields=tuple(column_name(name) for name in request.mandatory_fields),
        primary_fields=tuple(primary(name) for name in request.deduplication_keys),
    )


def mapping_set_body(
    desired: DesiredMapping, name: str, input_schema_id: str, output_schema_id: str
) -> dict[str, Any]:
    return {
        "name": name,
        "inputSchema": {"id": input_schema_id},
        "outputSchema": {"id": output_schema_id},
        "mappings": desired.mappings,
        "xdmVersion": XDM_VERSION,
    }


def _mapping_key(mapping: Any) -> tuple[str, str, str]:
    if not isinstance(mapping, dict):
        return ("", "", "")
    return (
        str(mapping.get("sourceType", "")),
        str(mapping.get("source", "")),
        str(mapping.get("destination", "")),
    )


def holds(mapping_set: dict[str, Any], desired: DesiredMapping) -> bool:
    """Whether a stored mapping set maps exactly what ``desired`` wants (Adobe adds ids,
    dates and flags to each mapping; only source type, source and destination count)."""
    stored = [_mapping_key(m) for m in mapping_set.get("mappings") or []]
    return stored == [_mapping_key(m) for m in desired.mappings]


def mapped_attributes(mapping_set: dict[str, Any]) -> tuple[list[str], str | None]:
    """(attribute sources, identity namespace) of a stored mapping set."""
    attributes: list[str] = []
    identity: str | None = None
    for mapping in mapping_set.get("mappings") or []:
        source = str(mapping.get("source", "")) if isinstance(mapping, dict) else ""
        namespace = identity_of_source(source)
        if namespace is not None:
            identity = namespace
        elif source:
            attributes.append(source)
    return attributes, identity


def renamed_columns(mapping_set: dict[str, Any], desired: DesiredMapping) -> list[str]:
    """``source: held -> wanted`` for each source a stored set maps to another column than
    ``desired`` does (a set made before destinations lost their dots, say)."""
    wanted = {m["source"]: m["destination"] for m in desired.mappings}
    renamed = []
    for mapping in mapping_set.get("mappings") or []:
        if not isinstance(mapping, dict):
            continue
        source, held = str(mapping.get("source", "")), str(mapping.get("destination", ""))
        if source in wanted and wanted[source] != held:
            renamed.append(f"{held} -> {wanted[source]}")
    return renamed


@dataclass(frozen=True)
class AttachedMapping:
    """What a new-card flow's ``GeneralTransform`` holds besides its audiences."""

    transform_index: int
    mapping_id: str | None
    mapping_version: int | None
    mandatory_fields: tuple[str, ...]
    primary_fields: tuple[dict[str, str], ...]

    def to_state(self) -> dict[str, Any]:
        return {
            "mappingId": self.mapping_id,
            "mappingVersion": self.mapping_version,
            "mandatoryFields": list(self.mandatory_fields),
            "primaryFields": [dict(p) for p in self.primary_fields],
        }

    @classmethod
    def from_state(cls, data: dict[str, Any], transform_index: int) -> AttachedMapping:
        version = data.get("mappingVersion")
        return cls(
            transform_index=transform_index,
            mapping_id=data.get("mappingId"),
            mapping_version=int(version) if isinstance(version, int) else None,
            mandatory_fields=tuple(str(f) for f in data.get("mandatoryFields") or []),
            primary_fields=tuple(
                {str(k): str(v) for k, v in p.items()}
                for p in data.get("primaryFields") or []
                if isinstance(p, dict)
            ),
        )


def attached_mapping(flow: dict[str, Any]) -> AttachedMapping | None:
    """The mapping a flow holds, or None for a flow of the legacy (selectors) shape."""
    for index, transformation in enumerate(flow.get("transformations") or []):
        if not isinstance(transformation, dict) or transformation.get("name") != GENERAL_TRANSFORM:
            continue
        params = transformation.get("params")
        if not isinstance(params, dict) or "profileMapping" not in params:
            return None
        reference = params.get("profileMapping")
        return AttachedMapping.from_state(
            {
                **(reference if isinstance(reference, dict) else {}),
                "mandatoryFields": params.get("mandatoryFields"),
                "primaryFields": params.get("primaryFields"),
            },
            index,
        )
    return None


@dataclass(frozen=True)
class MappingRef:
    """A mapping set version, as ``profileMapping`` names it."""

    mapping_id: str
    mapping_version: int


def attach_operations(
    reference: MappingRef, desired: DesiredMapping, attached: AttachedMapping | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The JSON Patch operations that make the flow hold ``reference`` and the request's
    mandatory/primary fields, and the names of what they change. "add" on an object member
    replaces it (RFC 6902 4.1), whether or not it exists yet."""
    index = attached.transform_index if attached is not None else 0
    base = f"/transformations/{index}/params"
    operations: list[dict[str, Any]] = []
    changed: list[str] = []
    current = (
        (attached.mapping_id, attached.mapping_version) if attached is not None else (None, None)
    )
    if current != (reference.mapping_id, reference.mapping_version):
        operations.append(
            {
                "op": "add",
                "path": f"{base}/profileMapping",
                "value": {
                    "mappingId": reference.mapping_id,
                    "mappingVersion": reference.mapping_version,
                },
            }
        )
        changed.append("profileMapping")
    held_mandatory = attached.mandatory_fields if attached is not None else ()
    if tuple(desired.mandatory_fields) != tuple(held_mandatory):
        operations.append(
            {
                "op": "add",
                "path": f"{base}/mandatoryFields",
                "value": list(desired.mandatory_fields),
            }
        )
        changed.append("mandatoryFields")
    held_primary = attached.primary_fields if attached is not None else ()
    if [dict(p) for p in desired.primary_fields] != [dict(p) for p in held_primary]:
        operations.append(
            {
                "op": "add",
                "path": f"{base}/primaryFields",
                "value": [dict(p) for p in desired.primary_fields],
            }
        )
        changed.append("primaryFields")
    return operations, changed
