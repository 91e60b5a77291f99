"""The activation registry read back from DynamoDB (moto): items decoded, listed by key,
filtered by sandbox, and the export watch's cursor kept only on an existing item; and written
by the result publisher from a result summary, on its own attributes only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aep_activation.aws_clients import DynamoDBItems
from aep_activation.errors import ConfigurationError
from aep_activation.registry import (
    ACTIVE,
    KEY,
    RESULT_ATTRIBUTES,
    TORN_DOWN,
    ActivationRegistry,
    record_result,
    registry_from_env,
    registry_key,
)
from tests.steps.conftest import create_activation_table

REGION = "us-east-1"
TABLE = "registry"


@pytest.fixture
def dynamodb(aws_dynamodb: Any) -> Any:
    create_activation_table(aws_dynamodb, TABLE)
    return aws_dynamodb


@pytest.fixture(params=["sdk client", "signed requests"])
def writer(request: pytest.FixtureRequest, dynamodb: Any) -> Any:
    """What writes the registry: the SDK's client (tools), or the result publisher's own
    signed requests (aep_activation.aws_json), to the same moto table."""
    return dynamodb if request.param == "sdk client" else DynamoDBItems()


def put(client: Any, sandbox: str, name: str, state: str, **extra: str) -> None:
    item = {
        KEY: {"S": registry_key(sandbox, name)},
        "sandbox": {"S": sandbox},
        "name": {"S": name},
        "state": {"S": state},
    }
    item.update({attribute: {"S": value} for attribute, value in extra.items()})
    client.put_item(TableName=TABLE, Item=item)


def test_items_are_decoded_with_their_json_documents(dynamodb: Any) -> None:
    request = {"name": "summer-sale", "sandbox": "prod", "destination": {"secretName": "s3"}}
    put(
        dynamodb,
        "prod",
        "summer-sale",
        ACTIVE,
        operation="apply",
        lastResult="SUCCEEDED",
        dataflowId="flow-1",
        updatedAt="2026-12-07T00:00:00Z",
        execution="arn:aws:states:us-east-1:123456789012:execution:activation:x",
        request=json.dumps(request),
        summary=json.dumps({"status": "SUCCEEDED"}),
    )
    found = ActivationRegistry(TABLE, client=dynamodb).get("prod", "summer-sale")
    assert found is not None
    assert (found.key, found.state, found.dataflow_id) == ("prod/summer-sale", ACTIVE, "flow-1")
    assert found.request == request
    assert found.summary == {"status": "SUCCEEDED"}
    assert found.export_cursor is None
    assert ActivationRegistry(TABLE, client=dynamodb).get("prod", "other") is None


def test_activations_are_listed_by_key_and_filtered_by_sandbox(dynamodb: Any) -> None:
    put(dynamodb, "prod", "winter", ACTIVE)
    put(dynamodb, "dev", "summer", ACTIVE)
    put(dynamodb, "prod", "autumn", TORN_DOWN, request="not json")
    registry = ActivationRegistry(TABLE, client=dynamodb)
    assert [a.key for a in registry.activations()] == ["dev/summer", "prod/autumn", "prod/winter"]
    assert [a.name for a in registry.activations(sandbox="prod")] == ["autumn", "winter"]
    assert next(registry.activations(sandbox="prod")).request == {}  # unreadable: empty


def test_the_export_cursor_is_kept_only_on_an_existing_item(dynamodb: Any) -> None:
    put(dynamodb, "prod", "winter", ACTIVE, dataflowId="flow-2")
    registry = ActivationRegistry(TABLE, client=dynamodb)
    registry.set_export_cursor("prod", "winter", "run-7")
    found = registry.get("prod", "winter")
    assert found is not None
    assert (found.export_cursor, found.dataflow_id) == ("run-7", "flow-2")
    with pytest.raises(ClientError) as refused:
        registry.set_export_cursor("prod", "gone", "run-1")
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert registry.get("prod", "gone") is None


def test_the_table_name_comes_from_the_environment(dynamodb: Any) -> None:
    assert registry_from_env(dynamodb, {"ACTIVATION_REGISTRY_TABLE": TABLE}).table_name == TABLE
    with pytest.raises(ConfigurationError, match="ACTIVATION_REGISTRY_TABLE"):
        registry_from_env(dynamodb, {})


def _applied(mapping: Any, dataflow: str = "flow-1") -> dict[str, str]:
    """What an apply records (beside the state): its dataflow and its summary."""
    return {
        "dataflowId": dataflow,
        "summary": json.dumps({"status": "SUCCEEDED", "mappingSet": mapping}),
    }


def test_the_mapping_set_the_last_apply_attached_is_read_for_its_own_dataflow(
    dynamodb: Any,
) -> None:
    applied = _applied({"mappingId": "set-1", "mappingVersion": 3, "created": []})
    put(dynamodb, "prod", "new-card", ACTIVE, **applied)
    registry = ActivationRegistry(TABLE, client=dynamodb)

    assert registry.applied_mapping_set("prod", "new-card", "flow-1") == ("set-1", 3)
    # Another dataflow (the activation's flow made anew, or a request naming another one),
    # another sandbox, another activation: no hint.
    assert registry.applied_mapping_set("prod", "new-card", "flow-2") is None
    assert registry.applied_mapping_set("dev", "new-card", "flow-1") is None
    assert registry.applied_mapping_set("prod", "other", "flow-1") is None


@pytest.mark.parametrize(
    ("state", "applied"),
    [
        (TORN_DOWN, _applied({"mappingId": "set-1", "mappingVersion": 3})),
        (ACTIVE, _applied(None)),  # a legacy card's summary, or a failure's
        (ACTIVE, _applied({"mappingId": "set-1", "mappingVersion": None})),
        (ACTIVE, _applied({"mappingId": "set-1", "mappingVersion": True})),
        (ACTIVE, _applied({"mappingId": "set-1", "mappingVersion": "3"})),
        (ACTIVE, _applied({"mappingId": "", "mappingVersion": 3})),
        (ACTIVE, {"dataflowId": "flow-1", "summary": "not json"}),
        (ACTIVE, {"dataflowId": "flow-1"}),
    ],
)
def test_no_hint_from_an_item_that_does_not_name_one_version(
    dynamodb: Any, state: str, applied: dict[str, str]
) -> None:
    put(dynamodb, "prod", "new-card", state, **applied)

    found = ActivationRegistry(TABLE, client=dynamodb).applied_mapping_set(
        "prod", "new-card", "flow-1"
    )

    assert found is None


# ------------------------------------------------------------------ the result publisher's writes

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:activation:run-2"
AT = "2026-12-07T00:10:27.456Z"
REQUEST = {"name": "summer-sale", "sandbox": "prod", "destination": {"secretName": "s3"}}


class Recording:
    """The client, with each UpdateItem's arguments kept."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.updates: list[dict[str, Any]] = []

    def update_item(self, **arguments: Any) -> Any:
        self.updates.append(arguments)
        return self._client.update_item(**arguments)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def summary(operation: str, status: str = "SUCCEEDED", **extra: Any) -> dict[str, Any]:
    return {
        "status": status,
        "execution": EXECUTION,
        "operation": operation,
        "activation": "summer-sale",
        "sandbox": "prod",
        "resources": {"dataflowId": "flow-1" if operation == "apply" else None},
        **extra,
    }


def record(client: Any, result: dict[str, Any], at: str = AT) -> dict[str, str] | None:
    registry = ActivationRegistry(TABLE, client=client)
    return record_result(
        registry, result, updated_at=at, execution=EXECUTION, request=lambda: json.dumps(REQUEST)
    )


def test_an_apply_is_recorded_active_with_its_request_and_dataflow(
    dynamodb: Any, writer: Any
) -> None:
    client = Recording(writer)
    put(dynamodb, "prod", "summer-sale", ACTIVE, exportCursor="run-42")

    assert record(client, summary("apply")) is None

    found = ActivationRegistry(TABLE, client=dynamodb).get("prod", "summer-sale")
    assert found is not None
    assert (found.state, found.operation, found.last_result) == (ACTIVE, "apply", "SUCCEEDED")
    assert (found.dataflow_id, found.updated_at, found.execution) == ("flow-1", AT, EXECUTION)
    assert found.request == REQUEST
    assert found.summary == summary("apply")
    assert found.export_cursor == "run-42"  # not the publisher's to touch
    item = dynamodb.get_item(TableName=TABLE, Key={KEY: {"S": "prod/summer-sale"}})["Item"]
    # Compact JSON text, as States.JsonToString wrote it.
    assert item["request"]["S"] == json.dumps(REQUEST, separators=(",", ":"))
    (update,) = client.updates
    assert set(update["ExpressionAttributeNames"].values()) <= RESULT_ATTRIBUTES
    assert "ReturnValues" not in update


def test_a_teardown_is_recorded_torn_down_without_its_dataflow(dynamodb: Any, writer: Any) -> None:
    put(dynamodb, "prod", "summer-sale", ACTIVE, dataflowId="flow-1", request=json.dumps(REQUEST))
    client = Recording(writer)

    assert record(client, summary("teardown", teardown={"deleted": ["flow-1"]})) is None

    found = ActivationRegistry(TABLE, client=dynamodb).get("prod", "summer-sale")
    assert found is not None
    assert (found.state, found.operation, found.dataflow_id) == (TORN_DOWN, "teardown", None)
    assert found.request == REQUEST  # what was torn down can be applied again
    (update,) = client.updates
    assert set(update["ExpressionAttributeNames"].values()) <= RESULT_ATTRIBUTES


def test_a_failure_is_recorded_on_a_registered_item_only(dynamodb: Any, writer: Any) -> None:
    failed = summary("apply", status="FAILED", failure={"state": "ActivateAudiences"})

    refused = record(writer, failed)

    assert refused is not None
    assert refused["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert dynamodb.scan(TableName=TABLE)["Items"] == []  # a failed first apply: nothing

    put(dynamodb, "prod", "summer-sale", ACTIVE, dataflowId="flow-1", request=json.dumps(REQUEST))
    assert record(writer, failed) is None
    found = ActivationRegistry(TABLE, client=dynamodb).get("prod", "summer-sale")
    assert found is not None
    assert (found.state, found.last_result, found.dataflow_id) == (ACTIVE, "FAILED", "flow-1")
    assert found.request == REQUEST
    assert found.summary["failure"] == {"state": "ActivateAudiences"}


def test_a_late_write_never_replaces_a_newer_outcome(dynamodb: Any, writer: Any) -> None:
    put(dynamodb, "prod", "summer-sale", ACTIVE, updatedAt="2999-01-01T00:00:00.000Z")
    before = dynamodb.scan(TableName=TABLE)["Items"]

    refused = record(writer, summary("teardown"))

    assert refused is not None
    assert refused["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert dynamodb.scan(TableName=TABLE)["Items"] == before


def test_a_plan_or_a_request_naming_no_activation_writes_nothing(dynamodb: Any) -> None:
    client = Recording(dynamodb)

    def never() -> str:
        raise AssertionError("the execution input is read for an apply only")

    registry = ActivationRegistry(TABLE, client=client)
    for result in (summary("plan"), {**summary("apply", status="FAILED"), "activation": None}):
        assert (
            record_result(registry, result, updated_at=AT, execution=EXECUTION, request=never)
            is None
        )
    assert client.updates == []
