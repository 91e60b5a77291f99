"""The attribute strategy of the new file-based cards: their attributes and their one
identity live in a Data Prep mapping set that the flow names (``profileMapping``).

It plugs into the desired-state diff (:func:`aep_activation.dataflow_diff.diff_dataflow`) beside
the selectors strategy of the legacy cards; like it, it is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aep_activation.columns import column_name
from aep_activation.dataflow_diff import Change, PartDiff
from aep_activation.dataprep.mapping import (
    DesiredMapping,
    MappingRef,
    desired_mapping,
    holds,
    mapped_attributes,
    renamed_columns,
)
from aep_activation.request import ActivationRequest


class MappingSetAttributes:
    """Attributes as a Data Prep mapping set (the new file-based cards, which ignore
    ``profileSelectors``): ``profileMapping {mappingId, mappingVersion}`` names the set that
    maps the attributes and the one identity; ``mandatoryFields`` and ``primaryFields`` sit
    beside it. The set holds exactly the request's mappings (a change makes a new version), so
    ``prune`` does not apply to them.

    Pure, like the other strategy: the calls are the caller's (``steps/flow_view.py``).
    ``held`` is the mapping set the flow names now, as Data Prep returns it (None: none is
    attached, or it was not read); ``target`` the version that holds the request's mappings,
    found or created before planning (None in a dry run or a check: then a flow whose set does
    not hold the request gets a change in words but no operation).
    """

    def __init__(
        self, *, held: Mapping[str, Any] | None = None, target: MappingRef | None = None
    ) -> None:
        self._held = held
        self._target = target

    def attributes(self, params: Mapping[str, Any]) -> list[str]:
        return mapped_attributes(dict(self._held))[0] if self._held is not None else []

    def diff(
        self, request: ActivationRequest, params: Mapping[str, Any], base: str, *, prune: bool
    ) -> PartDiff:
        desired = desired_mapping(request)
        part = PartDiff()
        self._diff_mapping(part, desired, params, base)
        for name, wanted in (
            ("mandatoryFields", list(desired.mandatory_fields)),
            ("primaryFields", [dict(p) for p in desired.primary_fields]),
        ):
            current = _plain_list(params.get(name))
            if current == wanted:
                continue
            # "add" on an object member replaces it (RFC 6902 4.1), whether or not it exists yet.
            part.operations.append({"op": "add", "path": f"{base}/{name}", "value": wanted})
            part.changes.append(
                Change(
                    "replace",
                    "field",
                    name,
                    f"set {name}: {_field_words(current)} -> {_field_words(wanted)}",
                )
            )
        return part

    def _diff_mapping(
        self, part: PartDiff, desired: DesiredMapping, params: Mapping[str, Any], base: str
    ) -> None:
        reference = params.get("profileMapping")
        reference = reference if isinstance(reference, dict) else {}
        current = (reference.get("mappingId"), reference.get("mappingVersion"))
        if self._target is not None:
            wanted = (self._target.mapping_id, self._target.mapping_version)
            if current == wanted:
                return
        elif self._held is not None and holds(dict(self._held), desired):
            return
        held, identity = (
            mapped_attributes(dict(self._held)) if self._held is not None else ([], None)
        )
        for path in held:
            if path not in desired.attributes:
                part.changes.append(Change("remove", "attribute", path, f"remove attribute {path}"))
        for path in desired.attributes:
            if path not in held:
                part.changes.append(
                    Change("add", "attribute", path, f"add attribute {path} -> {column_name(path)}")
                )
        if identity != desired.identity_namespace:
            part.changes.append(
                Change(
                    "replace",
                    "field",
                    "identityNamespace",
                    f"map identity {desired.identity_namespace}"
                    if identity is None
                    else f"set identity: {identity} -> {desired.identity_namespace or '(none)'}",
                )
            )
        part.changes.append(
            Change(
                "replace",
                "field",
                "profileMapping",
                self._mapping_words(current, desired, held, identity),
            )
        )
        if self._target is not None:
            part.operations.append(
                {
                    "op": "add",
                    "path": f"{base}/profileMapping",
                    "value": {
                        "mappingId": self._target.mapping_id,
                        "mappingVersion": self._target.mapping_version,
                    },
                }
            )

    def _mapping_words(
        self,
        current: tuple[Any, Any],
        desired: DesiredMapping,
        held: list[str],
        identity: str | None,
    ) -> str:
        """ "attach mapping set (new): 3 attributes, identity Email" for a first attach;
        "replace mapping set <id> v1 -> new version: +a, -b" for a change."""
        target = self._target
        current_id, current_version = current
        if not current_id:
            where = f"{target.mapping_id} v{target.mapping_version}" if target else "(new)"
            count = len(desired.attributes)
            identity_words = (
                f"identity {desired.identity_namespace}"
                if desired.identity_namespace
                else "no identity"
            )
            columns = ", ".join(f"{name} -> {column}" for name, column in desired.columns)
            return (
                f"attach mapping set {where}: {count} attribute{'' if count == 1 else 's'}, "
                f"{identity_words} (columns: {columns})"
            )
        if target is None:
            after = "new version"
        elif target.mapping_id == current_id:
            after = f"v{target.mapping_version}"
        else:
            after = f"mapping set {target.mapping_id} v{target.mapping_version}"
        differences = [
            f"+{path} -> {column_name(path)}" for path in desired.attributes if path not in held
        ]
        differences += [f"-{path}" for path in held if path not in desired.attributes]
        if identity != desired.identity_namespace:
            differences.append(
                f"identity {identity or '(none)'} -> {desired.identity_namespace or '(none)'}"
            )
        renamed = renamed_columns(dict(self._held), desired) if self._held is not None else []
        if renamed:
            differences.append(
                "rename the exported columns to names without dots, as Adobe's mapping "
                f"destinations require: {', '.join(renamed)}"
            )
        before = f"v{current_version}" if isinstance(current_version, int) else "(no version)"
        return (
            f"replace mapping set {current_id} {before} -> {after}: "
            f"{', '.join(differences) or 'same mappings'}"
        )


def _field_words(values: list[Any]) -> str:
    """A list field in plain words: paths as they are, a primary field by its path or
    identity namespace; "(none)" when empty."""
    words = []
    for value in values:
        if isinstance(value, dict):
            identity = value.get("identityNamespace")
            words.append(f"identity {identity}" if identity else str(value.get("attributePath")))
        else:
            words.append(str(value))
    return ", ".join(words) or "(none)"


def _plain_list(value: Any) -> list[Any]:
    """A stored list field as plain strings and string-valued objects, to compare with ours."""
    return [
        {str(k): str(v) for k, v in item.items()} if isinstance(item, dict) else str(item)
        for item in (value if isinstance(value, list) else [])
    ]
