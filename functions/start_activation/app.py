"""StartActivation: drain the audience-request queue, one execution per valid request."""

import functools
import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import logger
from aep_activation.steps.starter import Starter


@functools.cache
def _starter() -> Starter:
    # One set of SDK clients per container, kept warm across batches (made on the first call,
    # so a missing variable fails that invocation by name, not the container's start).
    return Starter(
        sfn=boto3.client("stepfunctions"),
        sqs=boto3.client("sqs"),
        state_machine_arn=os.environ["STATE_MACHINE_ARN"],
        dead_letter_queue_url=os.environ["REJECTED_REQUESTS_QUEUE_URL"],
        secrets_prefix=os.environ.get("DESTINATION_SECRETS_PREFIX"),
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _starter().handle_batch(event, context)
