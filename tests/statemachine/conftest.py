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

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.statemachine.harness import Machine
from tests.support.stack import deployed_stack, reset_stack


@pytest.fixture(scope="package")
def local_deployment(_emulator_server: Emulator) -> Iterator[LocalDeployment]:
    with deployed_stack(_emulator_server, skip_sleeps=True) as stack:
        yield stack


@pytest.fixture
def machine(emulator: Emulator, local_deployment: LocalDeployment) -> Machine:
    reset_stack(local_deployment)
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
