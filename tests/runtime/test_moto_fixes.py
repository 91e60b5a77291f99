"""The JSONPath correction (definite paths through an index yield the value, as on AWS), and
the local costs taken out: clients reused by moto's Tasks, each path's text parsed once."""

from __future__ import annotations

from typing import Any

import pytest
from moto.stepfunctions.parser.asl.utils import json_path

from local.runtime.moto_fixes import (
    ClientReuseFix,
    ContextTimeFix,
    JsonPathFix,
    PathParseOnceFix,
    aws_extract_json,
    aws_timestamp,
)

DATA = [{"id": "a", "items": [1], "tags": [{"k": "x"}, {"k": "y"}]}, {"id": "b"}]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$[0].id", "a"),  # moto alone: ["a"]
        ("$[1].id", "b"),
        ("$[0].items", [1]),  # the value is a list: kept as it is
        ("$[0].tags[1].k", "y"),
        ("$[0]", DATA[0]),
        ("$[*].id", ["a", "b"]),  # indefinite paths stay moto's
        ("$[?(@.id == 'a')].id", ["a"]),
        ("$[0].tags[0:2].k", ["x", "y"]),
    ],
)
def test_paths_evaluate_as_on_aws(path: str, expected: Any) -> None:
    assert aws_extract_json(json_path.extract_json)(path, DATA) == expected


def test_installing_swaps_every_user_and_uninstalling_restores_them() -> None:
    from moto.stepfunctions.parser.asl.eval import states

    original = json_path.extract_json
    fix = JsonPathFix()
    fix.install()
    try:
        assert states.extract_json is not original  # type: ignore[attr-defined]
        assert states.extract_json("$[0].id", DATA) == "a"  # type: ignore[attr-defined]
    finally:
        fix.uninstall()
    assert states.extract_json is original  # type: ignore[attr-defined]


def test_tasks_reuse_one_client_per_region_and_service_until_uninstalled() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_dynamodb as dynamodb_task,
    )

    fix = ClientReuseFix()
    fix.install()
    try:
        lambda_client = lambda_eval_utils.boto_client_for("us-east-1", "lambda")
        assert lambda_eval_utils.boto_client_for("us-east-1", "lambda") is lambda_client
        assert lambda_client.meta.service_model.service_name == "lambda"
        dynamodb = dynamodb_task.boto_client_for("us-east-1", "dynamodb")
        assert dynamodb is not lambda_client
        assert dynamodb.meta.service_model.service_name == "dynamodb"
        elsewhere = lambda_eval_utils.boto_client_for("eu-west-1", "lambda")
        assert elsewhere is not lambda_client
        assert elsewhere.meta.region_name == "eu-west-1"
    finally:
        fix.uninstall()
    assert lambda_eval_utils.boto_client_for("us-east-1", "lambda") is not lambda_client


def test_each_path_text_is_parsed_once_until_uninstalled() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path

    original = json_path.parse  # type: ignore[attr-defined]
    fix = PathParseOnceFix()
    fix.install()
    try:
        parsed = json_path.parse("$.request.name")  # type: ignore[attr-defined]
        assert json_path.parse("$.request.name") is parsed  # type: ignore[attr-defined]
        assert json_path.extract_json("$.request.name", {"request": {"name": "n"}}) == "n"
        written = result_path.parse("$.lease")  # type: ignore[attr-defined]
        assert result_path.parse("$.lease") is written  # type: ignore[attr-defined]
        assert written.update_or_create({"a": 1}, {"b": 2}) == {"a": 1, "lease": {"b": 2}}
    finally:
        fix.uninstall()
    assert json_path.parse is original  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("moto_time", "aws_time"),
    [
        ("2026-12-07T00:10:27.456064+00:00", "2026-12-07T00:10:27.456Z"),
        ("2026-12-07T00:10:27+00:00", "2026-12-07T00:10:27.000Z"),
        ("2026-12-07T01:10:27.999999+01:00", "2026-12-07T00:10:27.999Z"),
    ],
)
def test_context_times_take_aws_format(moto_time: str, aws_time: str) -> None:
    assert aws_timestamp(moto_time) == aws_time


def test_states_enter_with_aws_times_while_installed() -> None:
    from moto.stepfunctions.parser.asl.component.state import state

    original = state.StateData
    fix = ContextTimeFix()
    fix.install()
    try:
        data = state.StateData(EnteredTime="2026-12-07T00:10:27.456064+00:00", Name="S")
        assert data == {"EnteredTime": "2026-12-07T00:10:27.456Z", "Name": "S"}
    finally:
        fix.uninstall()
    assert state.StateData is original
