"""ValidateRequest: check the activation request before any Flow Service call, then start the
cold starts of the functions its path will call (the pre-warm, best effort)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation import warm_up
from aep_activation.events import StepEvent, parse_event
from aep_activation.lambda_init import prepare
from aep_activation.model import ActivationRequest
from aep_activation.observability import step_handler
from aep_activation.steps.validate import validate_request


def _build_request_model() -> None:
    ActivationRequest.model_rebuild(force=True)  # deferred by pydantic to its first use


# In the init phase, on a full CPU: every call validates a request and warms.
prepare(warm_up.lambda_client, _build_request_model)


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(event, StepEvent).request
    validated = validate_request(
        request, secrets_prefix=os.environ.get("DESTINATION_SECRETS_PREFIX")
    )
    # Only once the request is valid: an invalid one ends the execution here.
    warm_up.warm_up_for(validated)
    return validated
