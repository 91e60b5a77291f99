"""PublishResult: a secret-free result event on EventBridge, for success and failure alike."""

import functools
import os
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import ResultEvent, parse_event
from aep_activation.lambda_init import prepare
from aep_activation.observability import metrics, step_handler
from aep_activation.steps.result import publish, summarize

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


@functools.cache
def _events() -> "EventBridgeClient":
    return boto3.client("events")


prepare(_events)  # in the init phase, on a full CPU: every call publishes


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_event(event, ResultEvent)
    summary = summarize(parsed.status, parsed.execution, parsed.state)
    publish(summary, _events(), os.environ.get("RESULT_EVENT_BUS", "default"))
    if parsed.status == "SUCCEEDED":
        metrics.add_metric(name="ActivationsSucceeded", unit=MetricUnit.Count, value=1)
    else:
        # The alarm watches kind=system only: a requester's invalid request pages no one.
        metrics.add_dimension(name="kind", value=summary["failure"]["kind"])
        metrics.add_metric(name="ActivationsFailed", unit=MetricUnit.Count, value=1)
    return summary
