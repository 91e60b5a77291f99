"""The three ways to start an activation (console, EventBridge, SQS)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from local.runtime import LocalDeployment
from tests.statemachine.harness import ONE_OF_EACH, Machine, example
from tests.statemachine.paths import HAPPY_NEW, assert_route

REQUEST = "amazon-s3"


def request_rule(stack: LocalDeployment) -> tuple[str, str]:
    """The source and detail-type the template's rule for the state machine matches."""
    (rule,) = stack.template.event_rules
    (source,) = rule.pattern["source"]
    (detail_type,) = rule.pattern["detail-type"]
    return str(source), str(detail_type)


def sqs_event(stack: LocalDeployment, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Received messages in the shape Lambda's SQS poller hands to the function."""
    queue_arn = stack.physical("AudienceRequestQueue", "Arn")
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": stack.region,
            }
            for m in messages
        ]
    }


def test_console_start_execution_runs_the_request(machine: Machine) -> None:
    request = example(REQUEST)

    arn = machine.stack.start_execution(request, name="console-start")
    result = machine.wait(arn)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.name == "console-start"
    assert result.input == request
    assert_route(result.states, HAPPY_NEW)
    assert machine.census() == {"prod": ONE_OF_EACH}


def test_an_activation_requested_event_starts_one_execution(machine: Machine) -> None:
    request = example(REQUEST)
    source, detail_type = request_rule(machine.stack)

    started = machine.stack.send_event(request, source=source, detail_type=detail_type)

    assert len(started) == 1
    result = machine.wait(started[0])
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.input == request  # the rule's InputPath hands over the detail
    assert_route(result.states, HAPPY_NEW)
    assert machine.census() == {"prod": ONE_OF_EACH}
    # The result event travels on the same bus: the rule must not take it for a request.
    assert [e["detail-type"] for e in machine.result_events(result.arn)] == ["ActivationSucceeded"]
    assert machine.stack.deliver_events() == []
    assert machine.new_executions() == [result.arn]


def test_an_event_of_another_detail_type_starts_nothing(machine: Machine) -> None:
    source, _ = request_rule(machine.stack)

    started = machine.stack.send_event(
        example(REQUEST), source=source, detail_type="ActivationSucceeded"
    )

    assert started == []
    assert machine.new_executions() == []
    assert machine.emulator.requests == []


def test_a_queued_request_starts_one_execution_that_succeeds(machine: Machine) -> None:
    request = example(REQUEST)
    machine.stack.send_sqs(request)

    drained = machine.stack.drain_queue()

    assert [batch.failed_ids for batch in drained.batches] == [()]
    (execution,) = drained.executions
    result = machine.wait(execution)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.input["name"] == request["name"]
    assert_route(result.states, HAPPY_NEW)
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert machine.dead_letters() == []
    assert machine.stack.queue_messages("AudienceRequestQueue") == []


def test_bad_messages_go_to_the_dead_letter_queue_and_the_good_one_in_their_batch_runs(
    machine: Machine,
) -> None:
    invalid = example(REQUEST)
    del invalid["audiences"][0]["schedule"]["startTime"]
    stack = machine.stack
    malformed_id = stack.send_sqs("{this is not JSON")
    invalid_id = stack.send_sqs(invalid)
    valid_id = stack.send_sqs(example(REQUEST))

    drained = stack.drain_queue()

    assert [set(batch.message_ids) for batch in drained.batches] == [
        {malformed_id, invalid_id, valid_id}
    ]
    assert [batch.failed_ids for batch in drained.batches] == [()]
    (execution,) = drained.executions
    assert machine.wait(execution).status == "SUCCEEDED"
    dead = {m.attributes["sourceMessageId"]: m for m in machine.dead_letters()}
    assert set(dead) == {malformed_id, invalid_id}
    assert dead[malformed_id].body == "{this is not JSON"
    assert dead[malformed_id].attributes["errorName"] == "InvalidActivationRequest"
    assert "JSON" in dead[malformed_id].attributes["errorMessage"]
    assert json.loads(dead[invalid_id].body) == invalid
    assert dead[invalid_id].attributes["errorName"] == "InvalidActivationRequest"
    assert "audiences.0.schedule.startTime" in dead[invalid_id].attributes["errorMessage"]
    assert stack.queue_messages("AudienceRequestQueue") == []


def test_a_redelivered_message_does_not_start_a_second_execution(machine: Machine) -> None:
    stack = machine.stack
    message_id = stack.send_sqs(example(REQUEST))
    url = stack.physical("AudienceRequestQueue")
    # First delivery: the function starts the execution, but its answer is lost (no delete)...
    (received,) = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    first = stack.lambdas.invoke("StartActivationFunction", sqs_event(stack, [received]))
    assert first.error_type is None, first.error_message
    assert first.result == {"batchItemFailures": []}
    (execution,) = machine.new_executions()
    # ...so SQS delivers the same message again once its visibility timeout ends.
    stack.sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=received["ReceiptHandle"], VisibilityTimeout=0
    )

    drained = stack.drain_queue()

    assert [batch.message_ids for batch in drained.batches] == [(message_id,)]
    assert [batch.failed_ids for batch in drained.batches] == [()]
    assert drained.executions == ()
    assert machine.new_executions() == [execution]
    assert machine.wait(execution).status == "SUCCEEDED"
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert machine.dead_letters() == []


def test_a_queued_requests_result_carries_its_request_id_or_else_its_message_id(
    machine: Machine,
) -> None:
    own = {**example(REQUEST), "requestId": "crm-order-42"}
    stack = machine.stack
    own_message = stack.send_sqs(own)
    bare_message = stack.send_sqs(example("azure-blob"))
    refused_message = stack.send_sqs({**example(REQUEST), "audiences": [], "requestId": "bad-1"})

    drained = stack.drain_queue()

    results = {}
    for execution in drained.executions:
        result = machine.wait(execution)
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        (event,) = machine.result_events(result.arn)
        results[event["detail"]["activation"]] = event["detail"]["requestId"]
    assert results == {
        own["name"]: "crm-order-42",
        example("azure-blob")["name"]: bare_message,  # SendMessage's MessageId
    }
    assert own_message != bare_message
    (refused,) = machine.dead_letters()
    assert refused.attributes["sourceMessageId"] == refused_message
    assert refused.attributes["requestId"] == "bad-1"


def test_a_console_requests_result_echoes_its_request_id(machine: Machine) -> None:
    result = machine.run({**example(REQUEST), "requestId": "console-7"})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["requestId"] == "console-7"
    assert result.output["requestId"] == "console-7"
