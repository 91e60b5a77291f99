"""The committed examples are valid, and the committed JSON Schema is the model's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from aep_activation.request import ActivationRequest, parse_activation_request
from aep_activation.request_schema import activation_request_json_schema, render_json_schema
from tests.model.invalid_requests import TODAY, valid_request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
LIFECYCLE_EXAMPLES = sorted((ROOT / "examples" / "lifecycle").glob("*.json"))
ALL_EXAMPLES = [*EXAMPLES, *LIFECYCLE_EXAMPLES]
SCHEMA_FILE = ROOT / "schema" / "activation-request.schema.json"

REQUIRED_EXAMPLES = {
    "amazon-s3",
    "adobe-campaign-s3",
    "adobe-campaign-sftp-password",
    "adobe-campaign-sftp-ssh-key",
    "adobe-campaign-azure-blob",
    "azure-blob",
    "oracle-eloqua",
    "oracle-responsys",
    "salesforce-marketing-cloud",
    "sftp-password",
    "sftp-ssh-key",
    "amazon-s3-new-card",
    "sftp-new-card",
    "azure-blob-new-card",
    "google-cloud-storage",
    "data-landing-zone",
    "adls-gen2",
    "add-audiences-to-existing-dataflow",
}


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_required_example_exists() -> None:
    assert REQUIRED_EXAMPLES - {path.stem for path in EXAMPLES} == set()


def _example_id(path: Path) -> str:
    return path.relative_to(ROOT / "examples").with_suffix("").as_posix()


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=_example_id)
def test_example_is_a_valid_request(path: Path) -> None:
    request = parse_activation_request(path.read_text(encoding="utf-8"), today=TODAY)
    assert request.destination.catalog_entry() is not None, "examples use catalog destinations"


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=_example_id)
def test_example_matches_the_json_schema(
    path: Path, schema_validator: jsonschema.Draft202012Validator
) -> None:
    body = _load(path)
    assert [error.message for error in schema_validator.iter_errors(body)] == []
    state = parse_activation_request(body, today=TODAY).to_state()
    assert [error.message for error in schema_validator.iter_errors(state)] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_dates_stay_in_the_future_for_years(path: Path) -> None:
    for audience in _load(path)["audiences"]:
        assert audience["schedule"]["startDate"] >= "2030-01-01"


def test_example_names_are_unique_except_for_the_dataflow_extension() -> None:
    names = [
        _load(path)["name"]
        for path in EXAMPLES
        if path.stem != "add-audiences-to-existing-dataflow"
    ]
    assert len(names) == len(set(names))


def test_the_demo_example_is_amazon_s3_with_two_audiences_and_three_attributes() -> None:
    request = parse_activation_request(
        (ROOT / "examples" / "amazon-s3.json").read_text(encoding="utf-8"), today=TODAY
    )
    entry = request.destination.catalog_entry()
    assert entry is not None
    assert entry.name == "Amazon S3"
    assert len(request.audiences) == 2
    assert len(request.profile_attributes) == 3
    assert request.destination.auth.secret_id == "aep/destinations/amazon-s3"
    assert request.dataflow_id is None


def test_the_dataflow_extension_example_names_a_dataflow() -> None:
    body = _load(ROOT / "examples" / "add-audiences-to-existing-dataflow.json")
    assert parse_activation_request(body, today=TODAY).dataflow_id is not None


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == render_json_schema(), (
        "schema drifted: run PYTHONPATH=layers/aep_activation .venv/bin/python -m "
        "aep_activation.request_schema --write-schema schema/activation-request.schema.json"
    )


def test_the_schema_describes_the_request_shape() -> None:
    schema = activation_request_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "name",
        "sandbox",
        "destination",
        "audiences",
        "profileAttributes",
    }
    # Adobe's soft limits apply unless overrideSoftLimits names them.
    limits = {
        rule["if"]["not"]["properties"]["overrideSoftLimits"]["contains"]["const"]: rule["then"][
            "properties"
        ]
        for rule in schema["allOf"]
    }
    assert limits["audiencesPerDataflow"] == {"audiences": {"maxItems": 250}}
    assert limits["mappedAttributesPerDataflow"] == {"profileAttributes": {"maxItems": 50}}
    target = schema["$defs"]["DestinationTarget"]
    assert target["additionalProperties"] == {"type": "string"}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body: body.update(extra=1), "unknown top-level field"),
        (lambda body: body["audiences"][0]["schedule"].update(startTime="25:00"), "bad time"),
        (lambda body: body["destination"].pop("type"), "no type nor connectionSpecId"),
        (lambda body: body["audiences"][0].update(exportMode="WEEKLY"), "bad export mode"),
        (lambda body: body.update(profileAttributes=[]), "no attributes"),
        (lambda body: body["destination"]["target"].update(port=22), "non-string param"),
        (lambda body: body.update(operation="teardown"), "teardown without confirmDataflowId"),
        (
            lambda body: body.update(confirmDataflowId="d8a2a5e1-4f8f-4d7e-9d55-7a4c2d0b9e31"),
            "confirmDataflowId on an apply",
        ),
        (lambda body: body.update(requestId="has spaces"), "malformed requestId"),
    ],
)
def test_the_schema_rejects_what_the_model_rejects_structurally(
    schema_validator: jsonschema.Draft202012Validator, mutate: Any, reason: str
) -> None:
    body = valid_request()
    mutate(body)
    assert list(schema_validator.iter_errors(body)), reason


def test_the_module_writes_the_schema_file(tmp_path: Path) -> None:
    from aep_activation.request_schema import main

    target = tmp_path / "nested" / "schema.json"
    assert main(["--write-schema", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_json_schema()
    assert render_json_schema().endswith("}\n")
    assert ActivationRequest.model_json_schema(by_alias=True)["title"] == "ActivationRequest"


def test_the_lifecycle_examples_cover_every_operation_and_option() -> None:
    requests = [parse_activation_request(_load(p), today=TODAY) for p in LIFECYCLE_EXAMPLES]
    assert {r.operation for r in requests} == {"apply", "plan", "teardown"}
    assert any(r.prune for r in requests)
    assert any(r.dataflow_state == "disabled" for r in requests)
    assert any(r.wait_for_first_run is not None for r in requests)
