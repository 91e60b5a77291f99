"""StartActivation: drain the audience-request queue, one execution per valid request."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import logger
from aep_activation.steps.starter import Starter


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    import boto3  # on first use: importing it costs ~0.5 s of cold start

    starter = Starter(
        sfn=boto3.client("stepfunctions"),
        sqs=boto3.client("sqs"),
        state_machine_arn=os.environ["STATE_MACHINE_ARN"],
        dead_letter_queue_url=os.environ["DEAD_LETTER_QUEUE_URL"],
        secrets_prefix=os.environ.get("DESTINATION_SECRETS_PREFIX"),
    )
    return starter.handle_batch(event, context)
