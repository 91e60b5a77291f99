"""The ``transformations`` of a destination dataflow: selector checks and Adobe's additions.

- Segment selectors follow Adobe's Flow Service tutorial's rules (``selectors.py``), in the
  flow spec's selector version; a segment appears once.
- Only the selectors a request adds or changes are judged: one already on the flow and left
  as it was (made in Adobe's UI, say, under rules the emulator does not know) is not.
- Profile selectors name an attribute once; ``mandatoryFields`` and ATTRIBUTE
  ``primaryFields`` (deduplication keys) must be among the selected attributes.
- :func:`enrich` adds what Adobe adds: ``createTime``/``updateTime`` (epoch seconds, as
  strings) on segment selectors, ``operator: EXISTS`` and a ``mapping`` on profile selectors.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Final

from local.emulator import identifiers, selectors
from local.emulator.store import Document

DEFAULT_TRANSFORMATION_NAME: Final = "GeneralTransform"


def problems(
    transformations: Any, *, v2: bool = False, previous: Document | None = None
) -> list[str]:
    """Every rule the transformations break; ``v2``: the flow spec takes
    ``BatchSegmentSelector_V2``; ``previous``: the flow before a PATCH, whose selectors are
    not judged again where the PATCH left them unchanged."""
    if not isinstance(transformations, list):
        return ["transformations: must be an array"]
    problems: list[str] = []
    for t_index, transformation in enumerate(transformations):
        at = f"transformations[{t_index}]"
        params = transformation.get("params") if isinstance(transformation, dict) else None
        if not isinstance(params, dict):
            problems.append(f"{at}.params: must be an object")
            continue
        segment_check = functools.partial(selectors.segment_selector_problems, v2=v2)
        found, _ = _checked(
            params, "segmentSelectors", segment_check, "id", "segment", at, previous
        )
        problems.extend(found)
        found, paths = _checked(
            params,
            "profileSelectors",
            selectors.profile_selector_problems,
            "path",
            "attribute",
            at,
            previous,
        )
        problems.extend(found)
        profile = params.get("profileSelectors")
        if isinstance(profile, dict):
            problems.extend(_field_problems(profile, paths, f"{at}.params.profileSelectors"))
    return problems


def _checked(
    params: dict[str, Any],
    group: str,
    check: Callable[[Any, str], list[str]],
    key: str,
    what: str,
    at: str,
    previous: Document | None,
) -> tuple[list[str], list[str]]:
    """One selector group's problems (each added or changed selector's, then any value
    selected twice) and the values (``key`` of each valid or unchanged selector: a segment's
    id, an attribute's path)."""
    problems: list[str] = []
    values: list[str] = []
    unchanged = _held(previous, group)
    for index, selector in enumerate(_selectors(params, group)):
        if selector in unchanged:
            value = selector.get("value") if isinstance(selector, dict) else None
            if isinstance(value, dict) and isinstance(value.get(key), str):
                values.append(value[key])
            continue
        found = check(selector, f"{at}.params.{group}.selectors[{index}]")
        problems.extend(found)
        if not found:
            values.append(selector["value"][key])
    problems.extend(_duplicates(values, f"{at}.params.{group}", what))
    return problems, values


def _held(flow: Document | None, group: str) -> list[Any]:
    """The ``group`` selectors ``flow`` holds (none without a flow)."""
    held: list[Any] = []
    for transformation in (flow or {}).get("transformations") or []:
        params = transformation.get("params") if isinstance(transformation, dict) else None
        if isinstance(params, dict):
            held.extend(_selectors(params, group))
    return held


def _selectors(params: dict[str, Any], group: str) -> list[Any]:
    holder = params.get(group)
    items = holder.get("selectors") if isinstance(holder, dict) else None
    return items if isinstance(items, list) else []


def _duplicates(values: list[str], at: str, what: str) -> list[str]:
    repeated = sorted({value for value in values if values.count(value) > 1})
    return [f"{at}: {what} {value} is selected more than once" for value in repeated]


def _field_problems(profile: dict[str, Any], paths: list[str], at: str) -> list[str]:
    """Mandatory attributes and deduplication keys must be among the selected attributes."""
    problems = []
    for name in profile.get("mandatoryFields", []) or []:
        if name not in paths:
            problems.append(f"{at}.mandatoryFields: {name} is not a selected attribute")
    for key in profile.get("primaryFields", []) or []:
        path = key.get("attributePath") if isinstance(key, dict) else None
        if isinstance(key, dict) and key.get("fieldType") == "ATTRIBUTE" and path not in paths:
            problems.append(f"{at}.primaryFields: {path} is not a selected attribute")
    return problems


def enrich(flow: Document, previous: Document | None) -> None:
    before = _segment_values(previous) if previous is not None else {}
    now = identifiers.now_epoch_seconds()
    for transformation in flow.get("transformations", []):
        params = transformation.get("params", {})
        for selector in _selectors(params, "segmentSelectors"):
            value = selector["value"]
            old = before.get(value["id"])
            if old is None:
                value["createTime"] = now
                value["updateTime"] = now
            else:
                value["createTime"] = old.get("createTime", now)
                changed = _without_times(old) != _without_times(value)
                value["updateTime"] = now if changed else old.get("updateTime", now)
        for selector in _selectors(params, "profileSelectors"):
            value = selector["value"]
            value.setdefault("operator", "EXISTS")
            value.setdefault("mapping", selectors.profile_mapping(value["path"]))


def _segment_values(flow: Document) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for transformation in flow.get("transformations", []):
        for selector in _selectors(transformation.get("params", {}), "segmentSelectors"):
            values[selector["value"]["id"]] = selector["value"]
    return values


def _without_times(value: dict[str, Any]) -> str:
    rest = {k: v for k, v in value.items() if k not in ("createTime", "updateTime")}
    return json.dumps(rest, sort_keys=True)


def empty_transformation() -> dict[str, Any]:
    return {
        "name": DEFAULT_TRANSFORMATION_NAME,
        "params": {"segmentSelectors": {"selectors": []}, "profileSelectors": {"selectors": []}},
    }
