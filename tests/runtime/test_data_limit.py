"""The local runtime holds every state to Step Functions' 256 KiB as AWS does: 262,144 bytes
pass, one more fails the execution with ``States.DataLimitExceeded``, which no ``States.ALL``
retries or catches; the input ``Parameters`` make is held to it too."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.runtime.moto_fixes import MAX_STATE_BYTES, DataLimitFix

ROLE = "arn:aws:iam::123456789012:role/sfn"
# {"v":"..."} around the padding: 8 bytes.
WRAPPER = len(json.dumps({"v": ""}, separators=(",", ":")))


def _padding(total_bytes: int) -> str:
    return "x" * (total_bytes - WRAPPER)


def _caught(first: dict[str, Any]) -> dict[str, Any]:
    """``first`` inside a Parallel (a Pass state takes no Retry or Catch) whose Retry and
    Catch on ``States.ALL`` would end the execution SUCCEEDED."""
    return {
        "StartAt": "Big",
        "States": {
            "Big": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "Inner", "States": {"Inner": {**first, "End": True}}}],
                "OutputPath": "$[0]",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }


@pytest.fixture
def sfn() -> Iterator[Any]:
    fix = DataLimitFix()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        fix.install()
        try:
            yield boto3.client("stepfunctions", region_name="us-east-1")
        finally:
            fix.uninstall()


def _run(sfn: Any, definition: dict[str, Any], execution_input: Any = None) -> dict[str, Any]:
    machine = sfn.create_state_machine(
        name=f"m{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input or {}))[
        "executionArn"
    ]
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return dict(described)


def _pass_result(total_bytes: int) -> dict[str, Any]:
    # A Pass inside a Parallel-free state: the output is {"v": padding}.
    return {"Type": "Pass", "Result": {"v": _padding(total_bytes)}}


def test_an_output_of_exactly_256_kib_passes(sfn: Any) -> None:
    described = _run(sfn, _caught(_pass_result(MAX_STATE_BYTES)))

    assert described["status"] == "SUCCEEDED"
    output = json.dumps(json.loads(described["output"]), separators=(",", ":"))
    assert len(output.encode("utf-8")) == MAX_STATE_BYTES


def test_one_byte_more_fails_the_execution_and_states_all_does_not_catch_it(sfn: Any) -> None:
    described = _run(sfn, _caught(_pass_result(MAX_STATE_BYTES + 1)))

    assert described["status"] == "FAILED"
    assert described["error"] == "States.DataLimitExceeded"


def test_multibyte_characters_count_as_their_utf8_bytes(sfn: Any) -> None:
    # "é" is 2 bytes in UTF-8 (6 as a JSON escape): exactly at the limit passes, one more fails.
    at_limit = (MAX_STATE_BYTES - WRAPPER) // 2
    exact = _caught({"Type": "Pass", "Result": {"v": "é" * at_limit}})
    over = _caught({"Type": "Pass", "Result": {"v": "é" * (at_limit + 1)}})

    assert _run(sfn, exact)["status"] == "SUCCEEDED"
    assert _run(sfn, over)["error"] == "States.DataLimitExceeded"


def test_parameters_making_an_input_over_the_limit_fail_the_execution(sfn: Any) -> None:
    # The Pass state's output stays small (ResultPath keeps only the input's key), but its
    # Parameters build two copies of a 150 KB value: the state's input is over the limit.
    half = {"v": "x" * 150_000}
    definition = _caught(
        {
            "Type": "Pass",
            "Parameters": {"a.$": "$.v", "b.$": "$.v"},
            "ResultPath": None,
        }
    )

    described = _run(sfn, definition, half)

    assert described["status"] == "FAILED"
    assert described["error"] == "States.DataLimitExceeded"
