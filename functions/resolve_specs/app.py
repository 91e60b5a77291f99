"""ResolveSpecs: find the destination's connection and flow specs, check the request against
them, and look up (side by side) the resources the activation will need."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.secrets import secret_keys, secret_version_created
from aep_activation.step_inputs import StepInput
from aep_activation.steps.lookup import resolve_and_look_up
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _, request, flow_service = adobe_step(event, StepInput)
    return resolve_and_look_up(
        request, flow_service, secret_keys=secret_keys, secret_created=secret_version_created
    )
