"""Which differences between a live target connection's params and the request's count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aep_activation.request import ActivationRequest, parse_activation_request
from aep_activation.steps.connections import target_params_changes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def request(name: str, **target: Any) -> tuple[ActivationRequest, dict[str, Any]]:
    """The example with ``target`` changes (None drops a key), and the example's own params."""
    document = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    params = dict(document["destination"]["target"])
    document["destination"]["target"].update(target)
    document["destination"]["target"] = {
        k: v for k, v in document["destination"]["target"].items() if v is not None
    }
    return parse_activation_request(document), params


def test_equal_params_are_no_change() -> None:
    parsed, live = request("amazon-s3")

    assert target_params_changes(parsed, live) == []


def test_a_changed_param_is_told_from_old_to_new() -> None:
    parsed, live = request("amazon-s3", path="aep/autumn", bucketName="acme-archive")

    assert sorted(target_params_changes(parsed, live)) == [
        "bucketName 'acme-exports' -> 'acme-archive'",
        "path 'aep/summer-sale' -> 'aep/autumn'",
    ]


def test_a_default_adobe_adds_is_no_change() -> None:
    parsed, live = request("amazon-s3-new-card")

    assert target_params_changes(parsed, {**live, "datasetFileType": "CSV"}) == []


def test_a_known_param_the_request_no_longer_sends_is_a_change() -> None:
    parsed, _ = request("amazon-s3-assumed-role", csvOptions=None)
    _, live = request("amazon-s3-assumed-role")

    (change,) = target_params_changes(parsed, live)
    assert change.startswith("csvOptions {")
    assert change.endswith("-> (not set)")


def test_a_param_the_live_connection_lacks_is_a_change() -> None:
    parsed, live = request("amazon-s3-new-card", compression="NONE")
    del live["compression"]

    assert target_params_changes(parsed, live) == ["compression (not set) -> 'NONE'"]
