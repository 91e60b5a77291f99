"""ValidateRequest: check the activation request before any Flow Service call, read the clock
the activation's lease needs (the state machine takes the lease natively), then start the cold
starts of the functions its path will call (the pre-warm, best effort)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation import warm_up
from aep_activation.lambda_init import prepare
from aep_activation.observability import step_handler
from aep_activation.request import build_request_validator
from aep_activation.secrets import secret_exists
from aep_activation.step_inputs import StepInput, parse_step_input
from aep_activation.steps.lease import lease_for, lease_seconds_from_env
from aep_activation.steps.validate import check_request

# In the init phase, on a full CPU: every call validates a request and warms.
prepare(warm_up.lambda_client, build_request_validator)


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, StepInput)
    checked = check_request(
        parsed.request,
        secret_is_there=secret_exists,
        secrets_prefix=os.environ.get("DESTINATION_SECRETS_PREFIX"),
    )
    request = checked.to_state()
    # Only once the request is valid: an invalid one ends the execution here.
    warm_up.warm_up_for(request)
    state: dict[str, Any] = {
        "request": request,
        "lease": lease_for(
            request["sandbox"],
            request["name"],
            parsed.execution or "an unnamed execution",
            seconds=lease_seconds_from_env(),
        ),
    }
    if request.get("dataflowId"):  # an existing dataflow: ActivateAudiences reads it
        state["dataflow"] = {"id": request["dataflowId"]}
        # No Parallel on this path, so no mapping set prepared: ActivateAudiences ensures it.
        state["connections"] = {"mappingSet": None}
    return state
