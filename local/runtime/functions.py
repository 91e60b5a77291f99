"""Run the template's Lambda handlers in this process, as moto's Lambda backend.

moto's Lambda (``use_docker: False``) answers every invoke with
``LambdaSimpleBackend.invoke``; :class:`LambdaHost` replaces it, for as long as it is
installed, with a dispatcher that calls the real handler named by the template.

What a Lambda gives each function, and how it is reproduced here:

- *Its own environment variables.* While installed, ``os.environ`` is a
  :class:`~local.runtime.environ.ThreadEnviron`: the invoking thread sees the process
  environment plus the function's variables (template, overrides, and what Lambda itself
  sets: ``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``...), privately; other threads, such as
  a Parallel branch running another function or the caller polling, are not disturbed.
- *Its own copy of the code.* Each function gets its own set of modules: the top-level
  modules found in its code directory and layers (``app``, ``aep_activation``...) are
  swapped into ``sys.modules`` for the call and out afterwards. Module-level state (a cached
  token, cached secrets, settings read at import) is thus per function and survives from one
  call to the next, like a warm container; :meth:`LambdaHost.cold_start` drops it. Code
  outside handlers that imports those packages should do so before starting executions.
  ``sys.modules`` and ``sys.path`` are process-wide, so handler calls hold one lock: handler
  bodies never overlap (Parallel branches interleave between calls). A call never waits on
  another one (the starter only *starts* executions), so the lock cannot deadlock.
- *A context object* with the usual attributes and ``get_remaining_time_in_millis()``.

An exception becomes what Lambda returns for an unhandled error: the header
``X-Amz-Function-Error: Unhandled`` and ``{"errorType": <class name>, "errorMessage": ...}``,
so the state machine's Retry and Catch match on the class name. The function's ``Timeout``
is reported by the context but not enforced (a thread cannot be killed).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda_simple.models import LambdaSimpleBackend

from local.runtime.capture import LogCapture
from local.runtime.environ import ThreadEnviron
from local.runtime.template import FunctionSpec

# One process, one sys.modules and sys.path: one handler at a time (see module doc).
_INVOCATION_LOCK = threading.RLock()


@dataclass
class LambdaContext:
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Invocation:
    """One call of a handler: what it got, and what it returned or raised."""

    function: str
    request_id: str
    event: Any
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    def payload(self) -> dict[str, Any] | Any:
        """What Lambda hands back: the result, or the unhandled-error document."""
        if self.failed:
            return {"errorType": self.error_type, "errorMessage": self.error_message}
        return self.result


def _top_level_names(directory: Path) -> set[str]:
    names = set()
    if directory.is_dir():
        for entry in directory.iterdir():
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and entry.name.isidentifier():
                names.add(entry.name)
    return names


class FunctionHost:
    """One template function, hosted in this process like a warm Lambda container."""

    def __init__(
        self,
        spec: FunctionSpec,
        arn: str,
        environment: Mapping[str, str],
        capture: LogCapture,
        region: str,
        environ: ThreadEnviron,
    ) -> None:
        self.spec = spec
        self.arn = arn
        self.environment = dict(environment)
        self._capture = capture
        self._region = region
        self._environ = environ
        self._search_path = [str(spec.code_dir), *(str(d) for d in spec.layer_dirs)]
        self._owned = set().union(*(_top_level_names(Path(p)) for p in self._search_path))
        self._modules: dict[str, ModuleType] = {}
        # Like the modules, the environment lives as long as the "container": what a handler
        # sets in os.environ is still there on its next warm call.
        self._private_environ: dict[str, str] | None = None

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def cold_start(self) -> None:
        with _INVOCATION_LOCK:
            self._modules = {}
            self._private_environ = None

    def invoke(self, event: Any) -> Invocation:
        request_id = str(uuid.uuid4())
        with _INVOCATION_LOCK, self._capture.capturing(self.name), self._namespace():
            context = self._context(request_id)
            # Every failure goes back to the caller as Lambda reports it, never raised here.
            try:
                handler = self._handler()
            except Exception as exc:
                module = self.spec.handler.rpartition(".")[0]
                return self._failed(
                    request_id,
                    event,
                    "Runtime.ImportModuleError",
                    f"Unable to import module '{module}': {exc}",
                )
            try:
                result = handler(event, context)
            except Exception as exc:
                return self._failed(request_id, event, type(exc).__name__, str(exc))
            try:
                json.dumps(result)
            except (TypeError, ValueError) as exc:
                return self._failed(request_id, event, "Runtime.MarshalError", str(exc))
            return Invocation(self.name, request_id, event, result=result)

    def _failed(self, request_id: str, event: Any, error_type: str, message: str) -> Invocation:
        return Invocation(
            self.name, request_id, event, error_type=error_type, error_message=message
        )

    def _handler(self) -> Any:
        module_name, _, attribute = self.spec.handler.rpartition(".")
        module = importlib.import_module(module_name)
        return getattr(module, attribute)

    def _context(self, request_id: str) -> LambdaContext:
        return LambdaContext(
            function_name=self.name,
            function_version="$LATEST",
            invoked_function_arn=self.arn,
            memory_limit_in_mb=self.spec.memory_size,
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{self.name}",
            log_stream_name=f"local/[$LATEST]{request_id.replace('-', '')}",
            deadline=time.monotonic() + self.spec.timeout,
        )

    def _lambda_variables(self) -> dict[str, str]:
        """What the Lambda runtime itself sets, besides the template's variables."""
        return {
            "AWS_REGION": self._region,
            "AWS_DEFAULT_REGION": self._region,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.spec.runtime}",
            "LAMBDA_TASK_ROOT": str(self.spec.code_dir),
            "_HANDLER": self.spec.handler,
        }

    @contextmanager
    def _namespace(self) -> Iterator[None]:
        """This function's modules, search path and environment, for the call only."""
        saved_modules = {
            name: sys.modules.pop(name) for name in list(sys.modules) if self._is_owned(name)
        }
        sys.modules.update(self._modules)
        saved_path = list(sys.path)
        sys.path[:0] = self._search_path
        if self._private_environ is None:
            self._private_environ = self._environ.environment_with(
                {**self._lambda_variables(), **self.environment}
            )
        try:
            with self._environ.private(self._private_environ):
                yield
        finally:
            self._modules = {
                name: sys.modules.pop(name) for name in list(sys.modules) if self._is_owned(name)
            }
            sys.modules.update(saved_modules)
            sys.path[:] = saved_path

    def _is_owned(self, module_name: str) -> bool:
        return module_name.partition(".")[0] in self._owned


class LambdaHost:
    """The dispatcher behind moto's Lambda: install, register functions, uninstall."""

    def __init__(self) -> None:
        process = os.environ.process if isinstance(os.environ, ThreadEnviron) else os.environ
        self.environ = ThreadEnviron(process)
        self._functions: dict[str, FunctionHost] = {}
        self._invocations: list[Invocation] = []
        self._lock = threading.Lock()
        self._saved_invoke: Any = None

    @property
    def invocations(self) -> list[Invocation]:
        with self._lock:
            return list(self._invocations)

    def register(self, function: FunctionHost) -> None:
        self._functions[function.name] = function

    def function(self, name_or_arn: str) -> FunctionHost | None:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        return self._functions.get(name)

    def cold_start(self) -> None:
        for function in self._functions.values():
            function.cold_start()
        # Powertools' parameter cache lives in the shared powertools module, not in a
        # function's own copy: a new container starts with an empty one.
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]

    def invoke(self, name_or_arn: str, event: Any) -> Invocation:
        function = self.function(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")
        invocation = function.invoke(event)
        with self._lock:
            self._invocations.append(invocation)
        return invocation

    def install(self) -> None:
        if self._saved_invoke is not None:
            raise RuntimeError("LambdaHost is already installed")
        self._saved_invoke = LambdaSimpleBackend.invoke
        self.environ.install()
        host = self

        def invoke(
            backend: LambdaSimpleBackend,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> bytes:
            if host.function(function_name) is None:
                raise UnknownFunctionException(function_name)
            text = body.decode() if isinstance(body, bytes) else (body or "null")
            invocation = host.invoke(function_name, json.loads(text))
            if invocation.failed:
                response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(invocation.payload()).encode()

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        if self._saved_invoke is None:
            return
        LambdaSimpleBackend.invoke = self._saved_invoke  # type: ignore[method-assign]
        self._saved_invoke = None
        self.environ.uninstall()
