"""The SQS starter: one execution per message, never twice, and poison to the DLQ at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aep_activation.aws_clients import SQSSender, StepFunctionsExecutions
from aep_activation.steps.starter import Starter, execution_name
from tests.client.test_aws_json import ScriptedAws

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "amazon-s3.json").read_text()
REGION = "us-east-1"


class Context:
    function_name = "StartActivation"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def sqs_event(*bodies: tuple[str, str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:requests",
                "awsRegion": REGION,
            }
            for message_id, body in bodies
        ]
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        iam_role = "arn:aws:iam::123456789012:role/sfn"
        arn = sfn.create_state_machine(
            name="activation",
            definition=json.dumps(
                {
                    "StartAt": "Wait",
                    "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}},
                }
            ),
            roleArn=iam_role,
        )["stateMachineArn"]
        dlq = sqs.create_queue(QueueName="requests-dlq")["QueueUrl"]
        # The starter's own calls, as its handler makes them (signed requests, no SDK); the
        # SDK clients set the scene and look.
        starter = Starter(
            sfn=StepFunctionsExecutions(),
            sqs=SQSSender(),
            state_machine_arn=arn,
            dead_letter_queue_url=dlq,
        )
        yield {"sfn": sfn, "sqs": sqs, "arn": arn, "dlq": dlq, "starter": starter}


def executions(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return list(aws["sfn"].list_executions(stateMachineArn=aws["arn"])["executions"])


def test_each_valid_message_starts_one_execution_named_after_the_message(
    aws: dict[str, Any],
) -> None:
    response = aws["starter"].handle_batch(sqs_event(("m-1", EXAMPLE)), Context())

    assert response == {"batchItemFailures": []}
    started = executions(aws)
    assert [e["name"] for e in started] == [execution_name("m-1", EXAMPLE, "summer-sale-s3")]
    described = aws["sfn"].describe_execution(executionArn=started[0]["executionArn"])
    assert json.loads(described["input"])["name"] == "summer-sale-s3"


def test_a_redelivered_message_starts_nothing_twice(aws: dict[str, Any]) -> None:
    aws["starter"].handle_batch(sqs_event(("m-1", EXAMPLE)), Context())
    response = aws["starter"].handle_batch(sqs_event(("m-1", EXAMPLE)), Context())

    assert response == {"batchItemFailures": []}
    assert len(executions(aws)) == 1


def test_a_poison_message_goes_to_the_dlq_with_its_error_and_does_not_block_the_others(
    aws: dict[str, Any],
) -> None:
    bad = json.loads(EXAMPLE)
    bad["audiences"][0]["exportMode"] = "HOURLY"
    response = aws["starter"].handle_batch(
        sqs_event(("bad-json", "{not json"), ("bad-rule", json.dumps(bad)), ("good", EXAMPLE)),
        Context(),
    )

    assert response == {"batchItemFailures": []}
    assert len(executions(aws)) == 1
    dead = aws["sqs"].receive_message(
        QueueUrl=aws["dlq"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    by_source = {m["MessageAttributes"]["sourceMessageId"]["StringValue"]: m for m in dead}
    assert set(by_source) == {"bad-json", "bad-rule"}
    rule = by_source["bad-rule"]["MessageAttributes"]
    assert rule["errorName"]["StringValue"] == "InvalidActivationRequest"
    assert "audiences.0.exportMode" in rule["errorMessage"]["StringValue"]
    assert by_source["bad-rule"]["Body"] == json.dumps(bad)


def test_a_failure_to_start_is_reported_for_redelivery(aws: dict[str, Any]) -> None:
    broken = Starter(
        sfn=aws["starter"].sfn,
        sqs=aws["starter"].sqs,
        state_machine_arn=aws["arn"].replace("activation", "missing"),
        dead_letter_queue_url=aws["dlq"],
    )
    response = broken.handle_batch(sqs_event(("m-1", EXAMPLE)), Context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_execution_names_are_valid_and_deterministic() -> None:
    name = execution_name("id", "body", "Summer sale / Q3 (EU)" * 5)
    assert name == execution_name("id", "body", "Summer sale / Q3 (EU)" * 5)
    assert name != execution_name("id2", "body", "Summer sale / Q3 (EU)" * 5)
    assert len(name) <= 80
    assert all(c.isalnum() or c in "-_" for c in name)


@pytest.mark.parametrize(
    ("answer", "failures"),
    [
        ((400, "ExecutionAlreadyExists"), []),  # started before with another input: not twice
        ((400, "StateMachineDoesNotExist"), [{"itemIdentifier": "m-1"}]),
    ],
)
def test_step_functions_error_codes_decide_between_done_and_redelivery(
    monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str], failures: list[dict[str, str]]
) -> None:
    """Against a server answering as Step Functions documents its errors (moto starts the same
    name and input again without one)."""
    server = ScriptedAws()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_REGION", REGION)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    status, code = answer
    server.script = [(status, {"__type": code, "message": "refused"})]
    starter = Starter(
        sfn=StepFunctionsExecutions(),
        sqs=SQSSender(),
        state_machine_arn=f"arn:aws:states:{REGION}:123456789012:stateMachine:activation",
        dead_letter_queue_url="unused",
    )
    try:
        response = starter.handle_batch(sqs_event(("m-1", EXAMPLE)), Context())
    finally:
        server.server.shutdown()
        server.server.server_close()

    assert response == {"batchItemFailures": failures}
    assert [r["headers"]["X-Amz-Target"] for r in server.requests] == [
        "AWSStepFunctions.StartExecution"
    ]
