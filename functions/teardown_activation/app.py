"""TeardownActivation: find what the activation made and delete it, in the order Flow Service
allows, each deletion confirmed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import StepInput
from aep_activation.steps.teardown import tear_down
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _, request, flow_service = adobe_step(event, StepInput)
    return tear_down(request, flow_service)
