"""At LogLevel DEBUG, no secret value reaches a log record.

The Lambda runtime sets the root logger to the stack's LogLevel; botocore, left to inherit
it, logs every response body at DEBUG, GetSecretValue's included.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from aep_activation import secrets

CLIENT_SECRET = 'p8e-"quoted\\back\nslash-CLIENT-SECRET-5c1d'
DESTINATION_SECRET = "wJalrXUtnFEMI-DESTINATION-SECRET-KEY-0f9e"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    secrets.clear_cache()
    with mock_aws():
        yield
    secrets.clear_cache()


def test_secret_values_never_reach_a_debug_log(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    client = boto3.client("secretsmanager")
    client.create_secret(
        Name="aep/adobe-credentials",
        SecretString=json.dumps({"clientId": "id", "clientSecret": CLIENT_SECRET}),
    )
    client.create_secret(
        Name="aep/destinations/s3", SecretString=json.dumps({"s3SecretKey": DESTINATION_SECRET})
    )
    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG, as LogLevel=DEBUG makes it

    assert secrets.get_json_secret("aep/adobe-credentials")["clientSecret"] == CLIENT_SECRET
    assert secrets.get_json_secret("aep/destinations/s3")["s3SecretKey"] == DESTINATION_SECRET
    assert secrets.secret_exists("aep/destinations/s3")

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for value in (CLIENT_SECRET, DESTINATION_SECRET, json.dumps(CLIENT_SECRET)[1:-1]):
        assert value not in logged
    for name in ("boto3", "botocore", "urllib3"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
