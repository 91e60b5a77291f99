"""The result summary names what failed and where, and carries nothing it was not told to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aep_activation.aws_clients import EventBridgePublisher
from aep_activation.errors import ConfigurationError
from aep_activation.steps.result import DETAIL_TYPES, EVENT_SOURCE, failure_of, publish, summarize


def lambda_cause(error: str, message: str) -> str:
    return json.dumps({"errorType": error, "errorMessage": message})


def test_a_failure_in_a_parallel_branch_names_the_branch_state_and_keeps_adobes_request_id() -> (
    None
):
    cause = "EnsureDestinationBaseConnection: " + lambda_cause(
        "PermissionDenied",
        "POST /connections: denied (status=403, code=FLOW-2120-403, requestId=abc-123)",
    )
    failure = failure_of(
        {"state": "ConnectProfileAndDestination", "error": "PermissionDenied", "cause": cause}
    )

    assert failure == {
        "state": "EnsureDestinationBaseConnection",
        "parentState": "ConnectProfileAndDestination",
        "error": "PermissionDenied",
        "kind": "system",
        "message": "POST /connections: denied (status=403, code=FLOW-2120-403, requestId=abc-123)",
        "adobeRequestId": "abc-123",
    }


def test_a_failure_outside_a_branch_keeps_its_state_and_a_plain_cause() -> None:
    failure = failure_of(
        {
            "state": "ActivateAudiences",
            "error": "EtagConflictsExhausted",
            "cause": "changed 30 times",
        }
    )

    assert failure["state"] == "ActivateAudiences"
    assert failure["parentState"] is None
    assert failure["message"] == "changed 30 times"
    assert failure["adobeRequestId"] is None


def test_the_summary_picks_fields_and_never_copies_the_request() -> None:
    raw = {
        "name": "summer",
        "sandbox": "prod",
        "destination": {"type": "Amazon S3", "auth": {"params": {"s3SecretKey": "do-not-copy-me"}}},
        "notes": "x" * 5000,
    }
    summary = summarize(
        "FAILED",
        "arn:exec",
        {
            "request": raw,
            "failure": {
                "state": "ValidateRequest",
                "error": "InvalidActivationRequest",
                "cause": "bad",
            },
        },
    )

    text = json.dumps(summary)
    assert "do-not-copy-me" not in text
    assert "xxxx" not in text
    assert summary["activation"] == "summer"
    assert summary["destination"]["type"] == "Amazon S3"
    assert summary["failure"]["state"] == "ValidateRequest"


def test_a_success_summary_names_every_resource() -> None:
    state = {
        "request": {"name": "summer", "sandbox": "prod", "destination": {"type": "Amazon S3"}},
        "specs": {"connectionSpecId": "cs", "flowSpecId": "fs"},
        "connections": {
            "profile": {"baseConnectionId": "pb", "sourceConnectionId": "sc"},
            "destination": {"baseConnectionId": "db", "targetConnectionId": "tc"},
        },
        "dataflow": {"id": "flow", "etag": '"1"'},
        "activation": {
            "etag": '"2"',
            "addedAudiences": ["a"],
            "updatedAudiences": [],
            "addedAttributes": ["p"],
        },
        "validation": {"etag": '"2"', "audiences": ["a"], "attributes": ["p"]},
    }
    summary = summarize("SUCCEEDED", "arn:exec", state)

    assert summary["resources"] == {
        "profileBaseConnectionId": "pb",
        "sourceConnectionId": "sc",
        "destinationBaseConnectionId": "db",
        "targetConnectionId": "tc",
        "dataflowId": "flow",
    }
    assert summary["dataflow"] == {
        "id": "flow",
        "etag": '"2"',
        "audiences": ["a"],
        "attributes": ["p"],
        "state": None,  # the validation step in this state predates dataflowState
    }
    assert summary["changes"]["addedAudiences"] == ["a"]


def test_only_a_requesters_error_counts_as_input() -> None:
    import aep_activation.errors as errors

    # Every name is a real error class: a typo would page on a requester's mistake.
    for name in errors.REQUESTER_ERRORS:
        assert issubclass(getattr(errors, name), errors.ActivationError), name
    for error, kind in [
        ("InvalidActivationRequest", "input"),
        ("TeardownNotConfirmed", "input"),
        ("FlowServiceRejected", "input"),
        ("AuthenticationFailed", "system"),
        ("FlowServiceUnavailable", "system"),
        ("ActivationLeaseHeld", "system"),
        ("SecretUnavailable", "system"),
        ("States.Timeout", "system"),
        ("Lambda.ServiceException", "system"),
        (None, "system"),
    ]:
        assert failure_of({"state": "S", "error": error, "cause": ""})["kind"] == kind, error


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "testing")
    with mock_aws():
        yield


@pytest.mark.usefixtures("aws")
def test_the_result_event_is_put_on_the_bus_by_signed_requests() -> None:
    """PublishResult's own client (aep_activation.aws_json, no SDK): the event reaches a rule's
    target with its source, detail type and the summary as detail."""
    sqs = boto3.client("sqs")
    events = boto3.client("events")
    queue = sqs.create_queue(QueueName="results")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    events.create_event_bus(Name="results")
    events.put_rule(
        Name="all", EventBusName="results", EventPattern=json.dumps({"source": [EVENT_SOURCE]})
    )
    events.put_targets(
        Rule="all",
        EventBusName="results",
        Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}],
    )
    summary = {"status": "SUCCEEDED", "activation": "summer-sale", "sandbox": "prod"}

    publish(summary, EventBridgePublisher(), "results")  # type: ignore[arg-type]

    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    event = json.loads(message["Body"])
    assert (event["source"], event["detail-type"]) == (EVENT_SOURCE, DETAIL_TYPES["SUCCEEDED"])
    assert event["detail"] == summary


def test_an_event_the_bus_refuses_is_a_configuration_error_naming_the_bus_and_code() -> None:
    class Refusing:
        def put_events(self, **_: Any) -> dict[str, Any]:
            # EventBridge answers 200 and counts the refused entry (PutEvents' documented shape).
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDeniedException"}]}

    with pytest.raises(ConfigurationError) as refused:
        publish({"status": "SUCCEEDED"}, Refusing(), "results")  # type: ignore[arg-type]

    assert "'results'" in refused.value.message
    assert "AccessDeniedException" in refused.value.message
