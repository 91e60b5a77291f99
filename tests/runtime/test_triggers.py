"""EventBridge and SQS triggers, as the template declares them."""

from __future__ import annotations

import pytest

from local.runtime import LocalDeployment
from local.runtime.functions import Invocation
from local.runtime.queues import failed_message_ids
from local.runtime.template import QueueTriggerSpec


def test_an_event_matching_the_rule_starts_an_execution_with_the_input_path(
    stack: LocalDeployment,
) -> None:
    (execution,) = stack.send_event({"failTimes": 0}, source="test.app", detail_type="Requested")

    result = stack.wait(execution, timeout=30)
    assert result.succeeded
    assert result.input == {"failTimes": 0}  # InputPath $.detail


@pytest.mark.parametrize(
    ("source", "detail_type"),
    [("test.app", "Succeeded"), ("other.app", "Requested")],
)
def test_an_event_the_pattern_does_not_match_starts_nothing(
    stack: LocalDeployment, source: str, detail_type: str
) -> None:
    assert stack.send_event({"failTimes": 0}, source=source, detail_type=detail_type) == []
    assert (
        stack.stepfunctions.list_executions(stateMachineArn=stack.state_machine_arn())["executions"]
        == []
    )
    assert [event["detail-type"] for event in stack.published_events()] == [detail_type]


def test_sqs_messages_start_executions_and_a_rejected_one_ends_in_the_dlq(
    stack: LocalDeployment,
) -> None:
    ok_ids = [stack.send_sqs({"failTimes": 0}), stack.send_sqs({"failTimes": 0})]
    rejected = stack.send_sqs({"reject": True})

    drained = stack.drain_queue()

    assert sorted(arn.rsplit(":", 1)[-1] for arn in drained.executions) == sorted(ok_ids)
    # maxReceiveCount is 2: received twice, reported failed twice, then dead-lettered.
    assert [batch.failed_ids for batch in drained.batches] == [(rejected,), (rejected,)]
    assert stack.queue_messages("WorkQueue") == []
    (dead,) = stack.queue_messages("WorkDLQ")
    assert (dead.message_id, dead.body) == (rejected, '{"reject": true}')
    for execution in drained.executions:
        assert stack.wait(execution, timeout=30).succeeded


def test_a_batch_whose_handler_raises_fails_whole(stack: LocalDeployment) -> None:
    stack.send_sqs("explode")

    drained = stack.drain_queue()

    assert [batch.error for batch in drained.batches] == ["RuntimeError", "RuntimeError"]
    assert drained.executions == ()
    assert [m.body for m in stack.queue_messages("WorkDLQ")] == ["explode"]


TRIGGER = QueueTriggerSpec("F", "Q", batch_size=10, report_batch_item_failures=True)
IDS = ("m1", "m2")


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": "m9"}]}, set(IDS)),
        ({"batchItemFailures": [{"id": "m1"}]}, set(IDS)),
    ],
)
def test_partial_batch_responses_follow_lambdas_rules(result: object, failed: set[str]) -> None:
    assert failed_message_ids(Invocation("F", "r", {}, result=result), IDS, TRIGGER) == failed


def test_without_report_batch_item_failures_a_returned_list_is_ignored() -> None:
    trigger = QueueTriggerSpec("F", "Q", batch_size=10, report_batch_item_failures=False)
    result = {"batchItemFailures": [{"itemIdentifier": "m1"}]}

    assert failed_message_ids(Invocation("F", "r", {}, result=result), IDS, trigger) == set()
