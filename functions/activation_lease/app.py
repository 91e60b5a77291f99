"""ActivationLease: take or give back the lease that keeps two executions of one activation
apart. On Step Functions' execution status change event of a run that ended outside the state
machine's own failure path (stopped, timed out, an uncatchable error) it also gives that
run's lease back and publishes its ActivationFailed result event."""

import os
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import LeaseStepEvent, parse_event
from aep_activation.lambda_init import prepare
from aep_activation.observability import step_handler
from aep_activation.steps.execution_ended import report_ended_execution
from aep_activation.steps.lease import (
    ActivationLeases,
    acquire_activation_lease,
    lease_key,
    leases_from_env,
    release_activation_lease,
    release_after_execution_ended,
)
from aep_activation.steps.result import publish

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_stepfunctions import SFNClient


@cache
def _dynamodb() -> "DynamoDBClient":
    return boto3.client("dynamodb")


prepare(_dynamodb)  # in the init phase, on a full CPU: every call takes or gives a lease


@cache
def _leases() -> ActivationLeases:
    return leases_from_env(_dynamodb())


@cache
def _sfn() -> "SFNClient":
    return boto3.client("stepfunctions")


@cache
def _events() -> "EventBridgeClient":
    return boto3.client("events")


def _history(execution: str) -> Iterator[Any]:
    paginator = _sfn().get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=execution, includeExecutionData=False):
        yield from page["events"]


def _ended(detail: dict[str, Any]) -> dict[str, Any]:
    # An input too large for the event is left out of it: read it from the execution.
    if not isinstance(detail.get("input"), str) and isinstance(detail.get("executionArn"), str):
        described = _sfn().describe_execution(executionArn=detail["executionArn"])
        detail = {**detail, "input": described.get("input")}
    released = release_after_execution_ended(_leases(), detail)
    reported = report_ended_execution(
        detail,
        history=_history,
        publish=lambda summary: publish(
            summary, _events(), os.environ.get("RESULT_EVENT_BUS", "default")
        ),
    )
    return {**released, "reported": reported is not None}


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("source") == "aws.states":
        return _ended(dict(event.get("detail") or {}))
    parsed = parse_event(event, LeaseStepEvent)
    key = lease_key(parsed.request.sandbox, parsed.request.name)
    if parsed.action == "acquire":
        return acquire_activation_lease(_leases(), key, parsed.execution)
    return release_activation_lease(_leases(), key, parsed.execution)
