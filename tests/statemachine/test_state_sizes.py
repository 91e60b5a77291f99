"""Every state stays at or under 192 KiB at Adobe's maxima, for every operation.

Step Functions fails an execution with ``States.DataLimitExceeded`` (which no ``States.ALL``
catches) when a state's input, output or a task's result exceeds 256 KiB. Each test drives
one operation with the largest request the product accepts (``maxima.py``: 250 audiences, 50
attributes, long names and templates, just under the request guard) through the local
runtime and reads the largest payload in the execution's history.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from aep_activation.limits import MAX_AUDIENCES
from aep_activation.slim import FULL_RESULT_MESSAGE, STATE_BUDGET
from local.runtime import ExecutionResult
from local.runtime.sleeps import add_wait_listener, remove_wait_listener
from tests.statemachine.harness import Machine, scheduled_daily_from
from tests.statemachine.maxima import largest_request

# Where the history carries a payload, per event type's details.
_PAYLOADS = ("input", "output", "parameters")


def largest_payload(machine: Machine, execution_arn: str) -> tuple[int, str]:
    """The largest input, output, parameters or result in the history, in UTF-8 bytes, and
    which event carried it."""
    largest, where = 0, ""
    state = ""
    for event in machine.stack.history(execution_arn):
        entered = event.get("stateEnteredEventDetails")
        if entered:
            state = entered["name"]
        for key, details in event.items():
            if not key.endswith("EventDetails") or not isinstance(details, dict):
                continue
            for field in _PAYLOADS:
                text = details.get(field)
                if isinstance(text, str) and len(text.encode("utf-8")) > largest:
                    largest = len(text.encode("utf-8"))
                    where = f"{event['type']} {field} in {state}"
    return largest, where


def assert_within_budget(machine: Machine, result: ExecutionResult) -> None:
    largest, where = largest_payload(machine, result.arn)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert largest <= STATE_BUDGET, f"{largest} bytes at {where}"


def full_lists(machine: Machine, execution_arn: str, step: str) -> dict[str, list[Any]]:
    """The whole lists a step logged when its result had to be cut, put back together from
    the log lines a user would query (message, correlation id = the execution)."""
    parts: dict[str, list[tuple[int, list[Any]]]] = {}
    for line in machine.stack.captured_logs:
        try:
            record = json.loads(line.text)
        except ValueError:
            continue
        if (
            isinstance(record, dict)
            and record.get("message") == FULL_RESULT_MESSAGE
            and record.get("correlation_id") == execution_arn
            and record.get("step") == step
        ):
            parts.setdefault(record["field"], []).append((record["offset"], record["items"]))
    return {
        field: [item for _, items in sorted(chunks, key=lambda c: c[0]) for item in items]
        for field, chunks in parts.items()
    }


def assert_cut_and_logged(
    machine: Machine, execution_arn: str, step: str, result: dict[str, Any]
) -> dict[str, list[Any]]:
    """``result`` says which lists were cut, to how many, and where the whole lists are; the
    log gives them back whole, starting with what the result kept."""
    truncated = result["truncated"]
    assert truncated["fullListsIn"]["message"] == FULL_RESULT_MESSAGE
    assert truncated["fullListsIn"]["correlationId"] == execution_arn
    logged = full_lists(machine, execution_arn, step)
    assert set(logged) == set(truncated["lists"])
    for field, counts in truncated["lists"].items():
        assert len(logged[field]) == counts["total"] > counts["kept"] == len(result[field])
        assert logged[field][: counts["kept"]] == result[field]
    return logged


@pytest.fixture
def clocked(machine: Machine) -> Iterator[Machine]:
    """Skipped Wait states move the emulator's clock, as the time would have passed."""
    add_wait_listener(machine.emulator.advance_clock)
    yield machine
    remove_wait_listener(machine.emulator.advance_clock)


def _other_audiences(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The same audiences under other ids: a plan or prune that changes every one."""
    return [{**a, "id": str(uuid.UUID(int=10_000 + i))} for i, a in enumerate(request["audiences"])]


def test_apply_at_the_maxima_stays_within_the_budget(machine: Machine) -> None:
    assert_within_budget(machine, machine.run(largest_request("maxima-apply")))


def test_plan_at_the_maxima_stays_within_the_budget_and_keeps_the_whole_plan(
    machine: Machine,
) -> None:
    request = largest_request("maxima-plan")
    assert machine.run(request).status == "SUCCEEDED"
    plan = {**request, "audiences": _other_audiences(request), "operation": "plan", "prune": True}

    result = machine.run(plan)

    assert_within_budget(machine, result)
    summary = result.output["plan"]
    logged = assert_cut_and_logged(machine, result.arn, "PlanActivation", summary)
    # Nothing lost: 250 audiences added and 250 removed, in the patch and in words.
    assert {"patch", "changes"} <= set(logged)
    assert len(logged["patch"]) >= 2 * MAX_AUDIENCES
    added = {
        op["value"]["value"]["id"]
        for op in logged["patch"]
        if op["op"] == "add"
        and isinstance(op.get("value"), dict)
        and isinstance(op["value"].get("value"), dict)
        and "id" in op["value"]["value"]
    }
    assert {a["id"] for a in plan["audiences"]} <= added


def test_prune_at_the_maxima_stays_within_the_budget(machine: Machine) -> None:
    request = largest_request("maxima-prune")
    assert machine.run(request).status == "SUCCEEDED"

    result = machine.run({**request, "audiences": _other_audiences(request), "prune": True})

    assert_within_budget(machine, result)
    changes = result.output["changes"]
    logged = assert_cut_and_logged(machine, result.arn, "ActivateAudiences", changes)
    removed = logged.get("removedAudiences", changes["removedAudiences"])
    assert sorted(removed) == sorted(a["id"] for a in request["audiences"])


def test_teardown_at_the_maxima_stays_within_the_budget(machine: Machine) -> None:
    request = largest_request("maxima-teardown")
    assert machine.run(request).status == "SUCCEEDED"
    dataflow_id = machine.resource_ids(request["sandbox"])["dataflowId"]

    # The largest teardown the guard accepts: it carries the dataflow's id too.
    teardown = largest_request(
        "maxima-teardown", operation="teardown", confirmDataflowId=dataflow_id
    )
    assert_within_budget(machine, machine.run(teardown))


def test_export_now_and_its_run_watch_at_the_maxima_stay_within_the_budget(
    clocked: Machine,
) -> None:
    request = scheduled_daily_from(
        largest_request("maxima-export-now", exportNow=True), datetime.datetime.now(datetime.UTC)
    )
    clocked.emulator.advance_clock(2 * 3600)  # the first scheduled activation is behind us

    result = clocked.run(request)

    assert_within_budget(clocked, result)
    export = result.output["exportNow"]
    assert export["watch"]["finished"] is True
    truncated = export["truncated"]
    assert truncated["fullListsIn"]["correlationId"] == result.arn
    kept = truncated["lists"]["runs"]["kept"]
    assert truncated["lists"]["runs"]["total"] == MAX_AUDIENCES > kept == len(export["runs"])
    logged = full_lists(clocked, result.arn, "ExportNow")["runs"]
    pairs = [(run["audienceId"], run["runId"]) for run in logged]
    assert [a for a, _ in pairs] == [a["id"] for a in request["audiences"]]
    assert pairs[:kept] == [(run["audienceId"], run["runId"]) for run in export["runs"]]
    # The watch followed every run; it reports each one it kept and counts them all.
    assert export["watch"]["statusCounts"] == {"success": MAX_AUDIENCES}
    reported = [run for run in export["runs"] if run["status"] is not None]
    assert reported
    assert all(run["status"] == "success" for run in reported)


def test_the_first_run_watch_at_the_maxima_stays_within_the_budget(clocked: Machine) -> None:
    clocked.emulator.simulate_runs(first_run_after=150)
    request = largest_request("maxima-first-run", waitForFirstRun={"timeoutMinutes": 30})

    assert_within_budget(clocked, clocked.run(request))
