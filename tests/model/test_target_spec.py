"""Reading a live targetSpec for an audience export: Adobe's ``conditional``s and patterns."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.target_spec import WORKFLOW_FIELD, applies, pattern_violations, required_params

FOR_DATASETS = {"field": WORKFLOW_FIELD, "operator": "CONTAINS", "value": "DATASETS"}
NOT_FOR_DATASETS = {**FOR_DATASETS, "operator": "NOT_CONTAINS"}
IF_CSV = {"field": "fileType", "operator": "EQUALS", "value": "CSV"}

SPEC: dict[str, Any] = {
    "spec": {
        "properties": {
            "bucketName": {"type": "string", "pattern": "^[a-z0-9-]{3,63}$"},
            "fileType": {"conditional": NOT_FOR_DATASETS, "enum": ["CSV", "JSON"]},
            "datasetFileType": {"conditional": FOR_DATASETS, "enum": ["JSON"]},
            "csvOptions": {"conditional": IF_CSV, "type": "object"},
            "compression": {"enum": ["NONE", "GZIP"]},
        },
        "required": ["bucketName", "datasetFileType", "compression", "fileType"],
    }
}


def test_a_dataset_export_param_is_not_required_of_an_audience_export() -> None:
    assert required_params(SPEC, {}) == {"bucketName", "compression", "fileType"}


def test_the_spec_without_its_wrapper_reads_the_same() -> None:
    assert required_params(SPEC["spec"], {}) == required_params(SPEC, {})


@pytest.mark.parametrize(
    ("conditional", "params", "expected"),
    [
        (IF_CSV, {"fileType": "CSV"}, True),
        (IF_CSV, {"fileType": "JSON"}, False),
        (IF_CSV, {}, False),
        ({**IF_CSV, "operator": "NOT_EQUALS"}, {"fileType": "JSON"}, True),
        ({"field": "path", "operator": "CONTAINS", "value": "%"}, {"path": "a/%SEGMENT_ID%"}, True),
        ({"field": "path", "operator": "NOT_CONTAINS", "value": "%"}, {"path": "a/b"}, True),
        # What cannot be evaluated holds: the spec is then read literally.
        ({"field": "fileType", "operator": "MATCHES", "value": "C.*"}, {}, True),
        ({"field": WORKFLOW_FIELD, "operator": "CONTAINS", "value": "SEGMENTS"}, {}, True),
        (None, {}, True),
    ],
)
def test_conditionals(conditional: Any, params: dict[str, Any], expected: bool) -> None:
    assert applies({"conditional": conditional}, params) is expected


def test_a_param_breaking_its_pattern_is_named_with_the_pattern() -> None:
    assert pattern_violations(SPEC, {"bucketName": "Acme_Exports"}) == [
        ("bucketName", "^[a-z0-9-]{3,63}$")
    ]
    assert pattern_violations(SPEC, {"bucketName": "acme-exports"}) == []


def test_a_pattern_python_cannot_compile_is_left_to_adobe() -> None:
    spec = {"properties": {"path": {"pattern": "^(?<name>x)$"}}}  # ECMA's named group syntax

    assert pattern_violations(spec, {"path": "y"}) == []


def test_an_inapplicable_property_is_not_checked() -> None:
    spec = {"properties": {"datasetFileType": {"conditional": FOR_DATASETS, "pattern": "^X$"}}}

    assert pattern_violations(spec, {"datasetFileType": "JSON"}) == []
