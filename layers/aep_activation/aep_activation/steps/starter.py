"""The SQS starter: one execution per audience request, started at most once per message.

The execution name is derived from the SQS message id and body, so a redelivered message asks
for the same execution again, which Step Functions refuses to start twice. A request that can
never be processed (not JSON, invalid) is sent at once to the rejected-requests queue
(``REJECTED_REQUESTS_QUEUE_URL``) with its error attached, instead of being retried; a
transient failure (throttling) is reported as a batch item failure and SQS delivers it again.

The batch is walked by a short loop rather than Powertools' batch utility, which imports the
data classes of every event source Lambda knows (about 30 ms of every cold start) to read two
fields of an SQS record. Its two calls (``StartExecution``, ``SendMessage``) are signed by
:mod:`aep_activation.aws_json`, without the AWS SDK: the starter is cold on nearly every request.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.aws_json import AwsCallError
from aep_activation.errors import ActivationError, InvalidActivationRequest
from aep_activation.fields import CLIENT_REQUEST_ID_PATTERN
from aep_activation.observability import logger
from aep_activation.request import parse_activation_request
from aep_activation.steps.validate import check_secret_prefix


class StartsExecutions(Protocol):
    """Step Functions' ``StartExecution`` (:class:`aep_activation.aws_clients.StepFunctionsExecutions`)."""

    def start_execution(self, **params: Any) -> Any: ...


class SendsMessages(Protocol):
    """SQS's ``SendMessage`` (:class:`aep_activation.aws_clients.SQSSender`)."""

    def send_message(self, **params: Any) -> Any: ...


_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_CLIENT_REQUEST_ID = re.compile(CLIENT_REQUEST_ID_PATTERN)


def execution_name(message_id: str, body: str, activation_name: str = "") -> str:
    """A valid, deterministic execution name (at most 80 characters of ``[A-Za-z0-9_-]``)."""
    digest = hashlib.sha256(f"{message_id}\n{body}".encode()).hexdigest()[:32]
    prefix = _NOT_NAME_CHARS.sub("-", activation_name).strip("-")[:40]
    return f"{prefix}-{digest}" if prefix else digest


@dataclass(frozen=True)
class SQSRecord:
    """What the starter reads of an SQS record (Lambda's event: ``messageId``, ``body``)."""

    message_id: str
    body: str

    @classmethod
    def from_event(cls, record: dict[str, Any]) -> SQSRecord:
        return cls(message_id=str(record["messageId"]), body=str(record["body"]))


@dataclass(frozen=True, kw_only=True)
class Starter:
    """Starts one execution per SQS record, on the state machine; a record that can never
    start goes to the rejected-requests queue with its error."""

    sfn: StartsExecutions
    sqs: SendsMessages
    state_machine_arn: str
    dead_letter_queue_url: str  # the rejected-requests queue, not the request queue's DLQ
    secrets_prefix: str | None = None

    def handle_batch(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Start each record's execution; the records that failed, as ``batchItemFailures``
        (ReportBatchItemFailures), which SQS delivers again. A batch that failed whole is
        reported the same way."""
        failures = []
        for item in event.get("Records") or []:
            record = SQSRecord.from_event(item)
            try:
                self.start_one(record)
            except Exception as exc:  # any failure: SQS delivers the message again
                logger.warning(
                    "request not started; SQS delivers it again",
                    extra={"messageId": record.message_id, "error": type(exc).__name__},
                )
                failures.append({"itemIdentifier": record.message_id})
        return {"batchItemFailures": failures}

    def start_one(self, record: SQSRecord) -> str:
        try:
            request = parse_activation_request(record.body)
            # Checked here too: an execution that ValidateRequest will refuse is not started.
            check_secret_prefix(request, self.secrets_prefix)
        except InvalidActivationRequest as exc:
            self._dead_letter(record, exc)
            return "dead-lettered"
        name = execution_name(record.message_id, record.body, request.name)
        state = request.to_state()
        # The sender knows its message id from SendMessage: it names the result when the
        # request carries no requestId of its own.
        state["requestId"] = request.request_id or record.message_id
        try:
            self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(state)
            )
        except AwsCallError as exc:
            if exc.code == "ExecutionAlreadyExists":
                logger.info("execution already started for this message", extra={"execution": name})
                return name
            raise  # throttling and the like: SQS delivers the message again
        logger.info("execution started", extra={"execution": name, "activation": request.name})
        return name

    def _dead_letter(self, record: SQSRecord, error: ActivationError) -> None:
        logger.warning(
            "request rejected; sent to the rejected-requests queue",
            extra={
                "messageId": record.message_id,
                "error": type(error).__name__,
                "reason": error.message,
            },
        )
        self.sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=record.body,
            MessageAttributes={
                "errorName": {"DataType": "String", "StringValue": type(error).__name__},
                "errorMessage": {"DataType": "String", "StringValue": error.message[:4000]},
                "sourceMessageId": {"DataType": "String", "StringValue": record.message_id},
                "requestId": {
                    "DataType": "String",
                    "StringValue": _request_id_of(record.body) or record.message_id,
                },
            },
        )


def _request_id_of(body: str) -> str | None:
    """The requestId a refused body carries, if it carries a well-formed one."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return None
    value = document.get("requestId") if isinstance(document, dict) else None
    return value if isinstance(value, str) and _CLIENT_REQUEST_ID.match(value) else None
