"""EnsureProfileBaseConnection: the base connection to the Profile Store (found or created)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import StepInput
from aep_activation.steps.connections import ensure_profile_base_connection
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, StepInput)
    ensured = ensure_profile_base_connection(
        request, flow_service, parsed.looked_up("profileBaseConnection")
    )
    return {"id": ensured.id, "created": ensured.created}
