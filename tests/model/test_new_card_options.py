"""Auth and file options of the new cards, checked before any call."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.request import parse_activation_request
from tests.statemachine.harness import example
from tests.support.corpus import TODAY, refusals

ROLE = "arn:aws:iam::123456789012:role/aep-exports"


def assumed_role() -> dict[str, Any]:
    return example("amazon-s3-assumed-role")


def test_an_assumed_role_needs_no_secret_and_its_role_is_an_auth_param() -> None:
    request = parse_activation_request(assumed_role(), today=TODAY)
    assert request.destination.auth.secret_id is None
    assert request.destination.auth.request_params == {"s3Role": ROLE}
    assert request.destination.target.params["csvOptions"]["delimiter"] == ";"
    assert request.destination.target.params["includeFileManifest"] is True


def test_an_assumed_role_needs_its_role() -> None:
    body = assumed_role()
    del body["destination"]["auth"]["s3Role"]
    assert refusals(body) == [
        {"path": "destination.auth.s3Role", "message": "is required with auth spec 'Assumed Role'"}
    ]


def test_an_assumed_role_takes_no_secret() -> None:
    body = assumed_role()
    body["destination"]["auth"]["secretId"] = "aep/destinations/s3"
    assert [e["path"] for e in refusals(body)] == ["destination.auth.secretId"]


def test_a_role_is_refused_with_access_keys_and_on_other_cards() -> None:
    body = example("amazon-s3-new-card")
    body["destination"]["auth"]["s3Role"] = ROLE
    assert [e["path"] for e in refusals(body)] == ["destination.auth.s3Role"]
    legacy = example("amazon-s3")
    legacy["destination"]["auth"]["s3Role"] = ROLE
    assert [e["path"] for e in refusals(legacy)] == ["destination.auth.s3Role"]


def test_a_role_must_be_an_iam_role_arn() -> None:
    body = assumed_role()
    body["destination"]["auth"]["s3Role"] = "aep-exports"
    (error,) = refusals(body)
    assert error["path"] == "destination.auth.s3Role"
    assert "IAM role ARN" in error["message"]


@pytest.mark.parametrize(
    ("options", "path", "words"),
    [
        ({"delimiter": "#"}, "destination.target.csvOptions.delimiter", "must be one of"),
        ({"sep": ","}, "destination.target.csvOptions.sep", "is not a CSV option"),
        ("comma", "destination.target.csvOptions", "must be an object"),
    ],
)
def test_csv_options_follow_adobes_enums(options: Any, path: str, words: str) -> None:
    body = assumed_role()
    body["destination"]["target"]["csvOptions"] = options
    (error,) = refusals(body)
    assert error["path"] == path
    assert words in error["message"]


def test_csv_options_need_csv_files() -> None:
    body = assumed_role()
    body["destination"]["target"]["fileType"] = "PARQUET"
    assert refusals(body) == [
        {"path": "destination.target.csvOptions", "message": "applies only with fileType CSV"}
    ]


def test_the_manifest_flag_is_a_boolean() -> None:
    body = assumed_role()
    body["destination"]["target"]["includeFileManifest"] = "yes"
    assert refusals(body) == [
        {"path": "destination.target.includeFileManifest", "message": "must be true or false"}
    ]


def test_file_options_are_new_card_params_only() -> None:
    body = example("amazon-s3")
    body["destination"]["target"]["includeFileManifest"] = True
    (error,) = refusals(body)
    assert error["path"] == "destination.target.includeFileManifest"
    assert "new file-based cards" in error["message"]
