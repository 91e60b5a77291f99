"""ValidateRequest: every check happens before any Flow Service call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aep_activation.errors import InvalidActivationRequest, SecretUnavailable
from aep_activation.steps.validate import validate_request

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "examples" / "amazon-s3.json").read_text()
)


def test_a_valid_request_comes_back_normalised() -> None:
    seen: list[str] = []
    state = validate_request(
        EXAMPLE, secret_is_there=lambda s: not seen.append(s), secrets_prefix="aep/destinations/"
    )

    assert seen == ["aep/destinations/amazon-s3"]
    assert state["name"] == "summer-sale-s3"
    assert state["dataflowId"] is None


def test_a_missing_secret_is_named() -> None:
    with pytest.raises(SecretUnavailable, match="aep/destinations/amazon-s3"):
        validate_request(EXAMPLE, secret_is_there=lambda s: False)


@pytest.mark.parametrize(
    "secret_id",
    ["other/amazon-s3", "arn:aws:secretsmanager:us-east-1:123456789012:secret:other/s3-AbCdEf"],
)
def test_a_secret_outside_the_stacks_prefix_is_refused_by_field(secret_id: str) -> None:
    request = json.loads(json.dumps(EXAMPLE))
    request["destination"]["auth"]["secretId"] = secret_id

    with pytest.raises(InvalidActivationRequest) as caught:
        validate_request(
            request, secret_is_there=lambda s: True, secrets_prefix="aep/destinations/"
        )

    assert caught.value.errors[0]["path"] == "destination.auth.secretId"
    assert "aep/destinations/" in caught.value.errors[0]["message"]


def test_an_arn_under_the_prefix_is_accepted() -> None:
    request = json.loads(json.dumps(EXAMPLE))
    request["destination"]["auth"]["secretId"] = (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:aep/destinations/s3-AbCdEf"
    )
    assert validate_request(
        request, secret_is_there=lambda s: True, secrets_prefix="aep/destinations/"
    )
