"""Run the template's Lambda handlers in local containers, as moto's Lambda backend.

moto's Lambda (``use_docker: False``) answers every invoke with
``LambdaSimpleBackend.invoke``; :class:`LambdaHost` replaces it, for as long as it is
installed, with a dispatcher that calls the real handler named by the template.

Each function runs as it would on Lambda: in *containers*, each a Python process of its own
(:mod:`local.runtime.bootstrap`) that serves one call at a time and stays warm between calls.
So, as on AWS:

- calls of different functions, and concurrent calls of one function, run at the same time
  (a Parallel state's branches, many executions at once), each concurrent call of a function
  in its own container; a function holds at most ``max_containers`` of them (Lambda's
  reserved concurrency, here a bound on this machine's processes), further calls wait;
- each container has its own module state (a cached token, cached secrets, settings read at
  import), its own environment (the template's variables, the overrides, and what Lambda sets:
  ``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``...; the host's other variables, less its proxy
  and CA-bundle settings) and its own ``sys.path`` (code directory,
  then layers, then the installed packages); :meth:`LambdaHost.cold_start` retires them all;
- the AWS SDK in a container talks to the moto server of the stack (``AWS_ENDPOINT_URL``), so
  the handlers and the test share one moto state;
- the function's ``Timeout`` is enforced: the container is killed and the call fails with
  ``Sandbox.Timedout``, the error Step Functions reports for a timed-out Lambda.

A handler's exception becomes what Lambda returns for an unhandled error: the header
``X-Amz-Function-Error: Unhandled`` and ``{"errorType": <class name>, "errorMessage": ...}``,
so the state machine's Retry and Catch match on the class name. What a handler prints or logs
is captured per function (:mod:`local.runtime.capture`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda_simple.models import LambdaSimpleBackend

from local.runtime import bootstrap
from local.runtime.capture import LogCapture, Source
from local.runtime.cpu_quota import CpuQuota, detect, lambda_cpu_share
from local.runtime.template import FunctionSpec

BOOTSTRAP = Path(bootstrap.__file__).resolve()
DEFAULT_MAX_CONTAINERS = 8
# What the zygote imports once for every container: the heavy third-party packages the
# handlers use. The functions' own code is never preloaded (each container imports its own).
PRELOAD = (
    "pydantic",
    "requests",
    "boto3",
    "botocore.session",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.parser",
)
# How long a call's last output lines, or a killed container's exit, may take to arrive.
_GRACE_SECONDS = 5.0
# Lambda's limit on a function's init phase (a cold start's imports), for on-demand functions.
INIT_TIMEOUT_SECONDS = 10.0
# The scheduling priority of a container's init started by an asynchronous call (cold mode).
BACKGROUND_NICE = 19
# The host's proxy and CA-bundle settings stay on the host: a Lambda container has none unless
# its template sets them, and a local container's calls go to local endpoints. (The HTTP
# session reads them on every call where one is set: their presence changes what a call costs.)
HOST_ONLY_VARIABLES = frozenset(
    {
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "requests_ca_bundle",
        "curl_ca_bundle",
        "aws_ca_bundle",
        "ssl_cert_file",
        "ssl_cert_dir",
    }
)

# A started container: its pid, our end of its stdin, and of its stdout, stderr, replies.
Spawned = tuple[int, IO[str], tuple[IO[str], IO[str], IO[str]]]


@dataclass(frozen=True)
class ColdStarts:
    """Containers started as Lambda starts them cold, instead of forked from the preloaded
    factory: an interpreter of their own imports the handler first (Lambda's init phase, at
    full CPU), then, where ``quota`` is set, every invocation runs on the function's CPU share
    (``MemorySize``/1769 of one core, as on Lambda). ``note`` says how the quota is applied, or
    why it is not (then the calls run unthrottled)."""

    quota: CpuQuota | None
    note: str
    # How many asynchronous calls' inits may run at once (see FunctionHost._acquire).
    background_inits: int = 1

    @classmethod
    def detect(cls, *, throttle: bool = True, background_inits: int = 1) -> ColdStarts:
        if not throttle:
            return cls(None, "unthrottled: the CPU quota was not asked for", background_inits)
        quota, note = detect()
        return cls(quota, note if quota else f"unthrottled: {note}", background_inits)


def spawn_fresh(environment: Mapping[str, str], search_path: list[str], cwd: Path) -> Spawned:
    """A container in a new interpreter that has imported nothing (``bootstrap.py --fresh``)."""
    reply_read, reply_write = os.pipe()
    process = subprocess.Popen(  # noqa: S603 - our own bootstrap, no shell
        [sys.executable, "-u", str(BOOTSTRAP), "--fresh"],
        env={
            **environment,
            "_LOCAL_REPLY_FD": str(reply_write),
            "_LOCAL_SEARCH_PATH": json.dumps(search_path),
        },
        cwd=cwd,
        pass_fds=(reply_write,),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",
    )
    os.close(reply_write)
    if process.stdin is None or process.stdout is None or process.stderr is None:
        raise RuntimeError("a container started without its pipes")
    replies = os.fdopen(reply_read, encoding="utf-8")
    return process.pid, process.stdin, (process.stdout, process.stderr, replies)


def _set_nice(pid: int, nice: int) -> None:
    """Best effort: raising a priority back needs CAP_SYS_NICE, and the process may be gone."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, nice)


@dataclass(frozen=True)
class Invocation:
    """One call of a handler: what it got, and what it returned or raised."""

    function: str
    request_id: str
    event: Any
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    started: float = 0.0
    ended: float = 0.0
    cpu_seconds: float = 0.0  # CPU the handler's call used in its container
    init_seconds: float | None = None  # the init phase that preceded it, on a cold start
    init_cpu_seconds: float | None = None  # the CPU that init used (its wall time may wait)
    asynchronous: bool = False  # InvocationType Event: the caller did not wait for it

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    def payload(self) -> dict[str, Any] | Any:
        """What Lambda hands back: the result, or the unhandled-error document."""
        if self.failed:
            return {"errorType": self.error_type, "errorMessage": self.error_message}
        return self.result


class Turnstile:
    """Lets threads through ``width`` at a time, in the order their tickets were taken.

    A lock or semaphore wakes its waiters in no set order; the background inits must start in
    the order the execution asked for them, so each takes a ticket when it is asked for.
    """

    def __init__(self, width: int = 1) -> None:
        self._width = max(1, width)
        self._changed = threading.Condition()
        self._issued = 0
        self._next = 0  # the next ticket to let in
        self._inside = 0
        self._abandoned: set[int] = set()

    def ticket(self) -> int:
        with self._changed:
            self._issued += 1
            return self._issued - 1

    @contextlib.contextmanager
    def turn(self, ticket: int) -> Iterator[None]:
        """Wait until every earlier ticket is let in and there is room, then hold a place
        until the block ends."""
        with self._changed:
            self._changed.wait_for(lambda: self._next == ticket and self._inside < self._width)
            self._next += 1
            self._inside += 1
            self._skip_abandoned()
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._inside -= 1
                self._changed.notify_all()

    def give_up(self, ticket: int) -> None:
        """Give up a ticket never let in (no-op for one that was), so that a thread that fails
        before its turn never holds up the ones behind it."""
        with self._changed:
            if ticket >= self._next:
                self._abandoned.add(ticket)
                self._skip_abandoned()
                self._changed.notify_all()

    def _skip_abandoned(self) -> None:
        while self._next in self._abandoned:
            self._abandoned.discard(self._next)
            self._next += 1


class Zygote:
    """The container factory (``bootstrap.py --zygote``): one per host, forks containers."""

    def __init__(self, preload: tuple[str, ...] = PRELOAD) -> None:
        self._socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()
        self._process = subprocess.Popen(  # noqa: S603 - our own bootstrap, no shell
            [sys.executable, "-u", str(BOOTSTRAP), "--zygote"],
            pass_fds=(theirs.fileno(),),
            env={
                **os.environ,
                "_LOCAL_CONTROL_FD": str(theirs.fileno()),
                "_LOCAL_PRELOAD": json.dumps(list(preload)),
            },
            stdin=subprocess.DEVNULL,
        )
        theirs.close()

    def spawn(self, environment: Mapping[str, str], search_path: list[str], cwd: Path) -> Spawned:
        """A new container, forked with the preloaded packages."""
        pipes = [os.pipe() for _ in range(4)]  # stdin, stdout, stderr, replies
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0]]
        request = {"environment": dict(environment), "cwd": str(cwd), "searchPath": search_path}
        try:
            with self._lock:
                socket.send_fds(self._socket, [json.dumps(request).encode()], theirs)
                answer = self._socket.recv(4096)
        finally:
            for fd in theirs:
                os.close(fd)
        if not answer:
            for fd in ours:
                os.close(fd)
            raise RuntimeError("the local container factory has stopped")
        stdin = os.fdopen(ours[0], "w", encoding="utf-8")
        stdout, stderr, replies = (
            os.fdopen(fd, encoding="utf-8", errors="replace") for fd in ours[1:]
        )
        return int(json.loads(answer)["pid"]), stdin, (stdout, stderr, replies)

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # the factory may be gone already
            self._socket.send(b"")
        self._socket.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


class Container:
    """One warm Lambda container: a process forked by the :class:`Zygote`, or started fresh."""

    def __init__(self, function: str, spawned: Spawned, capture: LogCapture) -> None:
        self.function = function
        self._capture = capture
        self._pid, self._stdin, (stdout, stderr, replies) = spawned
        self.init_seconds: float | None = None  # set by wait_for_init, taken by the first call
        self.init_cpu_seconds: float | None = None
        self._exited = threading.Event()
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._ends: dict[Source, threading.Semaphore] = {
            "stdout": threading.Semaphore(0),
            "stderr": threading.Semaphore(0),
        }
        for target, args in (
            (self._read_output, (stdout, "stdout")),
            (self._read_output, (stderr, "stderr")),
            (self._read_replies, (replies,)),
        ):
            threading.Thread(target=target, args=args, daemon=True).start()

    @property
    def alive(self) -> bool:
        return not self._exited.is_set()

    @property
    def pid(self) -> int:
        return self._pid

    def wait_for_init(self, timeout: float) -> bool:
        """Wait for a fresh container's init phase to end; False if it did not in time."""
        try:
            reply = self._next_reply(timeout)
        except queue.Empty:
            return False
        if reply is None or "init" not in reply:
            return False
        self.init_seconds = float(reply["init"]["seconds"])
        self.init_cpu_seconds = float(reply["init"]["cpu"])
        return True

    def call(self, event: Any, context: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """Run one invocation; the outcome as the bootstrap reports it (or as Lambda would
        report a timeout or a crash)."""
        try:
            self._stdin.write(json.dumps({"event": event, "context": context}) + "\n")
            self._stdin.flush()
        except OSError:
            return self._crashed()
        try:
            reply = self._next_reply(timeout)
        except queue.Empty:
            self.stop()
            return {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {timeout:.2f} seconds",
            }
        if reply is None:
            return self._crashed()
        # Every line the call printed is read before the caller hears the outcome.
        for end in self._ends.values():
            end.acquire(timeout=_GRACE_SECONDS)
        return reply

    def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._exited.wait(_GRACE_SECONDS)
        with contextlib.suppress(OSError):  # a broken pipe: the container is gone already
            self._stdin.close()

    def _next_reply(self, timeout: float) -> dict[str, Any] | None:
        while True:
            reply = self._replies.get(timeout=timeout)
            if reply is not None and "log" in reply:
                self._capture.record(self.function, "logging", str(reply["log"]))
                continue
            return reply

    def _crashed(self) -> dict[str, Any]:
        return {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: local Error: Runtime exited without providing a reason",
        }

    def _read_output(self, stream: IO[str], source: Source) -> None:
        with stream:
            for line in stream:
                text = line.rstrip("\n")
                if text == bootstrap.END:
                    self._ends[source].release()
                else:
                    self._capture.record(self.function, source, text)

    def _read_replies(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self._replies.put(json.loads(line))
        self._exited.set()
        self._replies.put(None)


class FunctionHost:
    """One template function and its warm containers."""

    def __init__(
        self,
        spec: FunctionSpec,
        arn: str,
        environment: Mapping[str, str],
        capture: LogCapture,
        region: str,
        host: LambdaHost,
        aws_environment: Mapping[str, str] | None = None,
        max_containers: int = DEFAULT_MAX_CONTAINERS,
    ) -> None:
        self.spec = spec
        self._cold_starts = host.cold_starts
        self._spawn = host.spawn
        self._host = host
        self.arn = arn
        self.environment = dict(environment)
        self._capture = capture
        self._region = region
        self._aws_environment = dict(aws_environment or {})
        # Absolute: a container starts in its code directory, as Lambda's do in /var/task.
        self._search_path = [str(Path(d).resolve()) for d in (spec.code_dir, *spec.layer_dirs)]
        self._max_containers = max_containers
        self._lock = threading.Condition()
        self._idle: list[Container] = []
        self._busy = 0
        self._generation = 0

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def cold_start(self) -> None:
        """Retire every container: the next call starts a new one (as after a deployment)."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
        for container in idle:
            self._retire(container)

    def close(self) -> None:
        self.cold_start()

    def invoke(
        self, event: Any, *, asynchronous: bool = False, init_ticket: int | None = None
    ) -> Invocation:
        """Run one call. An asynchronous call in cold mode brings the ticket it took from the
        host's :class:`Turnstile` when it was asked for: its cold start waits for its turn."""
        request_id = str(uuid.uuid4())
        container, generation = self._acquire(background=asynchronous, init_ticket=init_ticket)
        init_seconds, container.init_seconds = container.init_seconds, None
        init_cpu_seconds, container.init_cpu_seconds = container.init_cpu_seconds, None
        started = time.monotonic()
        try:
            outcome = container.call(event, self._context(request_id), float(self.spec.timeout))
        finally:
            self._release(container, generation)
        ended = time.monotonic()
        ran = Invocation(
            self.name,
            request_id,
            event,
            started=started,
            ended=ended,
            cpu_seconds=float(outcome.get("cpu", 0.0)),
            init_seconds=init_seconds,
            init_cpu_seconds=init_cpu_seconds,
            asynchronous=asynchronous,
        )
        if "result" in outcome:
            return dataclasses.replace(ran, result=outcome["result"])
        return dataclasses.replace(
            ran,
            error_type=str(outcome.get("errorType")),
            error_message=str(outcome.get("errorMessage")),
        )

    def _acquire(
        self, *, background: bool = False, init_ticket: int | None = None
    ) -> tuple[Container, int]:
        if background and init_ticket is not None:
            # One background init at a time, in the order asked for, so that the first the
            # execution needs is ready first (the idle container a call started meanwhile
            # serves the warm-up instead): on AWS each would have CPU of its own; on this
            # machine's few cores, all at once, every one would finish late.
            with self._host.background_inits.turn(init_ticket):
                if not self._has_container():
                    return self._acquire_now(background=True)
            # A call started a container while this warm-up waited its turn (it came first
            # only because the inits here run one at a time): on Lambda the warm-up's own
            # container would have served that call, so one init, not two. Take that one.
            return self._take_started_container()
        return self._acquire_now()

    def _has_container(self) -> bool:
        with self._lock:
            return bool(self._idle) or self._busy > 0

    def _take_started_container(self) -> tuple[Container, int]:
        """The container a call started, once it is idle (a new one if none is left)."""
        with self._lock:
            while not self._idle and self._busy > 0:
                self._lock.wait()
            if self._idle:
                self._busy += 1
                return self._idle.pop(), self._generation
        return self._acquire_now()

    def _acquire_now(self, *, background: bool = False) -> tuple[Container, int]:
        with self._lock:
            while not self._idle and self._busy >= self._max_containers:
                self._lock.wait()
            self._busy += 1
            generation = self._generation
            if self._idle:
                return self._idle.pop(), generation
        try:
            return self._start_container(background=background), generation
        except BaseException:
            with self._lock:
                self._busy -= 1
                self._lock.notify()
            raise

    def _release(self, container: Container, generation: int) -> None:
        with self._lock:
            self._busy -= 1
            keep = container.alive and generation == self._generation
            if keep:
                self._idle.append(container)
            self._lock.notify()
        if not keep:
            self._retire(container)

    def _retire(self, container: Container) -> None:
        container.stop()
        if self._cold_starts is not None and self._cold_starts.quota is not None:
            self._cold_starts.quota.release(container.pid)

    def _start_container(self, *, background: bool = False) -> Container:
        environment = {
            **{k: v for k, v in os.environ.items() if k.lower() not in HOST_ONLY_VARIABLES},
            **self._lambda_variables(),
            **self.environment,
            **self._aws_environment,
        }
        environment.pop("AWS_PROFILE", None)
        environment.pop("PYTHONPATH", None)
        spawned = self._spawn(environment, self._search_path, Path(self._search_path[0]))
        container = Container(self.name, spawned, self._capture)
        if self._cold_starts is None:
            return container
        # On Lambda each container has CPU of its own: an init started in the background (an
        # asynchronous call's) takes none from the calls an execution waits for. On this
        # machine's few cores it runs at the lowest priority instead, on the CPU they leave.
        if background:
            _set_nice(container.pid, BACKGROUND_NICE)
        # Init runs at full CPU, as on Lambda; only then does the container get its share. A
        # background init may wait for CPU as long as the call it serves may run.
        limit = float(self.spec.timeout) if background else INIT_TIMEOUT_SECONDS
        if not container.wait_for_init(limit):
            container.stop()  # its init never ended: the call finds it gone, and fails
        if background:
            _set_nice(container.pid, 0)
        if self._cold_starts.quota is not None and container.alive:
            self._cold_starts.quota.limit(container.pid, lambda_cpu_share(self.spec.memory_size))
        return container

    def _context(self, request_id: str) -> dict[str, Any]:
        return {
            "function_name": self.name,
            "function_version": "$LATEST",
            "invoked_function_arn": self.arn,
            "memory_limit_in_mb": self.spec.memory_size,
            "aws_request_id": request_id,
            "log_group_name": f"/aws/lambda/{self.name}",
            "log_stream_name": f"local/[$LATEST]{request_id.replace('-', '')}",
            "remaining_ms": int(self.spec.timeout * 1000),
        }

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


class LambdaHost:
    """The dispatcher behind moto's Lambda: install, register functions, uninstall."""

    def __init__(self, cold_starts: ColdStarts | None = None) -> None:
        self.cold_starts = cold_starts
        self._functions: dict[str, FunctionHost] = {}
        self._invocations: list[Invocation] = []
        self._lock = threading.Lock()
        self._saved_invoke: Any = None
        self._zygote: Zygote | None = None
        self._background: set[threading.Thread] = set()
        # Cold mode: see FunctionHost._acquire.
        self.background_inits = Turnstile(cold_starts.background_inits if cold_starts else 1)

    @property
    def zygote(self) -> Zygote:
        """The container factory of every function hosted here (started on first use)."""
        with self._lock:
            if self._zygote is None:
                self._zygote = Zygote()
            return self._zygote

    def spawn(self, environment: Mapping[str, str], search_path: list[str], cwd: Path) -> Spawned:
        """A new container: started fresh for cold starts, else forked by the factory."""
        if self.cold_starts is not None:
            return spawn_fresh(environment, search_path, cwd)
        return self.zygote.spawn(environment, search_path, cwd)

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

    def invoke(self, name_or_arn: str, event: Any) -> Invocation:
        function = self.function(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")
        invocation = function.invoke(event)
        with self._lock:
            self._invocations.append(invocation)
        return invocation

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """``InvocationType: Event``: the call runs in the background, as Lambda runs a queued
        event, and the caller goes on at once. It takes a container as any call does: an idle
        one, else a new one (a cold start, init at full CPU); its outcome is recorded, and a
        failure reaches no caller."""
        function = self.function(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")

        # Taken here, in the caller's thread, so that the order is the order asked for.
        ticket = self.background_inits.ticket() if self.cold_starts is not None else None

        def run() -> None:
            try:
                invocation = function.invoke(event, asynchronous=True, init_ticket=ticket)
                with self._lock:
                    self._invocations.append(invocation)
            except Exception:  # noqa: S110 - the host is stopping: no container starts
                pass
            finally:
                if ticket is not None:
                    self.background_inits.give_up(ticket)
                with self._lock:
                    self._background.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=f"async {function.name}", daemon=True)
        with self._lock:
            self._background.add(thread)
        thread.start()

    def wait_for_async(self, timeout: float = 30.0) -> bool:
        """Wait for the background calls started so far; False if some still run."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                running = list(self._background)
            if not running:
                return True
            for thread in running:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._lock:
                    return not self._background

    def install(self) -> None:
        if self._saved_invoke is not None:
            raise RuntimeError("LambdaHost is already installed")
        self._saved_invoke = LambdaSimpleBackend.invoke
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
            if headers.get("X-Amz-Invocation-Type") == "Event":
                host.invoke_async(function_name, json.loads(text))
                return b""  # moto answers 202
            invocation = host.invoke(function_name, json.loads(text))
            if invocation.failed:
                response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(invocation.payload()).encode()

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        if self._saved_invoke is not None:
            LambdaSimpleBackend.invoke = self._saved_invoke  # type: ignore[method-assign]
            self._saved_invoke = None
        self.wait_for_async(INIT_TIMEOUT_SECONDS)
        for function in self._functions.values():
            function.close()
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None
        if self.cold_starts is not None and self.cold_starts.quota is not None:
            self.cold_starts.quota.release_all()
