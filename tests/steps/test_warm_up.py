"""The pre-warm: which functions a request's path warms, the asynchronous invokes, and the
no-op answer of a step handler to the warm-up event."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aep_activation import warm_up
from aep_activation.observability import step_handler
from tests.support.lambda_context import LambdaContext

NEW = "arn:aws:lambda:us-east-1:123456789012:function:ResolveSpecs:3"
LATER = "arn:aws:lambda:us-east-1:123456789012:function:ActivateAudiences:7"
DATA_PREP = "arn:aws:lambda:us-east-1:123456789012:function:EnsureMappingSet:2"
ENVIRON = {
    warm_up.NEW_DATAFLOW_VARIABLE: f"{NEW}, {DATA_PREP}, {LATER}",
    warm_up.EXISTING_DATAFLOW_VARIABLE: LATER,
}

CONTEXT = LambdaContext(function_version="3")


class RecordingLambda:
    """Stands where Lambda's API would: records each invoke, answers as Lambda does (202)."""

    def __init__(self) -> None:
        self.invokes: list[dict[str, Any]] = []

    def invoke(self, **arguments: Any) -> dict[str, Any]:
        self.invokes.append(arguments)
        return {"StatusCode": 202}


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        # In the order the path calls them: the local runtime runs the inits in that order.
        ({"operation": "apply", "dataflowId": None}, [NEW, DATA_PREP, LATER]),
        ({"dataflowId": "d8a3f1c2-4b5e-4f6a-8b7c-9d0e1f2a3b4c"}, [LATER]),
        ({"operation": "plan", "dataflowId": None}, []),
        ({"operation": "teardown", "dataflowId": "d8a3f1c2-4b5e-4f6a-8b7c-9d0e1f2a3b4c"}, []),
    ],
)
def test_a_request_warms_only_the_functions_its_path_calls(
    request_: dict[str, Any], expected: list[str]
) -> None:
    assert warm_up.functions_for(request_, ENVIRON) == expected


def test_no_list_in_the_environment_warms_nothing() -> None:
    assert warm_up.functions_for({"dataflowId": None}, {}) == []


def test_each_function_is_invoked_asynchronously_with_the_no_op_event() -> None:
    client = RecordingLambda()

    assert warm_up.warm_up([NEW, LATER], client) == 2
    assert [call["FunctionName"] for call in client.invokes] == [NEW, LATER]
    assert {call["InvocationType"] for call in client.invokes} == {"Event"}
    assert all(json.loads(call["Payload"]) == warm_up.WARM_UP_EVENT for call in client.invokes)


@mock_aws
def test_a_warm_up_that_cannot_start_is_logged_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = boto3.client("lambda", region_name="us-east-1")  # no such function there

    assert warm_up.warm_up([NEW, LATER], client) == 0
    warnings = [r for r in caplog.records if r.getMessage() == "warm-up not started"]
    assert [(r.function, r.error) for r in warnings] == [  # type: ignore[attr-defined]
        (NEW, "ResourceNotFoundException"),
        (LATER, "ResourceNotFoundException"),
    ]


@mock_aws
def test_the_handler_s_own_client_logs_lambda_s_error_code(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ValidateRequest's client (signed requests, no SDK), against moto's Lambda."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "testing")

    assert warm_up.warm_up([NEW], warm_up.lambda_client()) == 0
    warnings = [r for r in caplog.records if r.getMessage() == "warm-up not started"]
    assert [(r.function, r.error) for r in warnings] == [  # type: ignore[attr-defined]
        (NEW, "ResourceNotFoundException")
    ]


calls: list[dict[str, Any]] = []


@step_handler
def a_step(event: dict[str, Any], context: Any) -> dict[str, Any]:
    calls.append(event)
    return {"done": True}


def test_a_step_answers_the_warm_up_event_without_running() -> None:
    calls.clear()

    assert a_step(dict(warm_up.WARM_UP_EVENT), CONTEXT) == warm_up.WARMED_UP
    assert calls == []


@pytest.mark.parametrize(
    "event",
    [{"request": {}}, {warm_up.WARM_UP_KEY: "true", "request": {}}, {"warmUp": True}],
)
def test_any_other_event_runs_the_step(event: dict[str, Any]) -> None:
    calls.clear()

    assert a_step(event, CONTEXT) == {"done": True}
    assert calls == [event]


def test_a_container_warms_a_function_again_only_once_it_may_have_gone_cold() -> None:
    warm_up.forget_warm_ups()
    client = RecordingLambda()
    fresh = {"operation": "apply", "dataflowId": None}
    existing = {"dataflowId": "d8a3f1c2-4b5e-4f6a-8b7c-9d0e1f2a3b4c"}
    later = warm_up.REWARM_AFTER_SECONDS

    with pytest.MonkeyPatch.context() as patch:
        for variable, value in ENVIRON.items():
            patch.setenv(variable, value)
        counts = [
            warm_up.warm_up_for(existing, client, now=1000.0),  # LATER
            warm_up.warm_up_for(existing, client, now=1001.0),  # LATER is warm
            warm_up.warm_up_for(fresh, client, now=1002.0),  # NEW and DATA_PREP only
            warm_up.warm_up_for(fresh, client, now=1000.0 + later),  # LATER again
        ]
    warm_up.forget_warm_ups()

    assert counts == [1, 0, 2, 1]
    assert [call["FunctionName"] for call in client.invokes] == [LATER, NEW, DATA_PREP, LATER]
