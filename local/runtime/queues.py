"""An SQS-triggered function, run as Lambda's SQS poller runs it.

:func:`drain` receives batches, hands them to the function in Lambda's event shape and
honours the partial batch response (``ReportBatchItemFailures``): listed messages (or every
message, if the function raised) are left for SQS to deliver again, at once (their
visibility timeout is skipped, not waited); the rest is deleted. moto's SQS moves a message
to the dead-letter queue when it is about to be received more than ``maxReceiveCount`` times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.sqs.models import sqs_backends

from local.runtime.functions import Invocation
from local.runtime.template import ACCOUNT_ID, QueueTriggerSpec

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    body: str
    attributes: Mapping[str, str]
    receive_count: int


@dataclass(frozen=True)
class BatchOutcome:
    message_ids: tuple[str, ...]
    failed_ids: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class DrainResult:
    batches: tuple[BatchOutcome, ...]
    executions: tuple[str, ...]


def drain(
    sqs: SQSClient,
    invoke: Callable[[str, Any], Invocation],
    trigger: QueueTriggerSpec,
    queue_url: str,
    queue_arn: str,
    region: str,
    max_batches: int,
) -> list[BatchOutcome]:
    batches: list[BatchOutcome] = []
    while len(batches) < max_batches:
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, trigger.batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return batches
        invocation = invoke(
            trigger.function, {"Records": [sqs_record(m, queue_arn, region) for m in received]}
        )
        ids = tuple(m["MessageId"] for m in received)
        failed = failed_message_ids(invocation, ids, trigger)
        for message in received:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        batches.append(
            BatchOutcome(ids, tuple(i for i in ids if i in failed), invocation.error_type)
        )
    raise RuntimeError(f"{trigger.queue} did not drain in {max_batches} batches")


def failed_message_ids(
    invocation: Invocation, ids: tuple[str, ...], trigger: QueueTriggerSpec
) -> set[str]:
    """Lambda's rules for a partial batch response (ReportBatchItemFailures)."""
    if invocation.failed:
        return set(ids)
    if not trigger.report_batch_item_failures or not isinstance(invocation.result, dict):
        return set()
    failures = invocation.result.get("batchItemFailures") or []
    reported = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures}
    if any(not isinstance(i, str) or i not in ids for i in reported):
        return set(ids)  # an empty, null or unknown identifier fails the whole batch
    return {i for i in reported if isinstance(i, str)}


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received message in the shape Lambda's SQS poller hands to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def peek(queue_name: str, region: str) -> list[QueuedMessage]:
    """What a queue holds, in flight or not, read from moto's backend: receiving would
    count as a receive (and could redrive the message)."""
    backend_queue = sqs_backends[ACCOUNT_ID][region].get_queue(queue_name)
    return [
        QueuedMessage(
            message_id=message.id,
            body=message.body,
            attributes={
                key: str(value.get("StringValue", ""))
                for key, value in (message.message_attributes or {}).items()
            },
            receive_count=message.approximate_receive_count,
        )
        for message in list(backend_queue._messages)
    ]
