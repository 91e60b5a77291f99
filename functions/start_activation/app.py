"""StartActivation: drain the audience-request queue, one execution per valid request."""

import functools
import os
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.lambda_init import prepare
from aep_activation.observability import logger
from aep_activation.steps.starter import Starter

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient


@functools.cache
def _clients() -> tuple["SFNClient", "SQSClient"]:
    return boto3.client("stepfunctions"), boto3.client("sqs")


prepare(_clients)  # in the init phase, on a full CPU


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
