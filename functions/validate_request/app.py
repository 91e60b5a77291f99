"""ValidateRequest: check the activation request before any Flow Service call."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import StepEvent, parse_event
from aep_activation.observability import step_handler
from aep_activation.steps.validate import validate_request


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(event, StepEvent).request
    return validate_request(request, secrets_prefix=os.environ.get("DESTINATION_SECRETS_PREFIX"))
