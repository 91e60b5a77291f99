"""The executions part of a local deployment: start them as the console does, wait, read them.

:class:`Executions` is a base of :class:`local.runtime.deployment.LocalDeployment`; what it
needs from the deployment (the template, its Step Functions client, physical ids, the
recorded sleeps) is declared abstract here and provided there.
"""

from __future__ import annotations

import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from local.runtime.history import ExecutionResult, build_result, read_history
from local.runtime.sleeps import RecordedSleep
from local.runtime.template import Resolver, Template, TemplateError

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


class Executions(ABC):
    """Executions of the template's state machines, read through the Step Functions API."""

    template: Template
    _resolver: Resolver

    @property
    @abstractmethod
    def stepfunctions(self) -> SFNClient: ...

    @property
    @abstractmethod
    def sleeps(self) -> list[RecordedSleep]: ...

    @abstractmethod
    def physical(self, logical_id: str, attribute: str = "Ref") -> str: ...

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
        return read_history(self.stepfunctions, execution_arn)

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
