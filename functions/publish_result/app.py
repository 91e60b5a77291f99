"""PublishResult: a secret-free result event on EventBridge, for success and failure alike."""

import os
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import ResultEvent
from aep_activation.observability import metrics, step_handler
from aep_activation.steps.result import publish, summarize
from aep_activation.wiring import parse_event


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_event(event, ResultEvent)
    summary = summarize(parsed.status, parsed.execution, parsed.state)
    publish(summary, boto3.client("events"), os.environ.get("RESULT_EVENT_BUS", "default"))
    metrics.add_metric(
        name="ActivationsSucceeded" if parsed.status == "SUCCEEDED" else "ActivationsFailed",
        unit=MetricUnit.Count,
        value=1,
    )
    return summary
