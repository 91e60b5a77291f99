"""Every step's time fits, and Adobe's Retry-After is honoured.

- The budget chain holds for every Task: one call at its worst (connect + read timeout, four
  attempts) plus the late-write wait < the function's Timeout < the Task's TimeoutSeconds.
- The Lambda's own timeout error is retried as transient by every Task.
- Inside an invocation, calls are shortened to the time left and none starts without it.
- Paging stops at a bound with a named error.
- A 429's Retry-After is waited out inside the step when it fits, and only then.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from aep_activation import budget
from aep_activation.config import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
from aep_activation.errors import FlowServiceThrottled, FlowServiceUnavailable, PagingLimitExceeded
from local.emulator import Emulator, Fault
from local.runtime.template import load_template
from tests.hardening.clients import client_for
from tests.statemachine.harness import REPOSITORY

LAMBDA_TIMEOUT_ERRORS = {"Sandbox.Timedout", "Lambda.Unknown"}


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        # Lambda Tasks: native integrations (arn:aws:states:::...) run no function.
        if state["Type"] == "Task" and not state["Resource"].startswith("arn:aws:states:::"):
            yield name, state
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])


def test_every_task_fits_the_budget_chain_and_retries_the_lambda_timeout() -> None:
    template = load_template(REPOSITORY / "template.yaml")
    (machine,) = template.state_machines.values()
    definition = json.loads(machine.definition_path.read_text(encoding="utf-8"))
    by_placeholder = {  # each names a function's published version: !Ref Function.Version
        "${" + key + "}": value["Ref"].partition(".")[0]
        for key, value in machine.substitutions.items()
        if value["Ref"].endswith(".Version")
    }
    # The lease's native DynamoDB states run no function: test_lambda_retriers covers them.
    tasks = {
        name: task
        for name, task in _tasks(definition["States"])
        if not task["Resource"].startswith("arn:aws:states:::")
    }
    assert len(tasks) >= 12
    for name, task in tasks.items():
        function = template.functions[by_placeholder[task["Resource"]]]
        connect = float(function.environment.get("HTTP_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT))
        read = float(function.environment.get("HTTP_READ_TIMEOUT", DEFAULT_READ_TIMEOUT))
        worst = budget.worst_case_invocation_seconds(connect, read)
        assert worst < function.timeout < task["TimeoutSeconds"], (
            name,
            worst,
            function.timeout,
            task["TimeoutSeconds"],
        )
        # Adobe's steps retry FlowServiceUnavailable.
        transient = [r for r in task["Retry"] if "FlowServiceUnavailable" in r["ErrorEquals"]]
        assert len(transient) == 1, name
        assert set(transient[0]["ErrorEquals"]) >= LAMBDA_TIMEOUT_ERRORS, name


class Context:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


@pytest.fixture
def one_second_left() -> Iterator[None]:
    token = budget.begin(Context(budget.MARGIN_SECONDS + 1.5))
    yield
    budget.end(token)


def test_a_call_gives_up_within_the_invocations_time_left(
    emulator: Emulator, one_second_left: None
) -> None:
    client = client_for(emulator, timeout=(2.0, 30.0))
    client.connections.list()  # a token, and a first answer, well within the time
    emulator.inject(Fault.latency(4.0, method="GET", path="/connections"))

    with pytest.raises(FlowServiceUnavailable, match="did not answer within the timeout"):
        client.connections.list()  # its 30 s read timeout was cut to what was left
    with pytest.raises(FlowServiceUnavailable, match="time budget ran out"):
        client.connections.list()  # nothing is left: not even sent


class EndlessPages(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        page = {"items": [], "_links": {"next": {"href": f"/connections?page={self.hits}"}}}
        payload = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_paging_stops_at_the_bound_with_a_named_error(emulator: Emulator) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EndlessPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = client_for(emulator, platform_url=f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(PagingLimitExceeded, match=str(budget.MAX_PAGES)):
            client.connections.list()
    finally:
        server.shutdown()
        server.server_close()
    assert EndlessPages.hits == budget.MAX_PAGES


def test_retry_after_is_waited_out_inside_the_step_when_it_fits(
    emulator: Emulator,
) -> None:
    slept: list[float] = []
    client = client_for(emulator, sleep=slept.append)
    emulator.inject(Fault.status_code(429, method="GET", path="/connections", retry_after=3))
    token = budget.begin(Context(60))
    try:
        assert client.connections.list() == []
    finally:
        budget.end(token)
    assert slept == [3.0]
    statuses = [r.status for r in emulator.requests if r.path.endswith("/connections")]
    assert statuses == [429, 200]


def test_retry_after_beyond_the_budget_goes_to_the_state_machine(emulator: Emulator) -> None:
    slept: list[float] = []
    client = client_for(emulator, sleep=slept.append)
    emulator.inject(Fault.status_code(429, method="GET", path="/connections", retry_after=120))
    token = budget.begin(Context(60))
    try:
        with pytest.raises(FlowServiceThrottled) as caught:
            client.connections.list()
    finally:
        budget.end(token)
    assert caught.value.retry_after == 120
    assert slept == []
