"""EnsureDestinationBaseConnection: the destination's base connection, with credentials read here
from Secrets Manager (never returned, never logged)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.secrets import get_json_secret
from aep_activation.step_inputs import DestinationStepInput
from aep_activation.steps.connections import ensure_destination_base_connection
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, DestinationStepInput)
    ensured = ensure_destination_base_connection(
        request,
        flow_service,
        parsed.specs,
        read_secret=get_json_secret,
        looked_up=parsed.looked_up("destinationBaseConnection"),
    )
    return {"id": ensured.id, "created": ensured.created}
