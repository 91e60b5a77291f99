"""Activations against the emulator with a latency per Adobe response: calls, IMS tokens, the
chain of dependent calls, execution times, the tutorial by hand, and SQS throughput."""

from __future__ import annotations

import copy
import itertools
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from aep_activation import warm_up
from aep_activation.catalog import find_destination
from bench.tutorial import run_new_card_tutorial, run_tutorial
from local.emulator import DEFAULT_CLIENT, Emulator, RecordedRequest
from local.emulator.faults import Fault
from local.runtime import LocalDeployment
from local.runtime.fake_secrets import fake_destination_secret
from local.runtime.functions import ColdStarts, Invocation

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
ASL = ROOT / "statemachine" / "activation.asl.json"
EXAMPLE = ROOT / "examples" / "amazon-s3.json"
NEW_CARD_EXAMPLE = ROOT / "examples" / "amazon-s3-new-card.json"
IMS_TOKEN_PATH = "/ims/token/v3"


@dataclass(frozen=True)
class Run:
    seconds: float
    calls: int
    tokens: int
    chain: int  # calls one after another in the request log (handlers run concurrently)
    status: str
    branches_overlapped: bool = False


@dataclass(frozen=True)
class ColdRun:
    """An activation requested through SQS with every function cold, as on AWS when a daily
    activation starts: from SendMessage to the execution's end (the starter included)."""

    seconds: float
    calls: int
    chain: int
    status: str
    cold_starts: tuple[Invocation, ...]  # each function's first call, in a new container
    warm_ups: int = 0  # asynchronous calls (the pre-warm's)
    first_calls: tuple[Invocation, ...] = ()  # each function's first call by the execution

    @property
    def init_seconds(self) -> float:
        return sum(i.init_seconds or 0.0 for i in self.cold_starts)

    @property
    def first_call_cpu(self) -> dict[str, float]:
        """CPU seconds of each function's first call by the activation (not a warm-up's), after
        its imports: in a cold container, or in one a warm-up started."""
        return {i.function: i.cpu_seconds for i in self.first_calls}


def _example(path: Path = EXAMPLE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def observed_chain(calls: Sequence[RecordedRequest]) -> int:
    """The longest run of calls each starting after the previous one was answered."""
    spans = sorted((c.received_at or c.timestamp, c.timestamp) for c in calls)
    longest: list[int] = []
    for i, (start, _) in enumerate(spans):
        before = [longest[j] for j in range(i) if spans[j][1] <= start]
        longest.append(1 + max(before, default=0))
    return max(longest, default=0)


def _when(event: dict[str, Any]) -> float:
    stamp = event["timestamp"]
    return stamp.timestamp() if isinstance(stamp, datetime) else float(stamp)


def execution_seconds(history: Sequence[dict[str, Any]]) -> float:
    """From ExecutionStarted to the execution's end, as Step Functions reports its duration
    (the local StartExecution and the polling for the result are not the execution's)."""
    return _when(history[-1]) - _when(history[0])


def task_windows(history: Sequence[dict[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    """When each Task state ran (entered to exited), by state name."""
    windows: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)
    opened: dict[str, float] = {}
    for event in history:
        details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails")
        if not details:
            continue
        if event["type"] == "TaskStateEntered":
            opened[details["name"]] = _when(event)
        elif event["type"] == "TaskStateExited" and details["name"] in opened:
            windows[details["name"]].append((opened.pop(details["name"]), _when(event)))
    return dict(windows)


def parallel_branches_overlapped(history: Sequence[dict[str, Any]]) -> bool:
    """Whether a Task of one Parallel branch ran while a Task of another branch did, as
    concurrent Lambdas do on AWS (state names are unique in the ASL)."""
    definition = json.loads(ASL.read_text(encoding="utf-8"))
    windows = task_windows(history)
    for state in definition["States"].values():
        if state["Type"] != "Parallel":
            continue
        branches = [
            [w for name in branch["States"] for w in windows.get(name, [])]
            for branch in state["Branches"]
        ]
        for one, other in itertools.combinations(branches, 2):
            if any(a0 < b1 and b0 < a1 for a0, a1 in one for b0, b1 in other):
                return True
    return False


class Bench:
    """One emulator, and one local stack for the activation figures (sleeps skipped)."""

    def __init__(
        self, latency: float, example: Path = EXAMPLE, cold_starts: ColdStarts | None = None
    ) -> None:
        self.latency = latency
        self.emulator = Emulator()
        self.stack: LocalDeployment | None = None
        self.request = _example(example)
        self.cold_starts = cold_starts
        self._deployed: dict[tuple[str, str], str] = {}  # what pre_warm(False) emptied

    @contextmanager
    def running(self) -> Iterator[Bench]:
        with (
            self.emulator,
            LocalDeployment.against(
                self.emulator, TEMPLATE, skip_sleeps=True, cold_starts=self.cold_starts
            ) as stack,
        ):
            self.stack = stack
            for function in stack.template.functions:
                name = stack.function_environment(function).get("ADOBE_CREDENTIALS_SECRET")
                if name:
                    stack.seed_secret(name, DEFAULT_CLIENT.credentials())
                    break
            secret_id = self.request["destination"]["auth"]["secretId"]
            stack.seed_secret(secret_id, self.auth_params())
            yield self

    def auth_params(self) -> dict[str, Any]:
        return dict(fake_destination_secret(self.request) or {})

    def fresh_adobe(self, latency: float | None = None) -> None:
        """Empty Adobe (no resources, no records), every response after ``latency``."""
        self.emulator.reset()
        delay = self.latency if latency is None else latency
        if delay > 0:
            self.emulator.inject(Fault.latency(delay, times=None))

    def activation(self, request: dict[str, Any], *, cold: bool) -> Run:
        assert self.stack is not None
        if cold:  # new containers, and no valid token shared by the stack yet
            self.stack.cold_start()
            self.forget_shared_token()
        mark = len(self.emulator.requests)
        result = self.stack.run(request, timeout=300)
        calls = self.emulator.requests[mark:]
        history = self.stack.history(result.arn)
        return Run(
            seconds=execution_seconds(history),
            calls=len(calls),
            tokens=sum(1 for c in calls if c.path == IMS_TOKEN_PATH),
            chain=observed_chain(calls),
            status=result.status,
            branches_overlapped=parallel_branches_overlapped(history),
        )

    def cold_activation(self, request: dict[str, Any]) -> ColdRun:
        """``request`` sent to the SQS queue with every function cold and no shared token."""
        assert self.stack is not None
        self.stack.cold_start()
        self.forget_shared_token()
        calls_mark, invocations_mark = len(self.emulator.requests), len(self.stack.invocations)
        sent = time.time()
        self.stack.send_sqs(request)
        (arn,) = self.stack.drain_queue().executions
        result = self.stack.wait(arn, timeout=600)
        ended = _when(self.stack.history(arn)[-1])
        calls = self.emulator.requests[calls_mark:]
        self.stack.lambdas.wait_for_async()  # warm-ups still starting belong to this run
        invocations = self.stack.invocations[invocations_mark:]
        return ColdRun(
            seconds=ended - sent,
            calls=len(calls),
            chain=observed_chain(calls),
            status=result.status,
            cold_starts=tuple(i for i in invocations if i.init_seconds is not None),
            warm_ups=sum(1 for i in invocations if i.asynchronous),
            first_calls=tuple(
                {i.function: i for i in reversed(invocations) if not i.asynchronous}.values()
            ),
        )

    def pre_warm(self, on: bool) -> None:
        """Turn ValidateRequest's pre-warm on (the template's lists) or off (empty lists), for
        the containers started from now on."""
        assert self.stack is not None
        for function in self.stack.template.functions:
            host = self.stack.lambdas.function(function)
            assert host is not None
            for variable in (warm_up.NEW_DATAFLOW_VARIABLE, warm_up.EXISTING_DATAFLOW_VARIABLE):
                if variable in host.environment:
                    deployed = self._deployed.setdefault(
                        (function, variable), host.environment[variable]
                    )
                    host.environment[variable] = deployed if on else ""

    def forget_shared_token(self) -> None:
        assert self.stack is not None
        for function in self.stack.template.functions:
            name = self.stack.function_environment(function).get("IMS_TOKEN_CACHE_SECRET")
            if name:
                self.stack.secretsmanager.put_secret_value(SecretId=name, SecretString="{}")
                return

    def only_flow_id(self) -> str:
        (flow,) = self.emulator.list_resources("flows", self.request["sandbox"])
        return str(flow["id"])

    def tutorial(self) -> Run:
        """The tutorial by hand for the request's card: Adobe's Flow Service tutorial, or its
        new-card guide."""
        card = find_destination(self.request["destination"]["type"])
        by_hand = run_new_card_tutorial if card is not None and card.card == "new" else run_tutorial
        mark = len(self.emulator.requests)
        started = time.perf_counter()
        by_hand(
            self.emulator.platform_url,
            self.emulator.ims_url,
            DEFAULT_CLIENT.credentials(),
            self.request,
            self.auth_params(),
        )
        seconds = time.perf_counter() - started
        calls = self.emulator.requests[mark:]
        tokens = sum(1 for c in calls if c.path == IMS_TOKEN_PATH)
        return Run(seconds, len(calls), tokens, observed_chain(calls), "SUCCEEDED")


def new_audience(number: int) -> dict[str, Any]:
    """An audience the example does not hold (ids must be UUIDs)."""
    audience: dict[str, Any] = copy.deepcopy(_example()["audiences"][0])
    audience["id"] = f"00000000-0000-4000-8000-{number:012d}"
    audience["name"] = f"Bench audience {number}"
    return audience


def adding_audience(
    request: dict[str, Any], dataflow_id: str, number: int, name: str | None = None
) -> dict[str, Any]:
    """``request`` adding one new audience to ``dataflow_id``; ``name``: the activation that
    made that flow (requests for one activation take turns on its lease)."""
    changed = copy.deepcopy(request)
    changed["dataflowId"] = dataflow_id
    changed["audiences"] = [new_audience(number)]
    if name is not None:
        changed["name"] = name
    return changed


@dataclass(frozen=True)
class Throughput:
    requests: int
    dataflows: int
    seconds: float
    calls: int
    minimum_calls: int
    etag_conflicts: int
    tokens: int
    failed: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def throughput(bench: Bench, requests: int = 200, dataflows: int = 10) -> Throughput:
    """``requests`` SQS messages, each adding one audience to one of ``dataflows`` existing
    flows (made first, not counted), drained through the StartActivation trigger. Each flow
    is its own activation: its requests take turns on that activation's lease, waiting with
    the state machine's real (jittered) back-off: the stack sleeps as AWS would."""
    assert bench.stack is not None
    with bench.stack.sleeping():
        return _throughput(bench, bench.stack, requests, dataflows)


def _throughput(bench: Bench, stack: LocalDeployment, requests: int, dataflows: int) -> Throughput:
    bench.fresh_adobe(latency=0.0)
    flows: list[str] = []
    for index in range(dataflows):
        request = copy.deepcopy(bench.request)
        request["name"] = f"bench-throughput-{index}"
        result = stack.run(request, timeout=300)
        if result.status != "SUCCEEDED":
            raise RuntimeError(f"setting up dataflow {index} failed: {result.error}")
        named = [
            f
            for f in bench.emulator.list_resources("flows", request["sandbox"])
            if f["name"].startswith(f"{request['name']} ")
        ]
        flows.append(str(named[0]["id"]))
    stack.cold_start()
    bench.forget_shared_token()
    mark = len(bench.emulator.requests)
    started = time.perf_counter()
    for number in range(requests):
        index = number % dataflows
        stack.send_sqs(
            adding_audience(bench.request, flows[index], number, f"bench-throughput-{index}")
        )
    drained = stack.drain_queue(max_batches=10_000)
    results = [stack.wait(arn, timeout=600, poll=0.05) for arn in drained.executions]
    seconds = time.perf_counter() - started
    calls = bench.emulator.requests[mark:]
    # Each request's minimum: read the flow, PATCH it, read it back (a token on top if cold).
    return Throughput(
        requests=requests,
        dataflows=dataflows,
        seconds=seconds,
        calls=len(calls),
        minimum_calls=3 * requests + 1,
        etag_conflicts=sum(1 for c in calls if c.status == 412),
        tokens=sum(1 for c in calls if c.path == IMS_TOKEN_PATH),
        failed=sum(1 for r in results if r.status != "SUCCEEDED") + requests - len(results),
    )


def median_run(runs: Sequence[Run]) -> Run:
    ordered = sorted(runs, key=lambda r: r.seconds)
    middle = ordered[len(ordered) // 2]
    return Run(
        statistics.median(r.seconds for r in runs),
        middle.calls,
        middle.tokens,
        middle.chain,
        middle.status,
        middle.branches_overlapped,
    )


def through_the_cli(example: Path, latency: float) -> Run:
    """``python -m local run`` against ``python -m local emulator`` served on its own, as a
    user runs them (two processes, real sockets), every Adobe answer after ``latency``. The
    calls are the emulator's recorded requests; ``seconds`` is the CLI's whole run."""
    request = _example(example)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    emulator = subprocess.Popen(  # noqa: S603 - this interpreter, the project's own module
        [sys.executable, "-m", "local", "emulator", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(url)
        _admin(url, "POST", "/__admin/faults", Fault.latency(latency, times=None).to_dict())
        with tempfile.TemporaryDirectory() as folder:
            credentials, secrets = Path(folder) / "credentials.json", Path(folder) / "secrets.json"
            credentials.write_text(json.dumps(DEFAULT_CLIENT.credentials()), encoding="utf-8")
            secret_id = request["destination"]["auth"]["secretId"]
            secrets.write_text(
                json.dumps({secret_id: fake_destination_secret(request)}), encoding="utf-8"
            )
            started = time.perf_counter()
            ran = subprocess.run(  # noqa: S603 - this interpreter, the project's own CLI
                [
                    *(sys.executable, "-m", "local", "run", str(example), "--json"),
                    *("--platform-url", f"{url}/data/foundation/flowservice"),
                    *("--ims-url", url, "--credentials", str(credentials)),
                    *("--secrets", str(secrets)),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - started
        status = str(json.loads(ran.stdout).get("status")) if ran.stdout.strip() else "ERROR"
        recorded = _admin(url, "GET", "/__admin/requests")["items"]
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    calls = [RecordedRequest(**item) for item in recorded]
    return Run(
        seconds=seconds,
        calls=len(calls),
        tokens=sum(1 for c in calls if c.path == IMS_TOKEN_PATH),
        chain=observed_chain(calls),
        status=status,
    )


def _admin(url: str, method: str, path: str, body: Any = None) -> Any:
    """The served emulator's control surface (``/__admin``)."""
    answer = requests.request(method, url + path, json=body, timeout=30)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _admin(url, "GET", "/__admin/health")
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
