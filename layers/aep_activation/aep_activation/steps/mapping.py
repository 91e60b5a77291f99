"""The mapping set of a new-card dataflow: find or create its schemas and the set itself.

Names derive from the dataflow's name, so a re-run finds what it made:

- the input and output schemas carry the mappings' fingerprint in their name (Data Prep
  schemas have no update: new mappings need new schemas);
- the mapping set has one name per dataflow; when the request's attributes change, the set
  gets a new version (``PUT``), and the flow is re-pointed at that version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aep_activation.conversion import ConversionClient
from aep_activation.errors import FlowServiceUnavailable
from aep_activation.mapping_set import DesiredMapping, MappingRef, holds, mapping_set_body
from aep_activation.model import ActivationRequest
from aep_activation.naming import resource_names


@dataclass(frozen=True)
class EnsuredMapping:
    reference: MappingRef
    created: list[str] = field(default_factory=list)
    """What this call made: "inputSchema", "outputSchema", "mappingSet", "mappingVersion"."""
    mappings: list[dict[str, str]] = field(default_factory=list)
    """What that version maps (the request's mappings)."""


def mapping_set_name(request: ActivationRequest) -> str:
    return f"{resource_names(request).dataflow.name} - mapping set"


def ensure_mapping_set(
    request: ActivationRequest, conversion: ConversionClient, desired: DesiredMapping
) -> EnsuredMapping:
    base = resource_names(request).dataflow.name
    created: list[str] = []
    schema_ids = {}
    for side, json_schema in (
        ("input", desired.input_schema()),
        ("output", desired.output_schema()),
    ):
        name = f"{base} - {side} schema {desired.fingerprint}"
        found = conversion.find_schema_by_name(name)
        if found is None:
            found = conversion.create_schema(name, json_schema)
            created.append(f"{side}Schema")
        schema_ids[side] = str(found["id"])

    name = mapping_set_name(request)
    body = mapping_set_body(desired, name, schema_ids["input"], schema_ids["output"])
    found = conversion.find_mapping_set_by_name(name)
    if found is None:
        answer = conversion.create_mapping_set(body)
        created.append("mappingSet")
        return EnsuredMapping(
            MappingRef(str(answer["id"]), _version(answer)), created, desired.mappings
        )
    mapping_id = str(found["id"])
    version = _version(found)
    current = found if "mappings" in found else conversion.get_mapping_set(mapping_id, version)
    if holds(current, desired):
        return EnsuredMapping(MappingRef(mapping_id, version), created, desired.mappings)
    answer = conversion.update_mapping_set(mapping_id, body)
    created.append("mappingVersion")
    return EnsuredMapping(MappingRef(mapping_id, _version(answer)), created, desired.mappings)


def _version(answer: dict[str, object]) -> int:
    version = answer.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise FlowServiceUnavailable("the mapping set answer lacks its integer version")
    return version
