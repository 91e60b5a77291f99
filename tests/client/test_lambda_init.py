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
        "print(json.dumps({'sdk': sorted(n for n in sys.modules"
        " if n.split('.')[0] in ('boto3', 'botocore', 's3transfer')),"
        " 'clients': getattr(getattr(m, '_clients', None), 'cache_info', lambda: None)()"
        " and m._clients.cache_info().currsize,"
        " 'request_validator': type(getattr(sys.modules.get('aep_activation.request.activation'),"
        " 'ActivationRequest', None).__pydantic_validator__).__name__"
        " if 'aep_activation.request.activation' in sys.modules else None}))"
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


# Powertools imports the package ``botocore`` itself (its __init__ only: a logger, no client
# machinery) to tag the SDK's user agent, whether or not anything uses the SDK.
POWERTOOLS_OWN = ["botocore"]
# Off the activation's path, these call EventBridge and scan the registry on every pass with
# the SDK: they import it.
SDK_USERS = {"drift_watch", "export_watch"}
ADOBE_CALLING = sorted(
    d.name
    for d in FUNCTIONS.iterdir()
    if (d / "app.py").is_file() and "aep_activation.wiring" in (d / "app.py").read_text()
)


@pytest.mark.parametrize("function", [n for n in ADOBE_CALLING if n not in SDK_USERS])
def test_an_adobe_calling_handler_imports_no_aws_sdk_at_init(function: str) -> None:
    """Its secrets (and ActivateAudiences' registry read) go through aep_activation.aws_json:
    boto3, its client machinery and Powertools Parameters stay out of the cold start."""
    in_lambda = _after_import("app", FUNCTIONS / function, in_lambda=True)

    assert in_lambda["sdk"] == POWERTOOLS_OWN


@pytest.mark.parametrize("function", ["start_activation", "validate_request", "publish_result"])
def test_the_functions_every_activation_starts_and_ends_with_import_no_aws_sdk_at_init(
    function: str,
) -> None:
    """The SQS starter (StartExecution, SendMessage), ValidateRequest (DescribeSecret and the
    pre-warm's asynchronous Invoke) and PublishResult (PutEvents, the registry's UpdateItem,
    DescribeExecution) sign their calls with aep_activation.aws_json."""
    in_lambda = _after_import("app", FUNCTIONS / function, in_lambda=True)

    assert in_lambda["sdk"] == POWERTOOLS_OWN


def test_the_functions_that_call_adobe_are_the_ones_listed() -> None:
    """A new Adobe-calling function is checked above unless it is named an SDK user."""
    assert len(ADOBE_CALLING) >= 13
    assert set(ADOBE_CALLING) >= SDK_USERS


def test_the_starter_makes_its_clients_at_init_and_reads_its_variables_on_the_first_call() -> None:
    in_lambda = _after_import("app", FUNCTIONS / "start_activation", in_lambda=True)

    assert in_lambda["clients"] == 1


@pytest.mark.parametrize(
    "function",
    ["start_activation", "validate_request", *(n for n in ADOBE_CALLING if n not in SDK_USERS)],
)
def test_every_function_that_reads_a_request_builds_its_validator_at_init(function: str) -> None:
    """pydantic defers the request's validator to its first use: built there, it would cost
    a cold first call about seven times what it costs in init."""
    in_lambda = _after_import("app", FUNCTIONS / function, in_lambda=True)

    assert in_lambda["request_validator"] == "SchemaValidator"
