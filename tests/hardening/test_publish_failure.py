"""The result bus failing after a successful activation does not turn it
into a failure. PublishSuccess retries on its own, then the execution still ends SUCCEEDED
(the dataflow is active) and says that the result event was not published.

Runs its own stack: every function sees a result bus that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aep_activation.registry import ACTIVE, ActivationRegistry
from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime import LocalDeployment
from tests.statemachine.conftest import (
    TEMPLATE,
    adobe_credentials_secret_name,
    seed_destination_secrets,
)
from tests.statemachine.harness import example


@pytest.fixture
def stack_without_result_bus(emulator: Emulator) -> Iterator[LocalDeployment]:
    with LocalDeployment.against(
        emulator, TEMPLATE, env_overrides={"RESULT_EVENT_BUS": "no-such-bus"}, skip_sleeps=True
    ) as stack:
        stack.seed_secret(adobe_credentials_secret_name(stack), DEFAULT_CLIENT.credentials())
        seed_destination_secrets(stack)
        yield stack


def test_a_result_bus_failure_after_success_still_reports_success(
    emulator: Emulator, stack_without_result_bus: LocalDeployment
) -> None:
    stack = stack_without_result_bus

    result = stack.run(example("amazon-s3"), timeout=120)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (flow,) = emulator.list_resources("flows")
    assert result.output["dataflowId"] == flow["id"]
    assert result.output["status"] == "SUCCEEDED"
    assert result.output["resultEvent"] == {"published": False}
    assert result.output["publishError"]
    publish = result.visits_of("PublishSuccess")
    assert len(publish) == 1
    assert publish[0].attempts > 1  # it retried before giving up
    assert "ResultNotPublished" in result.states
    # The registry records it all the same.
    registry = ActivationRegistry(
        stack.physical("ActivationRegistryTable"), client=stack.client("dynamodb")
    )
    recorded = registry.get("prod", example("amazon-s3")["name"])
    assert recorded is not None
    assert (recorded.state, recorded.dataflow_id) == (ACTIVE, flow["id"])
