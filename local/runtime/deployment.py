"""LocalDeployment: template.yaml deployed on this machine, in moto, with the real handlers.

Everything is read from template.yaml (see :mod:`local.runtime.template`) and made in moto
(see :mod:`local.runtime.deploy`):

- every function becomes a moto Lambda function named after its logical id (so its ARN is
  real) whose invocations run the real handler in local Lambda containers, processes that run
  concurrently as on AWS (:mod:`local.runtime.functions`); their AWS SDK calls reach this
  process's moto state through a moto server on the loopback interface;
- every state machine is created from its real ASL file with the template's
  DefinitionSubstitutions applied, and moto executes it for real;
- queues keep their RedrivePolicy (moto moves a message received more than
  ``maxReceiveCount`` times to the dead-letter queue).

The class is composed of parts, one module each: this one deploys the template, hosts the
functions and holds the lifecycle; :mod:`local.runtime.executions` starts executions and
reads them; :mod:`local.runtime.triggers` delivers EventBridge events, status change events,
schedules and SQS messages.

Retry back-off sleeps and Wait states are recorded and skipped (or shortened): see
:mod:`local.runtime.sleeps`. Known departures of moto's interpreter from AWS are corrected,
and the local costs AWS does not have are taken out, while the deployment is open: see
:mod:`local.runtime.moto_fixes`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from moto import mock_aws
from moto.server import ThreadedMotoServer

from local.runtime.capture import CapturedLine, LogCapture
from local.runtime.deploy import Deployer, EventQueues
from local.runtime.functions import ColdStarts, FunctionHost, Invocation, LambdaHost
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
from local.runtime.sleeps import RecordedSleep, SleepRecorder
from local.runtime.template import Resolver, Template, load_template
from local.runtime.triggers import Triggers

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


class LocalDeployment(Triggers):
    """One deployment of the template, local: the resources ``sam deploy`` would make on AWS,
    made in moto, with the functions run from their code directories. The name says just that
    (no other local AWS product is involved). Use as a context manager; every moto patch lives
    exactly as long as the block.

    Its parts (:class:`local.runtime.triggers.Triggers`, built on
    :class:`local.runtime.executions.Executions`) add the ways to run it.
    """

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
        self._queues = EventQueues()
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
    ) -> LocalDeployment:
        """A deployment whose handlers call ``adobe`` (the emulator, on loopback), with the
        template's testing switch on: the handlers refuse any host but Adobe's without it."""
        return cls(
            template,
            platform_url=adobe.platform_url,
            ims_url=adobe.ims_url,
            parameter_overrides={TESTING_SWITCH: "true", **(parameter_overrides or {})},
            **options,
        )

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalDeployment:
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
            self._queues = self._deployer.deploy()
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
        seconds, as on AWS (a deployment made with ``skip_sleeps`` skips them otherwise); they
        are recorded either way."""
        saved = self._sleeps.scale
        self._sleeps.scale = scale
        try:
            yield
        finally:
            self._sleeps.scale = saved

    # ------------------------------------------------------------------ functions

    @property
    def endpoint_url(self) -> str:
        """Where this deployment's AWS APIs answer over HTTP (the moto server on loopback), for
        programs outside this process: the Lambda containers, a command-line tool."""
        host, port = self._moto_server.get_host_and_port()
        return f"http://{host}:{port}"

    def _aws_environment(self) -> dict[str, str]:
        """What a container's AWS SDK needs to reach this deployment's moto state."""
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
