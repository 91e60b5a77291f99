"""AdobeCredentials: parsed from the credentials secret, the client secret always masked."""

from __future__ import annotations

import json

import boto3
import pytest

from aep_activation.credentials import (
    DEFAULT_SCOPES,
    AdobeCredentials,
    load_adobe_credentials,
    parse_adobe_credentials,
)
from aep_activation.errors import SecretUnavailable

SECRET = "very-secret-client-secret"
GOOD = {
    "clientId": "client-1",
    "clientSecret": SECRET,
    "orgId": "ABC123@AdobeOrg",
    "scopes": "openid, AdobeID,read_organizations",
}


def test_parses_and_masks_the_client_secret() -> None:
    credentials = parse_adobe_credentials(GOOD, secret_name="aep/creds")

    assert credentials.client_id == "client-1"
    assert credentials.org_id == "ABC123@AdobeOrg"
    assert credentials.scopes == ("openid", "AdobeID", "read_organizations")
    assert credentials.scope == "openid,AdobeID,read_organizations"
    assert credentials.client_secret.get_secret_value() == SECRET
    for shown in (repr(credentials), str(credentials), credentials.model_dump_json()):
        assert SECRET not in shown


def test_scopes_may_be_a_list_or_left_out() -> None:
    listed = parse_adobe_credentials({**GOOD, "scopes": ["openid", "session"]}, secret_name="s")
    default = parse_adobe_credentials(
        {k: v for k, v in GOOD.items() if k != "scopes"}, secret_name="s"
    )

    assert listed.scopes == ("openid", "session")
    assert default.scopes == DEFAULT_SCOPES


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"orgId": "not-an-org"}, "orgId"),
        ({"orgId": "ORG ID@AdobeOrg"}, "orgId"),
        ({"clientId": ""}, "clientId"),
        ({"scopes": " , "}, "scopes"),
        ({"clientSecret": 12345}, "clientSecret"),
    ],
)
def test_invalid_fields_are_named_without_values(change: dict[str, object], field: str) -> None:
    with pytest.raises(SecretUnavailable) as caught:
        parse_adobe_credentials({**GOOD, **change}, secret_name="aep/creds")

    message = str(caught.value)
    assert "'aep/creds'" in message
    assert field in message
    assert SECRET not in message
    assert "not-an-org" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.usefixtures("aws")
def test_loads_from_secrets_manager() -> None:
    boto3.client("secretsmanager").create_secret(Name="aep/creds", SecretString=json.dumps(GOOD))

    assert load_adobe_credentials("aep/creds") == AdobeCredentials.model_validate(GOOD)


@pytest.mark.usefixtures("aws")
def test_missing_keys_in_the_secret_are_named() -> None:
    boto3.client("secretsmanager").create_secret(
        Name="aep/creds", SecretString=json.dumps({"clientId": "x"})
    )

    with pytest.raises(SecretUnavailable, match="clientSecret, orgId"):
        load_adobe_credentials("aep/creds")
