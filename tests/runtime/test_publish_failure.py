"""The result bus failing after a successful activation, teardown or plan does not turn it
into a failure. PublishSuccess retries on its own, then the execution still ends SUCCEEDED
(what it did is done) and says that the result event was not published.

Runs its own stack, where every function sees a result bus that does not exist: not in
tests/statemachine, whose shared stack no second one can run beside in the same process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aep_activation.registry import ACTIVE, TORN_DOWN, ActivationRegistry
from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.statemachine.harness import example
from tests.support.stack import deployed_stack


@pytest.fixture
def stack_without_result_bus(emulator: Emulator) -> Iterator[LocalDeployment]:
    with deployed_stack(
        emulator, env_overrides={"RESULT_EVENT_BUS": "no-such-bus"}, skip_sleeps=True
    ) as stack:
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


def test_a_teardown_and_a_plan_whose_result_is_not_published_still_succeed(
    emulator: Emulator, stack_without_result_bus: LocalDeployment
) -> None:
    # Neither has a dataflow in its state: what they report must not need one.
    stack = stack_without_result_bus
    request = example("amazon-s3")
    applied = stack.run(request, timeout=120)
    assert applied.status == "SUCCEEDED", (applied.error, applied.cause)
    (flow,) = emulator.list_resources("flows")

    plan = stack.run({**request, "operation": "plan"}, timeout=120)
    teardown = stack.run(
        {**request, "operation": "teardown", "confirmDataflowId": flow["id"]}, timeout=120
    )

    for result, operation in ((plan, "plan"), (teardown, "teardown")):
        assert result.status == "SUCCEEDED", (operation, result.error, result.cause)
        assert "ResultNotPublished" in result.states
        assert result.output["resultEvent"] == {"published": False}
        assert result.output["publishError"]
        assert (result.output["operation"], result.output["activation"]) == (
            operation,
            request["name"],
        )
    assert emulator.list_resources("flows") == []
    # The teardown is recorded all the same (before the publish that failed).
    registry = ActivationRegistry(
        stack.physical("ActivationRegistryTable"), client=stack.client("dynamodb")
    )
    recorded = registry.get("prod", request["name"])
    assert recorded is not None
    assert (recorded.state, recorded.dataflow_id, recorded.execution) == (
        TORN_DOWN,
        None,
        teardown.arn,
    )
