"""ResolveSpecs: find the destination's connection and flow specs, check the request against
them, and look up (side by side) the resources the activation will need."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.secrets import secret_keys
from aep_activation.step_inputs import StepInput, parse_step_input
from aep_activation.steps.lookup import resolve_and_look_up
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = request_from_state(parse_step_input(event, StepInput).request)
    return resolve_and_look_up(request, flow_service_for(request.sandbox), secret_keys=secret_keys)
