"""EnsureTargetConnection: where and in which format the files land (found or created)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import TargetConnectionStepInput
from aep_activation.steps.connections import TARGET_PARAMS_CHANGED, ensure_target_connection
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, TargetConnectionStepInput)
    looked_up = parsed.looked_up("targetConnection")
    ensured = ensure_target_connection(
        request,
        flow_service,
        parsed.specs,
        parsed.base_connection_id,
        looked_up,
        params_changed=bool((parsed.existing or {}).get(TARGET_PARAMS_CHANGED)),
    )
    return {
        "baseConnectionId": parsed.base_connection_id,
        "targetConnectionId": ensured.id,
        "created": ensured.created,
        "updated": ensured.updated,
    }
