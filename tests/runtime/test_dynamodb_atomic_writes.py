"""moto's DynamoDB conditional writes, made atomic as on AWS: of many executions racing for
one item with ``attribute_not_exists``, exactly one wins, round after round."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from local.runtime.moto_fixes import DynamoDBAtomicWritesFix

RACERS = 8
ROUNDS = 30


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def race(client: Any, key: str) -> int:
    """Every racer tries to create ``key`` at once; how many were told they did."""
    start = threading.Barrier(RACERS)
    winners: list[int] = []
    refusals: list[str] = []

    def put(racer: int) -> None:
        start.wait()
        try:
            client.put_item(
                TableName="t",
                Item={"k": {"S": key}, "holder": {"N": str(racer)}},
                ConditionExpression="attribute_not_exists(k)",
            )
            winners.append(racer)
        except ClientError as exc:
            refusals.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=put, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(refusals) <= {"ConditionalCheckFailedException"}
    return len(winners)


def test_exactly_one_conditional_put_wins_each_round(table: Any) -> None:
    # Switch threads often, so that an unlocked check-then-write interleaves (without the fix
    # this fails: some rounds have several winners).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    fix = DynamoDBAtomicWritesFix()
    fix.install()
    try:
        winners = [race(table, f"key-{round_}") for round_ in range(ROUNDS)]
    finally:
        fix.uninstall()
        sys.setswitchinterval(interval)
    assert winners == [1] * ROUNDS


def test_the_fix_is_undone_and_installs_once() -> None:
    original = DynamoDBBackend.put_item
    first, second = DynamoDBAtomicWritesFix(), DynamoDBAtomicWritesFix()
    first.install()
    second.install()  # a second stack finds it installed and leaves it be
    assert DynamoDBBackend.put_item is not original
    second.uninstall()
    assert DynamoDBBackend.put_item is not original
    first.uninstall()
    assert DynamoDBBackend.put_item is original
