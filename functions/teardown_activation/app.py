"""TeardownActivation: one step of a teardown (find, or delete one level), named by the state."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import TeardownStepInput, parse_step_input
from aep_activation.steps.teardown import run_step
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, TeardownStepInput)
    request = request_from_state(parsed.request)
    return run_step(parsed.step, request, flow_service_for(request.sandbox), parsed.teardown)
