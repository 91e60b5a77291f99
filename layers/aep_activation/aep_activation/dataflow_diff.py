"""What a dataflow holds, and the JSON Patch that makes it hold what a request asks for.

A flow's ``transformations[GeneralTransform].params`` carries ``segmentSelectors.selectors``
(one ``PLATFORM_SEGMENT`` per audience) and, for the legacy and email cards,
``profileSelectors`` (``JSON_PATH`` attributes, ``mandatoryFields``, ``primaryFields``).
Adobe enriches what it stores (``createTime``, ``mapping``...), so comparisons look only at
the fields a request sets.

The desired-state diff (:func:`diff_dataflow`) has two independent parts:

- audiences: ``segmentSelectors``, the same for every card (:func:`_diff_audiences`);
- attributes: an :class:`AttributeStrategy`. :class:`ProfileSelectorAttributes` reads and
  writes ``profileSelectors``; ``dataprep.attributes.MappingSetAttributes`` handles the new
  file-based cards, whose attributes and one identity live in a Data Prep mapping set.

The state machine carries a compact :class:`DataflowSnapshot`; writes are diffed from a
fresh read of the flow, sent with that read's etag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aep_activation.dataprep.mapping import (
    GENERAL_TRANSFORM,
    attached_mapping,
    general_transform_skeleton,
)
from aep_activation.errors import FlowServiceUnavailable
from aep_activation.request import ActivationRequest
from aep_activation.request.audience import Audience

_ADOBE_TIMES = ("createTime", "updateTime")
"""Adobe's own fields of a segment selector that a replaced selector must carry back."""


def empty_transformations(*, mapping_set: bool = False) -> list[dict[str, Any]]:
    """A new dataflow's transformations: no audience, no attribute yet (as the seed shows);
    with ``mapping_set``, the new cards' GeneralTransform skeleton (``profileMapping``)."""
    if mapping_set:
        return [general_transform_skeleton()]
    return [
        {
            "name": GENERAL_TRANSFORM,
            "params": {
                "segmentSelectors": {"selectors": []},
                "profileSelectors": {"selectors": []},
            },
        }
    ]


def audience_selector(audience: Audience) -> dict[str, Any]:
    """The ``PLATFORM_SEGMENT`` selector for one audience, as the seed's PATCH shows it."""
    value = audience.model_dump(by_alias=True, exclude_none=True, mode="json")
    return {"type": "PLATFORM_SEGMENT", "value": value}


def attribute_selector(path: str) -> dict[str, Any]:
    return {"type": "JSON_PATH", "value": {"path": path}}


def primary_fields(paths: list[str]) -> list[dict[str, str]]:
    return [{"fieldType": "ATTRIBUTE", "attributePath": p} for p in paths]


@dataclass(frozen=True)
class DataflowSnapshot:
    """What the state carries about a flow: ids, never whole selectors, so that a
    250-audience flow stays far below the 256 KB state limit. Decisions to write are never
    taken from it: they read the flow afresh (:func:`diff_dataflow`)."""

    id: str
    etag: str
    transform_index: int
    audiences: list[str] = field(default_factory=list)  # audience ids, in order
    attributes: list[str] = field(default_factory=list)
    state: str | None = None  # "enabled" / "disabled", as Flow Service reports it
    mapping: dict[str, Any] | None = None
    """New cards: the attached ``profileMapping`` and fields (``dataprep.mapping.AttachedMapping``);
    None for a flow of the selectors shape. The flow's own shape decides which path runs."""
    target_connection_spec_id: str | None = None
    """``inheritedAttributes.targetConnections[0].connectionSpec.id``: tells a legacy card's
    flow found by ``dataflowId``."""

    def to_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "etag": self.etag,
            "transformIndex": self.transform_index,
            "audiences": list(self.audiences),
            "attributes": list(self.attributes),
            "state": self.state,
            "mapping": self.mapping,
            "targetConnectionSpecId": self.target_connection_spec_id,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> DataflowSnapshot:
        return cls(
            id=data["id"],
            etag=data["etag"],
            transform_index=int(data.get("transformIndex", 0)),
            audiences=[str(a) for a in data.get("audiences", [])],
            attributes=[str(a) for a in data.get("attributes", [])],
            state=data.get("state"),
            mapping=data.get("mapping"),
            target_connection_spec_id=data.get("targetConnectionSpecId"),
        )

    @classmethod
    def of_flow(
        cls, flow: Mapping[str, Any], attributes: AttributeStrategy | None = None
    ) -> DataflowSnapshot:
        """Read a flow document as Flow Service returns it."""
        try:
            flow_id = str(flow["id"])
            etag = str(flow["etag"])
        except (KeyError, TypeError) as exc:
            raise FlowServiceUnavailable("the flow document lacks its id or etag") from exc
        index, params = _general_transform(flow)
        state = flow.get("state")
        attached = attached_mapping(dict(flow))
        return cls(
            id=flow_id,
            etag=etag,
            transform_index=index,
            audiences=audience_ids(params),
            attributes=(attributes or PROFILE_SELECTORS).attributes(params),
            state=state if isinstance(state, str) else None,
            mapping=attached.to_state() if attached is not None else None,
            target_connection_spec_id=_target_connection_spec_id(flow),
        )


def _target_connection_spec_id(flow: Mapping[str, Any]) -> str | None:
    inherited = flow.get("inheritedAttributes")
    targets = inherited.get("targetConnections") if isinstance(inherited, dict) else None
    first = targets[0] if isinstance(targets, list) and targets else None
    spec = first.get("connectionSpec") if isinstance(first, dict) else None
    spec_id = spec.get("id") if isinstance(spec, dict) else None
    return spec_id if isinstance(spec_id, str) else None


def audience_ids(params: Mapping[str, Any]) -> list[str]:
    segment = params.get("segmentSelectors")
    selectors = segment.get("selectors") if isinstance(segment, dict) else None
    return [
        str(s["value"]["id"])
        for s in selectors or []
        if isinstance(s, dict) and isinstance(s.get("value"), dict) and "id" in s["value"]
    ]


def _general_transform(flow: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    transformations = flow.get("transformations") or []
    for index, transformation in enumerate(transformations):
        if isinstance(transformation, dict) and transformation.get("name") == GENERAL_TRANSFORM:
            params = transformation.get("params")
            return index, params if isinstance(params, dict) else {}
    return 0, {}


@dataclass(frozen=True)
class Change:
    """One difference between the flow and the request, with its words for a person."""

    op: Literal["add", "replace", "remove"]
    kind: Literal["audience", "attribute", "field"]
    subject: str  # an audience id, an attribute path, or a field name
    words: str


@dataclass(frozen=True)
class PartDiff:
    """What one part of the diff (audiences, or attributes) contributes to the patch."""

    operations: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


class AttributeStrategy(Protocol):
    """How a card's dataflow holds its profile attributes: read them, and diff them.

    ``params`` is the GeneralTransform's ``params`` as read from the flow right now; ``base``
    is the JSON Pointer to it. Operations that target array indexes must take them from
    ``params`` (a fresh read) and list removals from the highest index down.
    """

    def attributes(self, params: Mapping[str, Any]) -> list[str]: ...

    def diff(
        self, request: ActivationRequest, params: Mapping[str, Any], base: str, *, prune: bool
    ) -> PartDiff: ...


class ProfileSelectorAttributes:
    """Attributes as ``profileSelectors`` (legacy and email cards): ``JSON_PATH`` selectors,
    ``mandatoryFields`` and ATTRIBUTE ``primaryFields`` (deduplication keys)."""

    def attributes(self, params: Mapping[str, Any]) -> list[str]:
        return [path for _, path in self._selected(params)]

    def diff(
        self, request: ActivationRequest, params: Mapping[str, Any], base: str, *, prune: bool
    ) -> PartDiff:
        profile = params.get("profileSelectors")
        profile = profile if isinstance(profile, dict) else {}
        at = f"{base}/profileSelectors"
        part = PartDiff()
        selected = self._selected(params)
        wanted = list(request.profile_attributes)
        if prune:
            for index, path in reversed(selected):
                if path not in wanted:
                    part.operations.append({"op": "remove", "path": f"{at}/selectors/{index}"})
                    part.changes.append(
                        Change("remove", "attribute", path, f"remove attribute {path}")
                    )
        present = {path for _, path in selected}
        for path in wanted:
            if path not in present:
                part.operations.append(
                    {"op": "add", "path": f"{at}/selectors/-", "value": attribute_selector(path)}
                )
                part.changes.append(Change("add", "attribute", path, f"add attribute {path}"))
        kept = [p for p in present if p in wanted] if prune else list(present)
        self._field(
            part,
            at,
            "mandatoryFields",
            current=[str(f) for f in profile.get("mandatoryFields") or []],
            wanted=list(request.mandatory_fields),
            prune=prune,
            selectable=set(kept) | set(wanted),
            render=list,
        )
        primary = [p for p in profile.get("primaryFields") or [] if isinstance(p, dict)]
        attribute_keys = [
            str(p["attributePath"])
            for p in primary
            if p.get("fieldType", "ATTRIBUTE") == "ATTRIBUTE" and "attributePath" in p
        ]
        others = [p for p in primary if str(p.get("attributePath")) not in attribute_keys]
        self._field(
            part,
            at,
            "primaryFields",
            current=attribute_keys,
            wanted=list(request.deduplication_keys),
            prune=prune,
            selectable=set(kept) | set(wanted),
            render=lambda paths: [*others, *primary_fields(paths)],
        )
        return part

    @staticmethod
    def _field(
        part: PartDiff,
        at: str,
        name: str,
        *,
        current: list[str],
        wanted: list[str],
        prune: bool,
        selectable: set[str],
        render: Any,
    ) -> None:
        # Without prune, fields someone else set stay (unless their attribute is gone).
        target = (
            wanted
            if prune
            else [f for f in current if f in selectable] + [f for f in wanted if f not in current]
        )
        if target == current or (not target and not current):
            return
        # "add" on an object member replaces it (RFC 6902 4.1), whether or not it exists yet.
        part.operations.append({"op": "add", "path": f"{at}/{name}", "value": render(target)})
        part.changes.append(
            Change(
                "replace",
                "field",
                name,
                f"set {name}: {', '.join(current) or '(none)'} -> {', '.join(target) or '(none)'}",
            )
        )

    @staticmethod
    def _selected(params: Mapping[str, Any]) -> list[tuple[int, str]]:
        profile = params.get("profileSelectors")
        selectors = profile.get("selectors") if isinstance(profile, dict) else None
        return [
            (index, str(s["value"]["path"]))
            for index, s in enumerate(selectors or [])
            if isinstance(s, dict) and isinstance(s.get("value"), dict) and "path" in s["value"]
        ]


PROFILE_SELECTORS: AttributeStrategy = ProfileSelectorAttributes()


def attributes_held_as(flow: Mapping[str, Any]) -> Literal["mappingSet", "profileSelectors"]:
    """The flow's own shape decides (a ``dataflowId`` may name a flow of either shape)."""
    return "mappingSet" if attached_mapping(dict(flow)) is not None else "profileSelectors"


@dataclass(frozen=True)
class DataflowDiff:
    """The JSON Patch that makes the flow hold the request, and each change in words."""

    operations: list[dict[str, Any]]
    changes: list[Change]

    @property
    def empty(self) -> bool:
        return not self.operations

    def _subjects(self, op: str, kind: str) -> list[str]:
        return [c.subject for c in self.changes if c.op == op and c.kind == kind]

    @property
    def added_audiences(self) -> list[str]:
        return self._subjects("add", "audience")

    @property
    def updated_audiences(self) -> list[str]:
        return self._subjects("replace", "audience")

    @property
    def removed_audiences(self) -> list[str]:
        return self._subjects("remove", "audience")

    @property
    def added_attributes(self) -> list[str]:
        return self._subjects("add", "attribute")

    @property
    def removed_attributes(self) -> list[str]:
        return self._subjects("remove", "attribute")

    @property
    def fields_changed(self) -> list[str]:
        return self._subjects("replace", "field")

    @property
    def words(self) -> list[str]:
        return [c.words for c in self.changes]


def diff_dataflow(
    request: ActivationRequest,
    flow: Mapping[str, Any],
    *,
    prune: bool | None = None,
    attributes: AttributeStrategy = PROFILE_SELECTORS,
) -> DataflowDiff:
    """The patch from what ``flow`` (a fresh read) holds to what ``request`` asks for.

    Audiences present and identical are left alone, present but different ones replaced
    whole (Adobe takes no partial selector), missing ones appended, and with ``prune`` those
    the request does not list removed. Indexes come from ``flow``: send the patch with its
    etag. ``prune`` defaults to the request's own.
    """
    prune = request.prune if prune is None else prune
    index, params = _general_transform(flow)
    base = f"/transformations/{index}/params"
    audiences = _diff_audiences(request, params, base, prune=prune)
    attribute_part = attributes.diff(request, params, base, prune=prune)
    return DataflowDiff(
        operations=[*audiences.operations, *attribute_part.operations],
        changes=[*audiences.changes, *attribute_part.changes],
    )


def _diff_audiences(
    request: ActivationRequest, params: Mapping[str, Any], base: str, *, prune: bool
) -> PartDiff:
    at = f"{base}/segmentSelectors/selectors"
    segment = params.get("segmentSelectors")
    stored = segment.get("selectors") if isinstance(segment, dict) else None
    present: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, selector in enumerate(stored or []):
        value = selector.get("value") if isinstance(selector, dict) else None
        if isinstance(value, dict) and "id" in value:
            present.setdefault(str(value["id"]), (index, value))
    replaces, removes, adds = PartDiff(), PartDiff(), PartDiff()
    for audience in request.audiences:
        selector = audience_selector(audience)
        label = _audience_label(audience.name, audience.id)
        if audience.id not in present:
            adds.operations.append({"op": "add", "path": f"{at}/-", "value": selector})
            adds.changes.append(Change("add", "audience", audience.id, f"add audience {label}"))
            continue
        index, value = present[audience.id]
        differences = audience_differences(selector["value"], value)
        if differences:
            # The whole audience, with Adobe's createTime/updateTime as the flow holds them.
            selector["value"].update({k: value[k] for k in _ADOBE_TIMES if k in value})
            replaces.operations.append(
                {"op": "replace", "path": f"{at}/{index}", "value": selector}
            )
            replaces.changes.append(
                Change(
                    "replace",
                    "audience",
                    audience.id,
                    "; ".join(
                        f"replace {name} of audience {label}: {change}"
                        for name, change in differences
                    ),
                )
            )
    if prune:
        wanted = {a.id for a in request.audiences}
        for audience_id, (index, value) in sorted(
            present.items(), key=lambda item: item[1][0], reverse=True
        ):
            if audience_id not in wanted:
                # Highest index first: each removal leaves the lower indexes in place.
                removes.operations.append({"op": "remove", "path": f"{at}/{index}"})
                label = _audience_label(value.get("name"), audience_id)
                removes.changes.append(
                    Change("remove", "audience", audience_id, f"remove audience {label}")
                )
    # Replaces and removals use the indexes read; appends come last, at the end.
    return PartDiff(
        [*replaces.operations, *removes.operations, *adds.operations],
        [*replaces.changes, *removes.changes, *adds.changes],
    )


def audience_differences(
    wanted: Mapping[str, Any], stored: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The request-decided fields of an audience that differ, as ``(field, "old -> new")``.

    Compared after normalising: fields the request leaves out (a name set in the UI, Adobe's
    ``createTime``) are not differences, and unset schedule fields equal absent ones.
    """
    found: list[tuple[str, str]] = []
    old, new = _schedule(stored.get("schedule")), _schedule(wanted.get("schedule"))
    if old != new:
        found.append(("schedule", f"{_schedule_words(old, new)} -> {_schedule_words(new, old)}"))
    for key in ("exportMode", "filenameTemplate", "name", "description"):
        if wanted.get(key) is not None and wanted.get(key) != stored.get(key):
            found.append((_FIELD_WORDS[key], f"{stored.get(key)} -> {wanted.get(key)}"))
    return found


_FIELD_WORDS = {
    "exportMode": "export mode",
    "filenameTemplate": "filename template",
    "name": "name",
    "description": "description",
}


def _schedule(value: Any) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else {}


def _schedule_words(schedule: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    """``DAILY 17:00``, plus whatever else differs from ``other`` (dates, trigger)."""
    words = [str(schedule.get("frequency", "?"))]
    if schedule.get("startTime"):
        words.append(str(schedule["startTime"]))
    elif schedule.get("triggerType"):
        words.append(str(schedule["triggerType"]))
    for key in ("triggerType", "startDate", "endDate"):
        if key == "triggerType" and not schedule.get("startTime"):
            continue
        if schedule.get(key) != other.get(key):
            words.append(f"{key} {schedule.get(key, '(none)')}")
    return " ".join(words)


def _audience_label(name: Any, audience_id: str) -> str:
    return f"{name} ({audience_id})" if isinstance(name, str) and name else audience_id


def missing_from(
    request: ActivationRequest,
    flow: Mapping[str, Any],
    *,
    attributes: AttributeStrategy = PROFILE_SELECTORS,
) -> list[str]:
    """What still differs between the flow and the request, in plain words (empty: converged)."""
    return diff_dataflow(request, flow, attributes=attributes).words
