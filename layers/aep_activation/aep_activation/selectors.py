"""What a dataflow holds, and the JSON Patch that makes it hold what a request asks for.

A flow's ``transformations[GeneralTransform].params`` carries ``segmentSelectors.selectors``
(one ``PLATFORM_SEGMENT`` per audience) and ``profileSelectors`` (``JSON_PATH`` attributes,
``mandatoryFields``, ``primaryFields``). Adobe enriches what it stores (``createTime``,
``mapping``...), so comparisons look only at the fields a request sets.

The state machine carries a compact :class:`DataflowSnapshot` (ids and fingerprints, not whole
selectors), so that a 250-audience flow stays far below the 256 KB state limit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from aep_activation.errors import FlowServiceUnavailable
from aep_activation.mapping_set import attached_mapping
from aep_activation.model import ActivationRequest, Audience

GENERAL_TRANSFORM = "GeneralTransform"

# The fields of a segment selector's value that a request decides; the rest is Adobe's.
_AUDIENCE_FIELDS = ("id", "name", "description", "filenameTemplate", "exportMode", "schedule")
_ADOBE_TIMES = ("createTime", "updateTime")


def audience_selector(audience: Audience) -> dict[str, Any]:
    """The ``PLATFORM_SEGMENT`` selector for one audience, as the seed's PATCH shows it."""
    value = audience.model_dump(by_alias=True, exclude_none=True, mode="json")
    return {"type": "PLATFORM_SEGMENT", "value": value}


def attribute_selector(path: str) -> dict[str, Any]:
    return {"type": "JSON_PATH", "value": {"path": path}}


def primary_fields(paths: list[str]) -> list[dict[str, str]]:
    return [{"fieldType": "ATTRIBUTE", "attributePath": p} for p in paths]


def fingerprint(selector_value: dict[str, Any]) -> str:
    """A short digest of the request-decided fields of a segment selector's value."""
    decided = {k: selector_value[k] for k in _AUDIENCE_FIELDS if selector_value.get(k) is not None}
    schedule = decided.get("schedule")
    if isinstance(schedule, dict):
        decided["schedule"] = {k: v for k, v in schedule.items() if v is not None}
    canonical = json.dumps(decided, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DataflowSnapshot:
    """The parts of a flow that activation decisions need, small enough for the state."""

    id: str
    etag: str
    transform_index: int
    audiences: list[dict[str, str]] = field(default_factory=list)  # [{id, fingerprint}] in order
    attributes: list[str] = field(default_factory=list)
    mandatory_fields: list[str] = field(default_factory=list)
    primary_fields: list[str] = field(default_factory=list)
    mapping: dict[str, Any] | None = None
    """New cards: the attached ``profileMapping`` and fields (``mapping_set.AttachedMapping``)."""
    target_connection_spec_id: str | None = None
    """``inheritedAttributes.targetConnections[0].connectionSpec.id``: tells a legacy card's
    flow found by ``dataflowId``."""

    def to_state(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            "id": data["id"],
            "etag": data["etag"],
            "transformIndex": data["transform_index"],
            "audiences": data["audiences"],
            "attributes": data["attributes"],
            "mandatoryFields": data["mandatory_fields"],
            "primaryFields": data["primary_fields"],
            "mapping": data["mapping"],
            "targetConnectionSpecId": data["target_connection_spec_id"],
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> DataflowSnapshot:
        return cls(
            id=data["id"],
            etag=data["etag"],
            transform_index=int(data.get("transformIndex", 0)),
            audiences=list(data.get("audiences", [])),
            attributes=list(data.get("attributes", [])),
            mandatory_fields=list(data.get("mandatoryFields", [])),
            primary_fields=list(data.get("primaryFields", [])),
            mapping=data.get("mapping"),
            target_connection_spec_id=data.get("targetConnectionSpecId"),
        )

    @classmethod
    def of_flow(cls, flow: dict[str, Any]) -> DataflowSnapshot:
        """Read a flow document as Flow Service returns it."""
        try:
            flow_id = str(flow["id"])
            etag = str(flow["etag"])
        except (KeyError, TypeError) as exc:
            raise FlowServiceUnavailable("the flow document lacks its id or etag") from exc
        index, params = _general_transform(flow)
        segment = params.get("segmentSelectors") or {}
        profile = params.get("profileSelectors") or {}
        audiences = [
            {
                "id": str(s["value"]["id"]),
                "fingerprint": fingerprint(s["value"]),
                # Kept so that a replaced selector can carry them, as Adobe requires.
                **{k: str(s["value"][k]) for k in _ADOBE_TIMES if s["value"].get(k) is not None},
            }
            for s in segment.get("selectors") or []
            if isinstance(s, dict) and isinstance(s.get("value"), dict) and "id" in s["value"]
        ]
        attributes = [
            str(s["value"]["path"])
            for s in profile.get("selectors") or []
            if isinstance(s, dict) and isinstance(s.get("value"), dict) and "path" in s["value"]
        ]
        primary = [
            str(p["attributePath"])
            for p in profile.get("primaryFields") or []
            if isinstance(p, dict) and "attributePath" in p
        ]
        attached = attached_mapping(flow)
        return cls(
            id=flow_id,
            etag=etag,
            transform_index=index,
            audiences=audiences,
            attributes=attributes,
            mandatory_fields=[str(f) for f in profile.get("mandatoryFields") or []],
            primary_fields=primary,
            mapping=attached.to_state() if attached is not None else None,
            target_connection_spec_id=_target_connection_spec_id(flow),
        )


def _target_connection_spec_id(flow: dict[str, Any]) -> str | None:
    inherited = flow.get("inheritedAttributes")
    targets = inherited.get("targetConnections") if isinstance(inherited, dict) else None
    first = targets[0] if isinstance(targets, list) and targets else None
    spec = first.get("connectionSpec") if isinstance(first, dict) else None
    spec_id = spec.get("id") if isinstance(spec, dict) else None
    return spec_id if isinstance(spec_id, str) else None


def _general_transform(flow: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    transformations = flow.get("transformations") or []
    for index, transformation in enumerate(transformations):
        if isinstance(transformation, dict) and transformation.get("name") == GENERAL_TRANSFORM:
            params = transformation.get("params")
            return index, params if isinstance(params, dict) else {}
    return 0, {}


@dataclass(frozen=True)
class ActivationPlan:
    """The JSON Patch to send, and what it changes, by audience id and attribute path."""

    operations: list[dict[str, Any]]
    added_audiences: list[str]
    updated_audiences: list[str]
    added_attributes: list[str]
    fields_changed: list[str]

    @property
    def empty(self) -> bool:
        return not self.operations


def plan_activation(
    request: ActivationRequest, snapshot: DataflowSnapshot, *, attributes_by_mapping: bool = False
) -> ActivationPlan:
    """Compute the patch from what the flow holds now: present and identical audiences are
    skipped, present but different ones replaced in place, missing ones appended.

    ``attributes_by_mapping``: the attributes travel in a mapping set (new cards, see
    ``mapping_set.py``), so no ``profileSelectors`` operations are planned here."""
    base = f"/transformations/{snapshot.transform_index}/params"
    ops: list[dict[str, Any]] = []
    present = {a["id"]: (i, a["fingerprint"]) for i, a in enumerate(snapshot.audiences)}
    added: list[str] = []
    updated: list[str] = []
    for audience in request.audiences:
        selector = audience_selector(audience)
        wanted = fingerprint(selector["value"])
        if audience.id not in present:
            ops.append(
                {"op": "add", "path": f"{base}/segmentSelectors/selectors/-", "value": selector}
            )
            added.append(audience.id)
        elif present[audience.id][1] != wanted:
            index = present[audience.id][0]
            held = snapshot.audiences[index]
            # The whole audience, with Adobe's createTime/updateTime as the flow holds them.
            selector["value"].update({k: held[k] for k in _ADOBE_TIMES if k in held})
            ops.append(
                {
                    "op": "replace",
                    "path": f"{base}/segmentSelectors/selectors/{index}",
                    "value": selector,
                }
            )
            updated.append(audience.id)
    if attributes_by_mapping:
        return ActivationPlan(ops, added, updated, [], [])
    new_attributes = [p for p in request.profile_attributes if p not in set(snapshot.attributes)]
    for path in new_attributes:
        ops.append(
            {
                "op": "add",
                "path": f"{base}/profileSelectors/selectors/-",
                "value": attribute_selector(path),
            }
        )
    changed: list[str] = []
    if request.mandatory_fields and list(request.mandatory_fields) != snapshot.mandatory_fields:
        # "add" on an object member replaces it (RFC 6902 4.1), whether or not it exists yet.
        ops.append(
            {
                "op": "add",
                "path": f"{base}/profileSelectors/mandatoryFields",
                "value": list(request.mandatory_fields),
            }
        )
        changed.append("mandatoryFields")
    if request.deduplication_keys and list(request.deduplication_keys) != snapshot.primary_fields:
        ops.append(
            {
                "op": "add",
                "path": f"{base}/profileSelectors/primaryFields",
                "value": primary_fields(list(request.deduplication_keys)),
            }
        )
        changed.append("primaryFields")
    return ActivationPlan(ops, added, updated, new_attributes, changed)


def missing_from(
    request: ActivationRequest, snapshot: DataflowSnapshot, *, attributes_by_mapping: bool = False
) -> list[str]:
    """What the request asks for that the flow does not (yet) hold, in plain words."""
    plan = plan_activation(request, snapshot, attributes_by_mapping=attributes_by_mapping)
    missing = [f"audience {a} missing" for a in plan.added_audiences]
    missing += [f"audience {a} differs from the request" for a in plan.updated_audiences]
    missing += [f"attribute {p} missing" for p in plan.added_attributes]
    missing += [f"{f} differ from the request" for f in plan.fields_changed]
    return missing
