"""LocalStack: the template's state machine, functions, queues and buses, on this machine.

Everything is read from template.yaml (see :mod:`local.runtime.template`) and made in moto
(see :mod:`local.runtime.deploy`):

- every function becomes a moto Lambda function named after its logical id (so its ARN is
  real) whose invocations run the real handler in local Lambda containers, processes that run
  concurrently as on AWS (:mod:`local.runtime.functions`); their AWS SDK calls reach this
  process's moto state through a moto server on the loopback interface;
- every state machine is created from its real ASL file with the template's
  DefinitionSubstitutions applied, and moto executes it for real;
- queues keep their RedrivePolicy (moto moves a message received more than
  ``maxReceiveCount`` times to the dead-letter queue) and an SQS trigger is run by
  :meth:`LocalStack.drain_queue`, which honours the partial batch response;
- moto's EventBridge matches rule patterns but cannot deliver to Step Functions: each rule
  targeting a state machine gets a local SQS "delivery" queue as its moto target, and
  :meth:`LocalStack.deliver_events` starts the executions from it after applying the
  rule's ``InputPath``. The target's RetryPolicy and DeadLetterConfig are not emulated
  (starting an execution does not fail locally).

Retry back-off sleeps and Wait states are recorded and skipped (or shortened): see
:mod:`local.runtime.sleeps`. Known departures of moto's interpreter from AWS are corrected,
and the local costs AWS does not have are taken out, while the stack is open: see
:mod:`local.runtime.moto_fixes`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from moto import mock_aws
from moto.events.models import EventPattern
from moto.server import ThreadedMotoServer
from moto.stepfunctions.parser.asl.utils.json_path import extract_json
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from local.runtime.capture import CapturedLine, LogCapture
from local.runtime.deploy import Deployer, Deployment
from local.runtime.functions import ColdStarts, FunctionHost, Invocation, LambdaHost
from local.runtime.history import ExecutionResult, build_result
from local.runtime.moto_fixes import (
    ClientReuseFix,
    ContextTimeFix,
    DataLimitFix,
    DynamoDBAtomicWritesFix,
    HistoryTimeoutFix,
    JsonPathFix,
    ParallelStopFix,
    ParseOnceFix,
    PathParseOnceFix,
)
from local.runtime.queues import DrainResult, QueuedMessage, drain, peek
from local.runtime.sleeps import RecordedSleep, SleepRecorder
from local.runtime.template import (
    ACCOUNT_ID,
    EventRuleSpec,
    QueueTriggerSpec,
    Resolver,
    Template,
    TemplateError,
    load_template,
)

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
# No X-Ray daemon here: Powertools' Tracer would otherwise try to send segments.
DEFAULT_LOCAL_ENVIRONMENT = {"POWERTOOLS_TRACE_DISABLED": "true"}
TESTING_SWITCH = "AllowNonAdobeEndpointsForTesting"
"""The template parameter that lets handlers talk to a non-Adobe host such as the emulator."""


class Endpoints(Protocol):
    """Where Flow Service and IMS answer: the emulator, or anything shaped like it."""

    @property
    def platform_url(self) -> str: ...

    @property
    def ims_url(self) -> str: ...


_STATUS_EVENT_DATA_BYTES = 248 * 1024
"""An event carries at most 256 KiB: past this, input and output are left out of it."""


class LocalStack:
    """Use as a context manager; every moto patch lives exactly as long as the block."""

    def __init__(
        self,
        template: Path = Path("template.yaml"),
        *,
        platform_url: str | None = None,
        ims_url: str | None = None,
        env_overrides: Mapping[str, str] | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
        skip_sleeps: bool = True,
        sleep_scale: float = 1.0,
        region: str = "us-east-1",
        stack_name: str = "local",
        cold_starts: ColdStarts | None = None,
    ) -> None:
        self.template: Template = load_template(Path(template), parameter_overrides)
        self.region = region
        self.stack_name = stack_name
        self._environment = {**DEFAULT_LOCAL_ENVIRONMENT, **(env_overrides or {})}
        if platform_url is not None:
            self._environment["PLATFORM_URL"] = platform_url
        if ims_url is not None:
            self._environment["IMS_URL"] = ims_url
        self._mock = mock_aws(config=MOTO_CONFIG)
        self._moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._capture = LogCapture()
        self._sleeps = SleepRecorder(scale=0.0 if skip_sleeps else sleep_scale)
        self._json_path_fix = JsonPathFix()
        self._parallel_stop_fix = ParallelStopFix()
        self._atomic_writes_fix = DynamoDBAtomicWritesFix()
        self._history_fix = HistoryTimeoutFix()
        self._parse_once_fix = ParseOnceFix()
        self._client_reuse_fix = ClientReuseFix()
        self._path_parse_fix = PathParseOnceFix()
        self._data_limit_fix = DataLimitFix()
        self._context_time_fix = ContextTimeFix()
        # None: containers fork from a preloaded factory (fast); else as Lambda starts them cold.
        self.lambdas = LambdaHost(cold_starts)
        self._resolver = Resolver(self.template, region, stack_name)
        self._deployer = Deployer(self.template, self._resolver, self.client)
        self._deployment = Deployment()
        self._published: list[dict[str, Any]] = []
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._started = False

    @classmethod
    def against(
        cls,
        adobe: Endpoints,
        template: Path = Path("template.yaml"),
        *,
        parameter_overrides: Mapping[str, str] | None = None,
        **options: Any,
    ) -> LocalStack:
        """A stack whose handlers call ``adobe`` (the emulator, on loopback), with the
        template's testing switch on: the handlers refuse any host but Adobe's without it."""
        return cls(
            template,
            platform_url=adobe.platform_url,
            ims_url=adobe.ims_url,
            parameter_overrides={TESTING_SWITCH: "true", **(parameter_overrides or {})},
            **options,
        )

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalStack:
        self._mock.start()
        self._started = True
        try:
            # The moto server's access log (werkzeug, INFO) is noise: one line per AWS call.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            self._moto_server.start()
            self._capture.install()
            self._sleeps.install()
            self._json_path_fix.install()
            self._parallel_stop_fix.install()
            self._atomic_writes_fix.install()
            self._history_fix.install()
            self._parse_once_fix.install()
            self._client_reuse_fix.install()
            self._path_parse_fix.install()
            self._data_limit_fix.install()
            self._context_time_fix.install()
            self.lambdas.install()
            self._deployment = self._deployer.deploy()
            self._host_functions()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, grace: float = 5.0) -> None:
        """Let running executions end (``grace`` seconds), stop the rest, undo every patch.

        An execution left running would go on after moto is gone, calling real endpoints.
        """
        if not self._started:
            return
        self._finish_running_executions(grace)
        self.lambdas.uninstall()
        self._json_path_fix.uninstall()
        self._parallel_stop_fix.uninstall()
        self._atomic_writes_fix.uninstall()
        self._history_fix.uninstall()
        self._parse_once_fix.uninstall()
        self._client_reuse_fix.uninstall()
        self._path_parse_fix.uninstall()
        self._data_limit_fix.uninstall()
        self._context_time_fix.uninstall()
        self._sleeps.uninstall()
        self._capture.uninstall()
        self._moto_server.stop()
        self._mock.stop()
        with self._clients_lock:  # made under this mock: not for another one
            self._clients.clear()
        self._started = False

    # ------------------------------------------------------------------ clients

    def client(self, service: str) -> Any:
        """One client per service, shared (botocore's clients are thread-safe): building one
        costs some 6 ms of CPU, taken from the executions running in this same process."""
        with self._clients_lock:
            client = self._clients.get(service)
            if client is None:
                client = boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
                self._clients[service] = client
            return client

    @property
    def stepfunctions(self) -> SFNClient:
        return self.client("stepfunctions")  # type: ignore[no-any-return]

    @property
    def secretsmanager(self) -> SecretsManagerClient:
        return self.client("secretsmanager")  # type: ignore[no-any-return]

    @property
    def sqs(self) -> SQSClient:
        return self.client("sqs")  # type: ignore[no-any-return]

    @property
    def events(self) -> EventBridgeClient:
        return self.client("events")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ what happened

    @property
    def log_lines(self) -> list[str]:
        """Every line the handlers printed or logged, in order."""
        return [line.text for line in self._capture.lines]

    @property
    def captured_logs(self) -> list[CapturedLine]:
        return self._capture.lines

    @property
    def sleeps(self) -> list[RecordedSleep]:
        return self._sleeps.sleeps

    @property
    def invocations(self) -> list[Invocation]:
        return self.lambdas.invocations

    def function_environment(self, function: str) -> dict[str, str]:
        host = self.lambdas.function(function)
        if host is None:
            raise KeyError(f"no function {function!r} in the template")
        return dict(host.environment)

    def physical(self, logical_id: str, attribute: str = "Ref") -> str:
        """What ``!Ref`` (or ``!GetAtt logical_id.attribute``) gives locally."""
        return self._resolver.resolve_str(
            {"Ref": logical_id} if attribute == "Ref" else {"Fn::GetAtt": [logical_id, attribute]},
            logical_id,
        )

    def cold_start(self) -> None:
        """Retire every function's containers (module state, caches), as after a deployment."""
        self.lambdas.cold_start()

    # ------------------------------------------------------------------ secrets

    def seed_secret(self, name: str, value: Mapping[str, Any]) -> str:
        """Create (or overwrite) a JSON secret; returns its ARN."""
        secret_string = json.dumps(dict(value))
        client = self.secretsmanager
        try:
            return client.create_secret(Name=name, SecretString=secret_string)["ARN"]
        except client.exceptions.ResourceExistsException:
            return client.put_secret_value(SecretId=name, SecretString=secret_string)["ARN"]

    @contextmanager
    def sleeping(self, scale: float = 1.0) -> Iterator[None]:
        """Inside the block, Retry back-offs and Wait states sleep ``scale`` times their
        seconds, as on AWS (a stack made with ``skip_sleeps`` skips them otherwise); they
        are recorded either way."""
        saved = self._sleeps.scale
        self._sleeps.scale = scale
        try:
            yield
        finally:
            self._sleeps.scale = saved

    # ------------------------------------------------------------------ console trigger

    def state_machine_arn(self, logical_id: str | None = None) -> str:
        if logical_id is None:
            if len(self.template.state_machines) != 1:
                raise TemplateError("several state machines: say which one")
            (logical_id,) = self.template.state_machines
        return self.physical(logical_id)

    def start_execution(
        self,
        input_doc: Any,
        name: str | None = None,
        *,
        state_machine: str | None = None,
    ) -> str:
        """StartExecution, as the console does. Always passes a name: moto 5.2.5 names an
        unnamed execution "None" (ARN and ``$$.Execution.Name``)."""
        response = self.stepfunctions.start_execution(
            stateMachineArn=self.state_machine_arn(state_machine),
            name=name or uuid.uuid4().hex,
            input=json.dumps(input_doc),
        )
        return response["executionArn"]

    def wait(
        self, execution_arn: str, timeout: float = 60.0, poll: float = 0.02
    ) -> ExecutionResult:
        """Block until the execution ends; TimeoutError (naming where it is) otherwise."""
        deadline = time.monotonic() + timeout
        while self._running(execution_arn) and time.monotonic() <= deadline:
            time.sleep(poll)
        description = self.stepfunctions.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            return build_result(description, self.history(execution_arn), self.sleeps)
        states = build_result(description, self.history(execution_arn), []).states
        raise TimeoutError(
            f"{execution_arn} still running after {timeout}s; states so far: {states}"
        )

    def run(
        self, input_doc: Any, name: str | None = None, timeout: float = 60.0
    ) -> ExecutionResult:
        return self.wait(self.start_execution(input_doc, name), timeout)

    def _running(self, execution_arn: str) -> bool:
        """Whether the execution still runs, read from moto's backend: a DescribeExecution
        every few milliseconds (request, serialisation) would take CPU from the very
        executions being waited for. The outcome itself is then read through the API."""
        region, account = execution_arn.split(":")[3:5]
        execution = stepfunctions_backend(account, region).describe_execution(execution_arn)
        return bool(execution.status == "RUNNING")

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        paginator = self.stepfunctions.get_paginator("get_execution_history")
        return [
            dict(event)
            for page in paginator.paginate(executionArn=execution_arn)
            for event in page["events"]
        ]

    def watch(
        self, execution_arn: str, poll: float = 0.05, timeout: float = 300.0
    ) -> Iterator[dict[str, Any]]:
        """Yield history events as they happen, until the execution ends."""
        seen = 0
        deadline = time.monotonic() + timeout
        while True:
            status = self.stepfunctions.describe_execution(executionArn=execution_arn)["status"]
            events = self.history(execution_arn)
            yield from events[seen:]
            seen = len(events)
            if status != "RUNNING":
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still running after {timeout}s")
            time.sleep(poll)

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
        for delivery in self._deployment.deliveries:
            for message in self._receive_all(delivery.queue_url):
                event = json.loads(message["Body"])
                rule = delivery.rule
                payload = extract_json(rule.input_path, event) if rule.input_path else event
                started.append(self.start_execution(payload, state_machine=rule.state_machine))
        return started

    def published_events(self) -> list[dict[str, Any]]:
        """Every event put on the template's buses so far (requests and results alike)."""
        for queue_url in self._deployment.observers:
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

    def _execution_arns(self) -> list[str]:
        arns: list[str] = []
        for logical_id in self.template.state_machines:
            paginator = self.stepfunctions.get_paginator("list_executions")
            for page in paginator.paginate(stateMachineArn=self.physical(logical_id)):
                arns.extend(e["executionArn"] for e in page["executions"])
        return arns

    def _finish_running_executions(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        running = self._running_executions()
        while running and time.monotonic() < deadline:
            time.sleep(0.02)
            running = self._running_executions()
        for arn in running:
            try:
                self.stepfunctions.stop_execution(executionArn=arn)
            except Exception:  # noqa: S112 - moto refuses to stop a run not yet started
                continue

    def _running_executions(self) -> list[str]:
        arns: list[str] = []
        for logical_id in self.template.state_machines:
            state_machine = self._resolver.physical.get(logical_id, {}).get("Ref")
            if state_machine is not None:
                executions = self.stepfunctions.list_executions(
                    stateMachineArn=state_machine, statusFilter="RUNNING"
                )["executions"]
                arns.extend(e["executionArn"] for e in executions)
        return arns

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

    @property
    def endpoint_url(self) -> str:
        """Where this stack's AWS APIs answer over HTTP (the moto server on loopback), for
        programs outside this process: the Lambda containers, a command-line tool."""
        host, port = self._moto_server.get_host_and_port()
        return f"http://{host}:{port}"

    def _aws_environment(self) -> dict[str, str]:
        """What a container's AWS SDK needs to reach this stack's moto state."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            # Lambda hands its execution role's session credentials to the function.
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }

    def _host_functions(self) -> None:
        # Environments last: they may name anything deployed (the starter's state machine).
        for spec in self.template.functions.values():
            environment = {
                name: self._resolver.resolve_str(value, f"{spec.logical_id}.Environment.{name}")
                for name, value in spec.environment.items()
            }
            environment.update(self._environment)
            self.lambdas.register(
                FunctionHost(
                    spec,
                    arn=self.physical(spec.logical_id, "Arn"),
                    environment=environment,
                    capture=self._capture,
                    region=self.region,
                    host=self.lambdas,
                    aws_environment=self._aws_environment(),
                )
            )
