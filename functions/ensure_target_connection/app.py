"""EnsureTargetConnection: where and in which format the files land (found or created)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import TargetConnectionStepInput, parse_step_input
from aep_activation.steps.connections import ensure_target_connection
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, TargetConnectionStepInput)
    request = request_from_state(parsed.request)
    ensured = ensure_target_connection(
        request,
        flow_service_for(request.sandbox),
        parsed.specs,
        parsed.base_connection_id,
        parsed.looked_up("targetConnection"),
    )
    return {
        "baseConnectionId": parsed.base_connection_id,
        "targetConnectionId": ensured.id,
        "created": ensured.created,
    }
