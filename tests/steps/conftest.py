"""DynamoDB in moto for the steps that keep an item per activation (the lease, the registry)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"


@pytest.fixture
def aws_dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A DynamoDB client in moto, with test credentials and region."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


def create_activation_table(client: Any, name: str) -> None:
    """A table keyed by ``activation`` (``<sandbox>/<name>``), as template.yaml makes both."""
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "activation", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "activation", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
