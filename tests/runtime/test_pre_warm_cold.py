"""The pre-warm with containers started as cold Lambdas': a function warmed by the no-op event
serves the execution's first call in the container that event started, and the activation's
outcome is the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aep_activation import warm_up
from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime import LocalDeployment
from local.runtime.functions import ColdStarts, Invocation
from tests.statemachine.conftest import (
    TEMPLATE,
    adobe_credentials_secret_name,
    seed_destination_secrets,
)
from tests.statemachine.harness import example
from tests.statemachine.test_pre_warm import NEW_DATAFLOW_PATH, VALIDATE


@pytest.fixture
def cold_stack(emulator: Emulator) -> Iterator[LocalDeployment]:
    """The template with every container started as a cold Lambda's (no CPU quota: the
    mechanics are tested here, not the time)."""
    cold_starts = ColdStarts.detect(throttle=False)
    with LocalDeployment.against(
        emulator, TEMPLATE, skip_sleeps=True, cold_starts=cold_starts
    ) as stack:
        stack.seed_secret(adobe_credentials_secret_name(stack), DEFAULT_CLIENT.credentials())
        seed_destination_secrets(stack)
        yield stack


def test_a_warmed_function_serves_the_executions_first_call_warm(
    cold_stack: LocalDeployment,
) -> None:
    validate = cold_stack.lambdas.function(VALIDATE)
    assert validate is not None
    versions = validate.environment[warm_up.NEW_DATAFLOW_VARIABLE].split(",")
    # The execution's own warm-ups are off here, so the warm-ups below are the only ones.
    for variable in (warm_up.NEW_DATAFLOW_VARIABLE, warm_up.EXISTING_DATAFLOW_VARIABLE):
        validate.environment[variable] = ""
    lambda_api = cold_stack.client("lambda")
    for version in versions:
        lambda_api.invoke(
            FunctionName=version, InvocationType="Event", Payload=b'{"aepActivationWarmUp": true}'
        )
    assert cold_stack.lambdas.wait_for_async(timeout=120)
    mark = len(cold_stack.invocations)

    result = cold_stack.run(example("amazon-s3-new-card"), timeout=300)

    assert result.status == "SUCCEEDED"
    first_calls: dict[str, Invocation] = {}
    for call in cold_stack.invocations[mark:]:
        first_calls.setdefault(call.function, call)
    assert set(first_calls) >= NEW_DATAFLOW_PATH
    cold = sorted(name for name, call in first_calls.items() if call.init_seconds is not None)
    # Only the functions nothing warmed start cold: ValidateRequest and the step right after
    # the (native) lease, which the pre-warm leaves out.
    assert cold == ["ResolveSpecsFunction", VALIDATE]
