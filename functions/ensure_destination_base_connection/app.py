"""EnsureDestinationBaseConnection: the destination's base connection, with credentials read here
from Secrets Manager (never returned, never logged)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.secrets import get_json_secret
from aep_activation.step_inputs import DestinationStepInput, parse_step_input
from aep_activation.steps.connections import ensure_destination_base_connection
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, DestinationStepInput)
    request = request_from_state(parsed.request)
    ensured = ensure_destination_base_connection(
        request,
        flow_service_for(request.sandbox),
        parsed.specs,
        read_secret=get_json_secret,
        looked_up=parsed.looked_up("destinationBaseConnection"),
    )
    return {"id": ensured.id, "created": ensured.created}
