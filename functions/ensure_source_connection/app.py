"""EnsureSourceConnection: the source connection reading the Profile Store (found or created)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import ConnectionStepInput
from aep_activation.steps.connections import ensure_source_connection
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, ConnectionStepInput)
    ensured = ensure_source_connection(
        request, flow_service, parsed.base_connection_id, parsed.looked_up("sourceConnection")
    )
    return {
        "baseConnectionId": parsed.base_connection_id,
        "sourceConnectionId": ensured.id,
        "created": ensured.created,
    }
