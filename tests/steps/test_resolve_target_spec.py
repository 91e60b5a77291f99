"""ResolveSpecs checks the request against the live targetSpec as Adobe shapes it."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from aep_activation.errors import DestinationSpecMismatch
from aep_activation.request.parsing import parse_activation_request
from aep_activation.steps.resolve import ResolvedSpecs, _check_against_specs

EXAMPLES = Path(__file__).parents[2] / "examples"
S3 = "4fce964d-3f37-408f-9778-e597338a21ee"
FOR_DATASETS = {
    "field": "flowSpec.attributes._workflow",
    "operator": "CONTAINS",
    "value": "DATASETS",
}


def s3_spec(path_pattern: str | None = None) -> dict[str, Any]:
    """Amazon S3's connection spec, its targetSpec shaped as the file-based tutorial shows it:
    datasetFileType listed in ``required``, with the conditional that keeps it to datasets."""
    path: dict[str, Any] = {"type": "string"}
    if path_pattern is not None:
        path["pattern"] = path_pattern
    return {
        "id": S3,
        "name": "Amazon S3",
        "authSpec": [
            {
                "name": "Access Key",
                "spec": {
                    "properties": {"s3AccessKey": {}, "s3SecretKey": {}},
                    "required": ["s3SecretKey", "s3AccessKey"],
                },
            }
        ],
        "targetSpec": {
            "spec": {
                "properties": {
                    "bucketName": {"type": "string"},
                    "path": path,
                    "fileType": {"enum": ["CSV", "JSON", "PARQUET"]},
                    "datasetFileType": {"conditional": FOR_DATASETS, "enum": ["JSON", "PARQUET"]},
                    "compression": {"enum": ["NONE", "GZIP"]},
                },
                "required": ["bucketName", "path", "datasetFileType", "compression", "fileType"],
            }
        },
    }


def check(spec: dict[str, Any]) -> ResolvedSpecs:
    request = parse_activation_request(
        json.loads((EXAMPLES / "amazon-s3-new-card.json").read_text())
    )
    flow_specs: Future[list[dict[str, Any]]] = Future()
    flow_specs.set_result(
        [
            {
                "id": "1a0514a6-33d4-4c7f-aff8-594799c47549",
                "name": "Amazon S3 - Segment",
                "sourceConnectionSpecIds": ["8a9c3494-9708-43d7-ae3f-cda01e5030e1"],
                "targetConnectionSpecIds": [S3],
            }
        ]
    )
    return _check_against_specs(
        request, lambda _: spec, S3, flow_specs, lambda _: ["s3AccessKey", "s3SecretKey"]
    )


def test_an_audience_export_is_not_asked_for_datasetfiletype() -> None:
    resolved = check(s3_spec())

    assert resolved.connection_spec_id == S3
    assert resolved.flow_spec_id == "1a0514a6-33d4-4c7f-aff8-594799c47549"


def test_a_target_param_breaking_the_live_pattern_is_refused_naming_it() -> None:
    with pytest.raises(DestinationSpecMismatch) as refused:
        check(s3_spec(path_pattern="^exports/"))

    assert str(refused.value).startswith("destination.target.path: ")
    assert "'Amazon S3''s pattern ^exports/" in str(refused.value)
