"""StartActivation: drain the audience-request queue, one execution per valid request."""

import functools
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.aws_clients import SQSSender, StepFunctionsExecutions
from aep_activation.lambda_init import prepare
from aep_activation.observability import logger
from aep_activation.request import build_request_validator
from aep_activation.steps.starter import Starter


@functools.cache
def _clients() -> tuple[StepFunctionsExecutions, SQSSender]:
    # Signed requests on the layer's HTTP session, no AWS SDK (aep_activation.aws_json).
    return StepFunctionsExecutions(), SQSSender()


# In the init phase, on a full CPU: every request is validated.
prepare(_clients, build_request_validator)


@functools.cache
def _starter() -> Starter:
    # Kept warm across batches; the variables are read on the first call, so a missing one
    # fails that invocation by name, not the container's start.
    sfn, sqs = _clients()
    return Starter(
        sfn=sfn,
        sqs=sqs,
        state_machine_arn=os.environ["STATE_MACHINE_ARN"],
        dead_letter_queue_url=os.environ["REJECTED_REQUESTS_QUEUE_URL"],
        secrets_prefix=os.environ.get("DESTINATION_SECRETS_PREFIX"),
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _starter().handle_batch(event, context)
