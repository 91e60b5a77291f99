"""What a stored dataflow holds, read from Flow Service's flow document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def segment_selectors(flow: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The first transformation's segment selectors, as stored."""
    return list(flow["transformations"][0]["params"]["segmentSelectors"]["selectors"])


def profile_selectors(flow: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The first transformation's profile selectors, as stored."""
    return list(flow["transformations"][0]["params"]["profileSelectors"]["selectors"])


def general_params(flow: Mapping[str, Any]) -> dict[str, Any]:
    """The params of the flow's one ``GeneralTransform``."""
    (transform,) = [
        t for t in flow.get("transformations") or [] if t.get("name") == "GeneralTransform"
    ]
    return dict(transform.get("params") or {})


def flow_audiences(flow: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``PLATFORM_SEGMENT`` selector values of a stored flow, in order."""
    selectors = (general_params(flow).get("segmentSelectors") or {}).get("selectors") or []
    return [s["value"] for s in selectors if s.get("type") == "PLATFORM_SEGMENT"]


def flow_attributes(flow: Mapping[str, Any]) -> list[str]:
    """The ``JSON_PATH`` profile selectors' paths, in order."""
    selectors = (general_params(flow).get("profileSelectors") or {}).get("selectors") or []
    return [s["value"]["path"] for s in selectors if s.get("type") == "JSON_PATH"]


def flow_mandatory_fields(flow: Mapping[str, Any]) -> list[str]:
    return list((general_params(flow).get("profileSelectors") or {}).get("mandatoryFields") or [])


def flow_primary_fields(flow: Mapping[str, Any]) -> list[str]:
    primary = (general_params(flow).get("profileSelectors") or {}).get("primaryFields") or []
    return [p.get("attributePath") for p in primary]
