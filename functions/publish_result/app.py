"""PublishResult: a secret-free result event on EventBridge, for success and failure alike,
after recording how an apply or a teardown ended in the activation registry (so a retried
publish writes the same item again).

On Step Functions' execution status change event of a run that ended outside the state
machine's own failure path (stopped, timed out, an uncatchable error) it gives that run's
lease back and publishes its ActivationFailed result event."""

import datetime
import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.aws_clients import DynamoDBItems, EventBridgePublisher, StepFunctionsExecutions
from aep_activation.lambda_init import prepare
from aep_activation.observability import logger, metrics, step_handler
from aep_activation.registry import record_result, registry_from_env
from aep_activation.step_inputs import ResultInput, parse_step_input
from aep_activation.steps.execution_ended import report_ended_execution
from aep_activation.steps.lease import leases_from_env, release_after_execution_ended
from aep_activation.steps.result import publish, summarize

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient


@functools.cache
def _clients() -> tuple[EventBridgePublisher, "DynamoDBClient", StepFunctionsExecutions]:
    # Signed requests on the layer's HTTP session, no AWS SDK (aep_activation.aws_json): this
    # function ends nearly every activation cold. DynamoDBItems answers as the SDK's client.
    return (
        EventBridgePublisher(),
        cast("DynamoDBClient", DynamoDBItems()),
        StepFunctionsExecutions(),
    )


prepare(_clients)  # in the init phase, on a full CPU: every call publishes


def _events() -> "EventBridgeClient":
    return cast("EventBridgeClient", _clients()[0])


def _dynamodb() -> "DynamoDBClient":
    return _clients()[1]


def _sfn() -> StepFunctionsExecutions:
    return _clients()[2]


def _bus() -> str:
    return os.environ.get("RESULT_EVENT_BUS", "default")


@functools.cache
def _history_client() -> Any:
    # Only for a run that ended outside the state machine's failure path: the SDK's paginator,
    # made on that first report rather than at init (most containers never make one).
    import boto3

    return boto3.client("stepfunctions")


def _history(execution: str) -> Iterator[Any]:
    paginator = _history_client().get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=execution, includeExecutionData=False):
        yield from page["events"]


def _ended(detail: dict[str, Any]) -> dict[str, Any]:
    # An input too large for the event is left out of it: read it from the execution.
    if not isinstance(detail.get("input"), str) and isinstance(detail.get("executionArn"), str):
        described = _sfn().describe_execution(executionArn=detail["executionArn"])
        detail = {**detail, "input": described.get("input")}
    released = release_after_execution_ended(leases_from_env(_dynamodb()), detail)
    # Not counted in ActivationsFailed: FailedWithoutResultAlarm watches executions that
    # failed without that count (an uncatchable error), and must still see these.
    reported = report_ended_execution(
        detail, history=_history, publish=lambda summary: publish(summary, _events(), _bus())
    )
    return {**released, "reported": reported is not None}


def _now() -> str:
    """As ``$$.State.EnteredTime`` gives it: UTC, milliseconds, ``Z``."""
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("source") == "aws.states":
        return _ended(dict(event.get("detail") or {}))
    parsed = parse_step_input(event, ResultInput)
    summary = summarize(
        parsed.status,
        parsed.execution,
        parsed.state,
        lease_holder=lambda key: leases_from_env(_dynamodb()).holder_item(key),
    )
    registry_error = record_result(
        registry_from_env(_dynamodb()),
        summary,
        updated_at=parsed.entered_time or _now(),
        execution=parsed.execution,
        request=lambda: _sfn().describe_execution(executionArn=parsed.execution)["input"],
    )
    publish(summary, _events(), _bus())
    if registry_error is not None:  # the outcome stands; the result says what the registry lacks
        logger.warning("registry not updated", extra={"registryError": registry_error})
        summary = {**summary, "registryError": registry_error}
    if parsed.status == "SUCCEEDED":
        metrics.add_metric(name="ActivationsSucceeded", unit=MetricUnit.Count, value=1)
    else:
        # The alarm watches kind=system only: a requester's invalid request pages no one.
        metrics.add_dimension(name="kind", value=summary["failure"]["kind"])
        metrics.add_metric(name="ActivationsFailed", unit=MetricUnit.Count, value=1)
    return summary
