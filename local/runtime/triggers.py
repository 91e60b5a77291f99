"""The triggers part of a local deployment: what starts an execution or invokes a function.

- EventBridge: moto matches rule patterns but cannot deliver to Step Functions. Each rule
  targeting a state machine gets a local SQS "delivery" queue as its moto target (see
  :mod:`local.runtime.deploy`), and :meth:`Triggers.deliver_events` starts the executions
  from it after applying the rule's ``InputPath``. The target's RetryPolicy and
  DeadLetterConfig are not emulated (starting an execution does not fail locally).
- Step Functions' status change events, delivered to the template's function rules with
  Lambda's asynchronous retries and ``OnFailure`` destination.
- EventBridge Scheduler: moto runs no schedule, so a caller fires one.
- SQS: :meth:`Triggers.drain_queue` runs the queue's function as Lambda's poller does,
  honouring the partial batch response (see :mod:`local.runtime.queues`).

:class:`Triggers` is a base of :class:`local.runtime.deployment.LocalDeployment`; what it
needs from the deployment is declared abstract here and provided there.
"""

from __future__ import annotations

import json
import time
import uuid
from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from moto.events.models import EventPattern
from moto.stepfunctions.parser.asl.utils.json_path import extract_json

from local.runtime.deploy import Deployer, EventQueues
from local.runtime.executions import Executions
from local.runtime.functions import Invocation, LambdaHost
from local.runtime.queues import DrainResult, QueuedMessage, drain, peek
from local.runtime.template import ACCOUNT_ID, EventRuleSpec, QueueTriggerSpec, TemplateError

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

_STATUS_EVENT_DATA_BYTES = 248 * 1024
"""An event carries at most 256 KiB: past this, input and output are left out of it."""


class Triggers(Executions):
    """EventBridge events, status change events, schedules and SQS messages, delivered."""

    region: str
    stack_name: str
    lambdas: LambdaHost
    _deployer: Deployer
    _queues: EventQueues
    _published: list[dict[str, Any]]

    @property
    @abstractmethod
    def sqs(self) -> SQSClient: ...

    @property
    @abstractmethod
    def events(self) -> EventBridgeClient: ...

    # ------------------------------------------------------------------ EventBridge trigger

    def send_event(
        self,
        detail: Mapping[str, Any],
        source: str,
        detail_type: str,
        bus: str | None = None,
    ) -> list[str]:
        """PutEvents on ``bus`` (default: the bus of the template's rule) and deliver it;
        returns the executions the template's rules started (none if no pattern matched)."""
        bus_name = bus or self._default_bus()
        response = self.events.put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(dict(detail)),
                    "EventBusName": bus_name,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents refused the event: {response['Entries']}")
        return self.deliver_events()

    def deliver_events(self) -> list[str]:
        """Start an execution for every event a rule matched since the last delivery."""
        started = []
        for delivery in self._queues.deliveries:
            for message in self._receive_all(delivery.queue_url):
                event = json.loads(message["Body"])
                rule = delivery.rule
                payload = extract_json(rule.input_path, event) if rule.input_path else event
                started.append(self.start_execution(payload, state_machine=rule.state_machine))
        return started

    def published_events(self) -> list[dict[str, Any]]:
        """Every event put on the template's buses so far (requests and results alike)."""
        for queue_url in self._queues.observers:
            self._published.extend(json.loads(m["Body"]) for m in self._receive_all(queue_url))
        return list(self._published)

    # ------------------------------------------------------------------ execution status change

    def execution_status_change(self, execution_arn: str) -> dict[str, Any]:
        """Step Functions' "Execution Status Change" event for an execution, in AWS's shape.
        Input and output are left out (``included`` false) when the event would be too large
        for EventBridge, as on AWS."""
        described = self.stepfunctions.describe_execution(executionArn=execution_arn)
        detail: dict[str, Any] = {
            "executionArn": execution_arn,
            "stateMachineArn": described["stateMachineArn"],
            "name": described["name"],
            "status": described["status"],
            "startDate": int(described["startDate"].timestamp() * 1000),
            "stopDate": (
                int(described["stopDate"].timestamp() * 1000) if described.get("stopDate") else None
            ),
            "input": described.get("input"),
            "output": described.get("output"),
            "inputDetails": {"included": True},
            "outputDetails": {"included": True},
            "error": described.get("error"),
            "cause": described.get("cause"),
        }
        if len(json.dumps(detail).encode("utf-8")) > _STATUS_EVENT_DATA_BYTES:
            detail.update(input=None, output=None)
            detail["inputDetails"] = detail["outputDetails"] = {"included": False}
        region, account = execution_arn.split(":")[3:5]
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Step Functions Execution Status Change",
            "source": "aws.states",
            "account": account,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": region,
            "resources": [execution_arn],
            "detail": detail,
        }

    def deliver_status_change(self, execution_arn: str) -> list[Invocation]:
        """Deliver the execution's status change event to the template's function rules that
        match it, as EventBridge and Lambda's asynchronous invocation do: each function is
        tried ``1 + retries`` times; if every try failed, its ``OnFailure`` queue gets a
        record of the event (``requestPayload``) and the error (``responsePayload``)."""
        event = self.execution_status_change(execution_arn)
        invocations: list[Invocation] = []
        for rule in self.template.function_rules:
            pattern = self._resolver.resolve(dict(rule.pattern))
            # moto's TestEventPattern answers without its Result: its matcher, directly.
            if not EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
                continue
            for _ in range(1 + rule.retries):
                invocation = self.lambdas.invoke(rule.function, event)
                invocations.append(invocation)
                if not invocation.failed:
                    break
            else:
                if rule.on_failure is not None:
                    self.sqs.send_message(
                        QueueUrl=self.physical(rule.on_failure),
                        MessageBody=json.dumps(
                            {
                                "requestContext": {
                                    "functionArn": self.physical(rule.function, "Arn"),
                                    "condition": "RetriesExhausted",
                                    "approximateInvokeCount": 1 + rule.retries,
                                },
                                "requestPayload": event,
                                "responsePayload": invocation.payload(),
                            }
                        ),
                    )
        return invocations

    # ------------------------------------------------------------------ schedules

    def fire_schedule(
        self, logical_id: str | None = None, *, at: float | None = None
    ) -> Invocation:
        """Run a schedule's target once, as EventBridge Scheduler would at ``at`` (epoch
        seconds; now by default): its ``Input`` with the ``<aws.scheduler.*>`` context
        attributes filled in. moto's Step Functions runs no schedule, so a test (or the demo)
        fires it, at the emulator's time for instance. A DISABLED schedule fires nothing:
        ``RuntimeError``."""
        schedules = self.template.schedules
        if logical_id is None:
            if len(schedules) != 1:
                raise TemplateError(f"name one of the template's schedules: {sorted(schedules)}")
            logical_id = next(iter(schedules))
        spec = schedules[logical_id]
        state = self._resolver.resolve_str(spec.state, f"{logical_id}.State")
        if state != "ENABLED":
            raise RuntimeError(f"schedule {logical_id} is {state}: it invokes nothing")
        moment = time.time() if at is None else at
        context = {
            "<aws.scheduler.scheduled-time>": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment)
            ),
            "<aws.scheduler.schedule-arn>": (
                f"arn:aws:scheduler:{self.region}:{ACCOUNT_ID}:schedule/default/"
                f"{self.stack_name}-{logical_id}"
            ),
            "<aws.scheduler.execution-id>": uuid.uuid4().hex[:16],
            "<aws.scheduler.attempt-number>": "1",
        }
        text = (
            self._resolver.resolve_str(spec.input, f"{logical_id}.Target.Input")
            if spec.input
            else "{}"
        )
        for keyword, value in context.items():
            text = text.replace(keyword, value)
        return self.lambdas.invoke(spec.function, json.loads(text))

    def schedule_expression(self, logical_id: str) -> str:
        """The schedule's expression as deployed (``rate(15 minutes)``)."""
        spec = self.template.schedules[logical_id]
        return self._resolver.resolve_str(spec.expression, f"{logical_id}.ScheduleExpression")

    # ------------------------------------------------------------------ SQS trigger

    def send_sqs(self, body: Any, queue: str | None = None) -> str:
        """SendMessage to the trigger queue (a non-string body is sent as JSON)."""
        text = body if isinstance(body, str) else json.dumps(body)
        url = self.physical(self._trigger(queue).queue)
        return self.sqs.send_message(QueueUrl=url, MessageBody=text)["MessageId"]

    def drain_queue(self, queue: str | None = None, *, max_batches: int = 100) -> DrainResult:
        """Run the queue's function on batches until the queue is empty, as Lambda's poller
        does (see :mod:`local.runtime.queues`); also says which executions started."""
        trigger = self._trigger(queue)
        before = set(self._execution_arns())
        batches = drain(
            self.sqs,
            self.lambdas.invoke,
            trigger,
            queue_url=self.physical(trigger.queue),
            queue_arn=self.physical(trigger.queue, "Arn"),
            region=self.region,
            max_batches=max_batches,
        )
        executions = tuple(a for a in self._execution_arns() if a not in before)
        return DrainResult(tuple(batches), executions)

    def queue_messages(self, queue: str) -> list[QueuedMessage]:
        """What a queue holds, in flight or not, without receiving it (no side effects)."""
        return peek(self.physical(queue, "QueueName"), self.region)

    # ------------------------------------------------------------------ internals

    def _trigger(self, queue: str | None) -> QueueTriggerSpec:
        triggers = [t for t in self.template.queue_triggers if queue in (None, t.queue)]
        if len(triggers) != 1:
            raise TemplateError(
                f"expected one SQS trigger{f' on {queue}' if queue else ''}, found {len(triggers)}"
            )
        return triggers[0]

    def _default_bus(self) -> str:
        buses = {self._bus_name(rule) for rule in self.template.event_rules}
        if len(buses) != 1:
            raise TemplateError("no single bus with a rule for a state machine: pass bus=")
        return buses.pop()

    def _bus_name(self, rule: EventRuleSpec) -> str:
        return self._deployer.bus_name(rule)

    def _receive_all(self, queue_url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not batch:
                return messages
            for message in batch:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                messages.append(dict(message))
