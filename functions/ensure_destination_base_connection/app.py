"""EnsureDestinationBaseConnection: the destination's base connection, with credentials read here
from Secrets Manager (never returned, never logged)."""

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.secrets import get_json_secret
from aep_activation.step_inputs import DestinationStepInput
from aep_activation.steps.connections import (
    CREDENTIALS_ROTATED,
    ensure_destination_base_connection,
)
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, DestinationStepInput)
    rotated = bool((parsed.existing or {}).get(CREDENTIALS_ROTATED))
    ensured = ensure_destination_base_connection(
        request,
        flow_service,
        parsed.specs,
        # A rotation is pushed with the secret's current version, not a warm container's copy.
        read_secret=partial(get_json_secret, force_fetch=rotated),
        looked_up=parsed.looked_up("destinationBaseConnection"),
        rotated=rotated,
    )
    return {"id": ensured.id, "created": ensured.created, "updated": ensured.updated}
