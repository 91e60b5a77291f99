"""ValidateRequest: every check happens before any Flow Service call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aep_activation.errors import ConfigurationError, InvalidActivationRequest, SecretUnavailable
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


@pytest.mark.parametrize("prefix", ["aep", "aep/destinations", "aep/dest-"])
def test_a_secrets_prefix_not_ending_in_a_slash_is_a_deployment_error(prefix: str) -> None:
    # "aep" would also let a request name aep-activation/adobe-credentials.
    request = json.loads(json.dumps(EXAMPLE))
    request["destination"]["auth"]["secretId"] = "aep-activation/adobe-credentials"
    checked: list[str] = []

    with pytest.raises(ConfigurationError, match=r"DestinationSecretsPrefix.*must end in '/'"):
        validate_request(
            request, secret_is_there=lambda s: not checked.append(s), secrets_prefix=prefix
        )
    assert checked == []  # refused before any call


def test_the_templates_prefix_pattern_demands_the_slash_too() -> None:
    import re

    from local.runtime.template import parse_template_text

    template = parse_template_text(
        (Path(__file__).resolve().parents[2] / "template.yaml").read_text(encoding="utf-8")
    )
    parameter = template["Parameters"]["DestinationSecretsPrefix"]
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch(parameter["Default"])
    assert pattern.fullmatch("team-a/aep/")
    for refused in ("aep", "aep/destinations", "/", ""):
        assert not pattern.fullmatch(refused), refused
