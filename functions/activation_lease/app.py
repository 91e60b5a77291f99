"""ActivationLease: take or give back the lease that keeps two executions of one activation
apart; also gives back the lease of an execution that ended without doing so (stopped, timed
out), on Step Functions' execution status change event."""

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import LeaseStepEvent, parse_event
from aep_activation.lambda_init import prepare
from aep_activation.observability import step_handler
from aep_activation.steps.lease import (
    ActivationLeases,
    acquire_activation_lease,
    lease_key,
    leases_from_env,
    release_activation_lease,
    release_after_execution_ended,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@cache
def _dynamodb() -> "DynamoDBClient":
    return boto3.client("dynamodb")


prepare(_dynamodb)  # in the init phase, on a full CPU: every call takes or gives a lease


@cache
def _leases() -> ActivationLeases:
    return leases_from_env(_dynamodb())


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("source") == "aws.states":
        return release_after_execution_ended(_leases(), event.get("detail") or {})
    parsed = parse_event(event, LeaseStepEvent)
    key = lease_key(parsed.request.sandbox, parsed.request.name)
    if parsed.action == "acquire":
        return acquire_activation_lease(_leases(), key, parsed.execution)
    return release_activation_lease(_leases(), key, parsed.execution)
