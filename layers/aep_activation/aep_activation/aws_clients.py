"""The AWS operations the functions on an activation's path call, over
:mod:`aep_activation.aws_json` (signed requests, no AWS SDK), with the SDK client's
parameters and answers, so code written against a client takes either::

    registry = ActivationRegistry(table, client=DynamoDBItems())

A failure is :class:`aep_activation.aws_json.AwsCallError` with AWS's error code.
"""

from __future__ import annotations

import uuid
from typing import Any

from aep_activation.aws_json import (
    DYNAMODB,
    EVENTBRIDGE,
    LAMBDA,
    SECRETS_MANAGER,
    SQS,
    STEP_FUNCTIONS,
    call,
    rest_call,
    uri_label,
)


def get_secret_value(secret_id: str, **options: Any) -> dict[str, Any]:
    return call(SECRETS_MANAGER, "GetSecretValue", {"SecretId": secret_id}, **options)


def put_secret_value(secret_id: str, secret_string: str, **options: Any) -> dict[str, Any]:
    payload = {
        "SecretId": secret_id,
        "SecretString": secret_string,
        "ClientRequestToken": str(uuid.uuid4()),  # the same on every attempt of this write
    }
    return call(SECRETS_MANAGER, "PutSecretValue", payload, **options)


def describe_secret(secret_id: str, **options: Any) -> dict[str, Any]:
    return call(SECRETS_MANAGER, "DescribeSecret", {"SecretId": secret_id}, **options)


class DynamoDBItems:
    """DynamoDB's single-item operations, with the SDK client's parameters and answers (typed
    items), for code written against the client (:class:`aep_activation.registry.ActivationRegistry`,
    :class:`aep_activation.steps.lease.ActivationLeases`). A refusal is :class:`AwsCallError`
    with DynamoDB's code (``ConditionalCheckFailedException``)."""

    def get_item(self, **params: Any) -> dict[str, Any]:
        return call(DYNAMODB, "GetItem", params)

    def put_item(self, **params: Any) -> dict[str, Any]:
        return call(DYNAMODB, "PutItem", params)

    def update_item(self, **params: Any) -> dict[str, Any]:
        return call(DYNAMODB, "UpdateItem", params)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        return call(DYNAMODB, "DeleteItem", params)


class EventBridgePublisher:
    """EventBridge's ``PutEvents``, with the SDK client's parameters and answer (an entry
    EventBridge refuses is counted in ``FailedEntryCount``, not raised)."""

    def put_events(self, **params: Any) -> dict[str, Any]:
        return call(EVENTBRIDGE, "PutEvents", params)


class StepFunctionsExecutions:
    """Step Functions' ``StartExecution`` and ``DescribeExecution``, with the SDK client's
    parameters and answers (dates as the epoch seconds the protocol carries)."""

    def start_execution(self, **params: Any) -> dict[str, Any]:
        return call(STEP_FUNCTIONS, "StartExecution", params)

    def describe_execution(self, **params: Any) -> dict[str, Any]:
        return call(STEP_FUNCTIONS, "DescribeExecution", params)


class SQSSender:
    """SQS's ``SendMessage`` (SQS's JSON protocol), with the SDK client's parameters and answer."""

    def send_message(self, **params: Any) -> dict[str, Any]:
        return call(SQS, "SendMessage", params)


class LambdaInvoker:
    """Lambda's ``Invoke`` as an event (``InvocationType: Event``: queued, answered 202, the
    function's answer discarded), with the SDK client's parameters."""

    def invoke(self, **params: Any) -> dict[str, Any]:
        if params.get("InvocationType") != "Event":
            raise ValueError("only InvocationType Event is supported")
        rest_call(
            LAMBDA,
            "Invoke",
            "POST",
            f"/2015-03-31/functions/{uri_label(str(params['FunctionName']))}/invocations",
            bytes(params.get("Payload", b"")),
            headers={"X-Amz-Invocation-Type": "Event"},
            ok=202,
        )
        return {"StatusCode": 202}
