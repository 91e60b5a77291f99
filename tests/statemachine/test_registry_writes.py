"""Each apply and teardown is recorded in the activation registry by the result publisher
(one DynamoDB UpdateItem, before the result event): ACTIVE with the request and its dataflow
after an apply, TORN_DOWN after a teardown, lastResult FAILED on a registered activation
whose apply fails; plan writes nothing, and the export watch's cursor survives every write."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aep_activation.registry import (
    ACTIVE,
    KEY,
    TORN_DOWN,
    ActivationRegistry,
    RegisteredActivation,
    registry_key,
)
from local.emulator.faults import Fault
from tests.statemachine.harness import Machine, example

REQUEST = "amazon-s3"
AWS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def registry(machine: Machine) -> Iterator[ActivationRegistry]:
    client = machine.stack.client("dynamodb")
    table = machine.stack.physical("ActivationRegistryTable")

    def clear() -> None:
        for item in client.scan(TableName=table)["Items"]:
            client.delete_item(TableName=table, Key={KEY: item[KEY]})

    clear()
    yield ActivationRegistry(table, client=client)
    clear()


def raw_items(registry: ActivationRegistry) -> list[dict[str, Any]]:
    client = registry._client
    return list(client.scan(TableName=registry.table_name)["Items"])


def only(registry: ActivationRegistry) -> RegisteredActivation:
    (activation,) = list(registry.activations())
    return activation


def test_an_apply_records_the_activation_active_with_its_dataflow(
    machine: Machine, registry: ActivationRegistry
) -> None:
    request = example(REQUEST)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    item = only(registry)
    (flow,) = machine.emulator.list_resources("flows")
    assert item.key == registry_key(request["sandbox"], request["name"])
    assert (item.state, item.operation, item.last_result) == (ACTIVE, "apply", "SUCCEEDED")
    assert item.dataflow_id == flow["id"]
    assert item.execution == result.arn
    assert AWS_TIME.match(item.updated_at), item.updated_at  # $$.State.EnteredTime, as on AWS
    # The request as it was given (it names its secret, never holds one).
    assert item.request == request
    assert item.summary["resources"]["dataflowId"] == flow["id"]
    assert item.summary["status"] == "SUCCEEDED"
    # The execution's output is the result summary.
    assert result.output["resources"]["dataflowId"] == flow["id"]
    assert "request" not in result.output


def test_the_item_holds_no_secret(machine: Machine, registry: ActivationRegistry) -> None:
    secret = machine.stack.secretsmanager.get_secret_value(SecretId="aep/destinations/amazon-s3")
    values = [v for v in json.loads(secret["SecretString"]).values() if isinstance(v, str)]
    credentials = {"clientSecret"}

    result = machine.run(example(REQUEST))

    assert result.status == "SUCCEEDED"
    text = json.dumps(raw_items(registry))
    for value in values:
        assert value not in text
    assert not credentials & set(text.split('"'))


def test_a_teardown_records_the_activation_torn_down(
    machine: Machine, registry: ActivationRegistry
) -> None:
    request = example(REQUEST)
    applied = machine.run(request)
    assert applied.status == "SUCCEEDED"
    dataflow_id = only(registry).dataflow_id

    teardown = {**request, "operation": "teardown", "confirmDataflowId": dataflow_id}
    result = machine.run(teardown)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    item = only(registry)
    assert (item.state, item.operation, item.last_result) == (TORN_DOWN, "teardown", "SUCCEEDED")
    assert item.dataflow_id is None
    assert item.execution == result.arn
    # The request last applied stays: what was torn down can be applied again.
    assert item.request == request
    assert item.summary["teardown"]["deleted"]


def test_a_plan_writes_nothing(machine: Machine, registry: ActivationRegistry) -> None:
    result = machine.run({**example(REQUEST), "operation": "plan"})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert raw_items(registry) == []
    assert "plan" in result.output


@pytest.mark.parametrize(
    ("change", "status"),
    [
        pytest.param({"operation": "plan"}, "SUCCEEDED", id="a-plan"),
        pytest.param({"operation": "destroy"}, "FAILED", id="an-invalid-request"),
    ],
)
def test_a_run_that_writes_nothing_leaves_a_registered_item_as_it_was(
    machine: Machine, registry: ActivationRegistry, change: dict[str, str], status: str
) -> None:
    request = example(REQUEST)
    assert machine.run(request).status == "SUCCEEDED"
    before = raw_items(registry)

    assert machine.run({**request, **change}).status == status

    assert raw_items(registry) == before


def test_a_failed_apply_of_a_registered_activation_says_failed_and_keeps_the_rest(
    machine: Machine, registry: ActivationRegistry
) -> None:
    request = example(REQUEST)
    assert machine.run(request).status == "SUCCEEDED"
    before = only(registry)
    machine.emulator.inject(Fault.status_code(400, method="PATCH", path="/flows/*", times=None))

    changed = {**request, "audiences": request["audiences"][:1], "prune": True}
    result = machine.run(changed)

    assert result.status == "FAILED"
    item = only(registry)
    assert (item.state, item.operation, item.last_result) == (ACTIVE, "apply", "FAILED")
    assert item.execution == result.arn
    assert item.updated_at >= before.updated_at
    # What is active is still what the last successful apply made.
    assert item.dataflow_id == before.dataflow_id
    assert item.request == before.request
    assert item.summary["failure"]["state"]


def test_a_failed_first_apply_registers_nothing(
    machine: Machine, registry: ActivationRegistry
) -> None:
    machine.emulator.inject(Fault.status_code(403, method="POST", path="/connections"))

    result = machine.run(example(REQUEST))

    assert result.status == "FAILED"
    assert raw_items(registry) == []


def test_the_export_watch_cursor_survives_an_apply(
    machine: Machine, registry: ActivationRegistry
) -> None:
    request = example(REQUEST)
    assert machine.run(request).status == "SUCCEEDED"
    registry.set_export_cursor(request["sandbox"], request["name"], "run-42")

    again = machine.run(request)

    assert again.status == "SUCCEEDED"
    item = only(registry)
    assert item.export_cursor == "run-42"
    assert item.execution == again.arn


def test_a_late_write_never_replaces_a_newer_outcome(
    machine: Machine, registry: ActivationRegistry
) -> None:
    request = example(REQUEST)
    assert machine.run(request).status == "SUCCEEDED"
    client = registry._client
    newer = "2999-01-01T00:00:00.000Z"  # as if another execution had ended later
    client.update_item(
        TableName=registry.table_name,
        Key={KEY: {"S": registry_key(request["sandbox"], request["name"])}},
        UpdateExpression="SET updatedAt = :t",
        ExpressionAttributeValues={":t": {"S": newer}},
    )
    before = raw_items(registry)

    result = machine.run(request)

    # The activation succeeded; only the registry's write was refused, and it says so.
    assert result.status == "SUCCEEDED"
    assert raw_items(registry) == before
    assert result.output["registryError"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
