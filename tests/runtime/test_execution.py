"""The runtime executes an ASL file for real: retries, catch, parallel, waits, environments."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from local.runtime import LocalDeployment
from tests.runtime.conftest import BACKOFF_RATE, INTERVAL_SECONDS, MAX_ATTEMPTS, MAX_DELAY_SECONDS


def declared_backoff(retries: int) -> list[float]:
    """What the fixture's Retry declares: IntervalSeconds * BackoffRate^n, capped."""
    return [min(INTERVAL_SECONDS * BACKOFF_RATE**n, MAX_DELAY_SECONDS) for n in range(retries)]


def test_a_task_failing_then_succeeding_is_retried_with_the_declared_backoff(
    stack: LocalDeployment,
) -> None:
    result = stack.run({"failTimes": 3}, timeout=30)

    assert result.succeeded, (result.error, result.cause)
    assert result.retry_sleeps("Flaky") == declared_backoff(3)
    (flaky,) = result.visits_of("Flaky")
    assert flaky.attempts == 4
    assert [failure.error for failure in flaky.failures] == ["Flaky"] * 3
    assert result.output["result"]["flaky"]["attempts"] == 4


def test_retries_exhausted_are_caught_by_error_name(stack: LocalDeployment) -> None:
    attempts_allowed = 1 + MAX_ATTEMPTS

    result = stack.run({"failTimes": attempts_allowed}, timeout=30)

    assert result.status == "FAILED"
    assert result.error == "Flaky"
    assert json.loads(result.cause or "") == {
        "errorType": "Flaky",
        "errorMessage": f"attempt {attempts_allowed} fails",
    }
    assert result.states[-1] == "GaveUp"
    assert "Pause" not in result.states
    assert result.retry_sleeps("Flaky") == declared_backoff(MAX_ATTEMPTS)


def test_parallel_branches_each_run_with_their_own_function_environment(
    stack: LocalDeployment,
) -> None:
    result = stack.run({"failTimes": 0}, timeout=30)

    assert set(result.states) == {"Branches", "Flaky", "Echo", "Pause", "Done"}
    flaky, echo = result.output["result"]["flaky"], result.output["result"]["echo"]
    assert (flaky["role"], echo["role"]) == ("flaky", "echo")
    assert flaky["greeting"] == "hello"  # Globals, from the parameter's default
    assert (flaky["memory"], echo["memory"]) == (192, 512)
    assert flaky["function"] == "FlakyFunction"
    assert flaky["hasTimeLeft"] is True
    assert echo["queueUrl"] == stack.physical("WorkQueue")
    assert echo["where"] == "us-east-1/local/${NotAVariable}"
    assert echo["mood"] == "cheerful"


def test_parameter_overrides_reach_the_environment(project: Path) -> None:
    with LocalDeployment(project, parameter_overrides={"Greeting": "good day"}) as stack:
        result = stack.run({"failTimes": 0}, timeout=30)

    assert result.output["result"]["flaky"]["greeting"] == "good day"
    assert result.output["result"]["echo"]["mood"] == "formal"


def test_environment_overrides_apply_to_every_function_and_do_not_leak(
    stack: LocalDeployment,
) -> None:
    assert "ROLE" not in os.environ
    result = stack.run({"failTimes": 0}, timeout=30)

    assert result.succeeded
    assert "ROLE" not in os.environ
    assert stack.function_environment("EchoFunction")["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_the_hosts_proxy_and_ca_settings_do_not_reach_a_container(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Lambda container has none unless its template sets them."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/host-bundle.pem")
    with LocalDeployment(project) as stack:
        result = stack.run({"failTimes": 0}, timeout=30)

    assert result.succeeded
    assert result.output["result"]["echo"]["hostHttpSettings"] == []


def test_wait_states_are_recorded_not_slept(stack: LocalDeployment) -> None:
    result = stack.run({"failTimes": 0}, timeout=30)

    waits = [(s.state, s.seconds) for s in result.sleeps if s.kind == "wait"]
    assert waits == [("Pause", 30.0)]


def test_definition_substitutions_come_from_the_template(stack: LocalDeployment) -> None:
    definition = json.loads(
        stack.stepfunctions.describe_state_machine(stateMachineArn=stack.state_machine_arn())[
            "definition"
        ]
    )
    branches = definition["States"]["Branches"]["Branches"]

    assert branches[0]["States"]["Flaky"]["Resource"] == stack.physical("FlakyFunction", "Arn")
    assert branches[1]["States"]["Echo"]["Resource"] == stack.physical("EchoFunction", "Arn")


def test_module_state_is_per_function_and_survives_warm_calls(stack: LocalDeployment) -> None:
    first = stack.run({"failTimes": 0}, timeout=30)
    second = stack.run({"failTimes": 0}, timeout=30)
    stack.cold_start()
    third = stack.run({"failTimes": 0}, timeout=30)

    echoes = [r.output["result"]["echo"] for r in (first, second, third)]
    # Flaky bumps the same layer module, but in its own copy: Echo counts only its calls.
    assert [echo["warmCalls"] for echo in echoes] == [1, 2, 1]
    # What a handler puts in os.environ stays in its container, and only there.
    assert [echo["envCalls"] for echo in echoes] == [1, 2, 1]
    assert not any(r.output["result"]["flaky"]["seesEchoVariable"] for r in (first, second, third))
    assert "ECHO_CALLS" not in os.environ


def test_handler_output_is_captured_per_function_and_other_output_is_not(
    stack: LocalDeployment,
) -> None:
    print("printed by the test itself")
    stack.run({"failTimes": 1}, timeout=30)

    lines = stack.captured_logs
    assert [line.text for line in lines if line.function == "FlakyFunction"] == [
        "flaky attempt 1",
        "flaky attempt 2",
    ]
    echo_lines = [line for line in lines if line.function == "EchoFunction"]
    assert [(line.source, line.text) for line in echo_lines] == [
        ("logging", "WARNING echo echo saw ['failTimes']")
    ]
    assert all("printed by the test itself" not in text for text in stack.log_lines)


def test_an_execution_input_and_states_are_reported_in_order(stack: LocalDeployment) -> None:
    result = stack.run({"failTimes": 0}, name="ordered", timeout=30)

    assert result.name == "ordered"
    assert result.input == {"failTimes": 0}
    assert result.states[0] == "Branches"
    assert result.states[-2:] == ("Pause", "Done")
    assert result.events[0]["type"] == "ExecutionStarted"
    assert result.events[-1]["type"] == "ExecutionSucceeded"


def test_invoking_through_the_lambda_api_reports_failures_as_lambda_does(
    stack: LocalDeployment,
) -> None:
    lambda_client = stack.client("lambda")

    broken = lambda_client.invoke(FunctionName="BrokenFunction", Payload=b"{}")
    odd = lambda_client.invoke(FunctionName="OddFunction", Payload=b"{}")

    assert broken["FunctionError"] == "Unhandled"
    assert json.loads(broken["Payload"].read()) == {
        "errorType": "Runtime.ImportModuleError",
        "errorMessage": "Unable to import module 'app': this module cannot be imported",
    }
    assert odd["FunctionError"] == "Unhandled"
    assert json.loads(odd["Payload"].read())["errorType"] == "Runtime.MarshalError"
    assert [i.function for i in stack.invocations] == ["BrokenFunction", "OddFunction"]


def test_the_caller_can_read_the_environment_while_handlers_run(stack: LocalDeployment) -> None:
    execution = stack.start_execution({"failTimes": 2})
    seen_roles = set()
    while stack.stepfunctions.describe_execution(executionArn=execution)["status"] == "RUNNING":
        seen_roles.add(dict(os.environ).get("ROLE"))  # iterating must never break

    assert stack.wait(execution).succeeded
    assert seen_roles == {None}


def test_waiting_gives_up_at_its_timeout_naming_where_the_execution_is(
    stack: LocalDeployment,
) -> None:
    with stack.sleeping(scale=1.0):
        execution = stack.start_execution({"failTimes": 0})
        with pytest.raises(TimeoutError, match=r"still running after 0\.5s; states so far") as e:
            stack.wait(execution, timeout=0.5)
        stack.stepfunctions.stop_execution(executionArn=execution)

    assert "states so far: ('Branches'" in str(e.value)  # from its history, before the 30 s Wait
