"""The real state machine, handlers and template in moto, against the Flow Service emulator.

``local_deployment`` is deployed once for this package (a deployment takes seconds): the Adobe
credentials secret holds the emulator's client and every example's destination secret holds
fake values shaped as its auth spec requires (the CLI's own seeding helper). Retry back-offs
are recorded, not slept.

``machine`` is per test: the emulator is reset (resources, faults, recordings), the request
queue and its dead-letter queue are emptied and the credentials secret is seeded again, so a
test that swaps them cannot affect the next (such a test cold-starts the functions too, or
their warm containers would go on using the cached secret, as on AWS). Warm containers keep
their cached IMS tokens (which stay valid across emulator resets), as warm Lambdas would; a
test needing a cold start asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime import LocalDeployment
from local.runtime.fake_secrets import fake_destination_secret
from tests.statemachine.harness import REPOSITORY, Machine, example, example_names

TEMPLATE = REPOSITORY / "template.yaml"
QUEUES = ("AudienceRequestQueue", "AudienceRequestDLQ", "RejectedRequestQueue")


def adobe_credentials_secret_name(stack: LocalDeployment) -> str:
    """The secret the template's functions read the Adobe credentials from."""
    names = {
        stack.function_environment(function).get("ADOBE_CREDENTIALS_SECRET")
        for function in stack.template.functions
    } - {None}
    assert len(names) == 1, names
    return str(names.pop())


def seed_destination_secrets(stack: LocalDeployment) -> None:
    for name in example_names():
        request = example(name)
        secret_id = request["destination"]["auth"].get("secretId")
        fake = fake_destination_secret(request)
        if secret_id and fake:
            stack.seed_secret(secret_id, fake)


@pytest.fixture(scope="package")
def local_deployment(_emulator_server: Emulator) -> Iterator[LocalDeployment]:
    with LocalDeployment.against(_emulator_server, TEMPLATE, skip_sleeps=True) as stack:
        stack.seed_secret(adobe_credentials_secret_name(stack), DEFAULT_CLIENT.credentials())
        seed_destination_secrets(stack)
        yield stack


def _empty_queues(stack: LocalDeployment) -> None:
    # Receive and delete: moto, like SQS, allows one PurgeQueue a minute.
    for queue in QUEUES:
        url = stack.physical(queue)
        while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def machine(emulator: Emulator, local_deployment: LocalDeployment) -> Machine:
    _empty_queues(local_deployment)
    # Warm containers may still hold the default credentials in their parameter cache: that
    # is what the secret holds again here. A test that swaps a secret cold-starts the stack.
    local_deployment.seed_secret(
        adobe_credentials_secret_name(local_deployment), DEFAULT_CLIENT.credentials()
    )
    local_deployment.published_events()  # read what earlier tests left on the bus
    return Machine(emulator, local_deployment)


@pytest.fixture
def leases(machine: Machine) -> Iterator[tuple[Any, str]]:
    """The stack's lease table (client, name); emptied before and after, so tests cannot leak
    a lease."""
    client = machine.stack.client("dynamodb")
    table = machine.stack.physical("ActivationLeaseTable")

    def clear() -> None:
        for item in client.scan(TableName=table)["Items"]:
            client.delete_item(TableName=table, Key={"activation": item["activation"]})

    clear()
    yield client, table
    clear()
