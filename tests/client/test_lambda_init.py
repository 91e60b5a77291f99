"""SDK clients are made in Lambda's init phase (full CPU), not on the cold first call (which
Lambda runs on MemorySize/1769 of a core); outside Lambda, on first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aep_activation.lambda_init import prepare

LAYER = Path(__file__).resolve().parents[2] / "layers" / "aep_activation"
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
CREDENTIALS = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def _after_import(module: str, code_dir: Path | None, *, in_lambda: bool) -> dict[str, object]:
    """Import ``module`` in a fresh interpreter; what it had made by the end of the import."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(CREDENTIALS)
    environment["PYTHONPATH"] = os.pathsep.join(str(p) for p in (code_dir, LAYER) if p is not None)
    environment["STATE_MACHINE_ARN"] = "arn:aws:states:us-east-1:123456789012:stateMachine:x"
    if in_lambda:
        environment["AWS_LAMBDA_FUNCTION_NAME"] = "probe"
    probe = (
        f"import json, sys, {module} as m\n"
        "from aep_activation import secrets\n"
        "print(json.dumps({'boto3': 'boto3' in sys.modules,"
        " 'secrets': secrets._provider.cache_info().currsize,"
        " 'clients': getattr(getattr(m, '_clients', None), 'cache_info', lambda: None)()"
        " and m._clients.cache_info().currsize}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=environment,
        cwd=code_dir or LAYER,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_prepare_calls_the_factories_only_in_a_lambda_container(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    prepare(lambda: made.append("outside"))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "probe")
    prepare(lambda: made.append("one"), lambda: made.append("two"))

    assert made == ["one", "two"]


def test_an_adobe_calling_handler_makes_its_secrets_client_at_init() -> None:
    in_lambda = _after_import("app", FUNCTIONS / "ensure_dataflow", in_lambda=True)
    elsewhere = _after_import("app", FUNCTIONS / "ensure_dataflow", in_lambda=False)

    assert in_lambda["boto3"] is True
    assert in_lambda["secrets"] == 1
    assert elsewhere["secrets"] == 0


def test_the_starter_makes_its_clients_at_init_and_reads_its_variables_on_the_first_call() -> None:
    in_lambda = _after_import("app", FUNCTIONS / "start_activation", in_lambda=True)

    assert in_lambda["clients"] == 1
