"""aep_activation.aws_json's calls: against moto's Secrets Manager and DynamoDB where moto can
answer, and against a scripted HTTP server on a real socket, answering as AWS documents its
errors, for what moto cannot produce (access denied, throttling, 5xx)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from aep_activation import aws_clients, aws_json, secrets
from aep_activation.aws_json import AwsCallError
from aep_activation.errors import SecretUnavailable

VALUE = "s3cr3t-value-that-must-not-leak"


# --- against moto ------------------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_get_put_and_describe_a_secret() -> None:
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="aep/token", SecretString=json.dumps({"v": 1}))

    read = aws_clients.get_secret_value("aep/token")
    aws_clients.put_secret_value("aep/token", json.dumps({"v": VALUE}))

    assert json.loads(read["SecretString"]) == {"v": 1}
    assert json.loads(sm.get_secret_value(SecretId="aep/token")["SecretString"]) == {"v": VALUE}
    assert len(sm.list_secret_version_ids(SecretId="aep/token")["Versions"]) == 2
    assert aws_clients.describe_secret("aep/token")["Name"] == "aep/token"


@pytest.mark.usefixtures("aws")
def test_a_missing_secret_is_aws_s_error_code() -> None:
    with pytest.raises(AwsCallError) as caught:
        aws_clients.get_secret_value("nope")

    assert caught.value.code == "ResourceNotFoundException"


@pytest.mark.usefixtures("aws")
def test_dynamodb_get_item_answers_as_the_sdk_client_does() -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="registry",
        KeySchema=[{"AttributeName": "activation", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "activation", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {"activation": {"S": "prod/a"}, "state": {"S": "ACTIVE"}, "n": {"N": "3"}}
    dynamodb.put_item(TableName="registry", Item=item)
    params: dict[str, Any] = {
        "TableName": "registry",
        "Key": {"activation": {"S": "prod/a"}},
        "ProjectionExpression": "#s",
        "ExpressionAttributeNames": {"#s": "state"},
    }

    answer = aws_clients.DynamoDBItems().get_item(**params)

    assert answer["Item"] == dynamodb.get_item(**params)["Item"] == {"state": {"S": "ACTIVE"}}
    assert "Item" not in aws_clients.DynamoDBItems().get_item(
        TableName="registry", Key={"activation": {"S": "prod/other"}}
    )


# --- against a scripted server over a real socket --------------------------------------------


class ScriptedAws:
    """Answers each request with the next scripted (status, JSON body); records requests."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        self.answer_headers: dict[str, str] = {}  # sent with every answer
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                scripted.requests.append(
                    {
                        "headers": dict(self.headers.items()),
                        "body": json.loads(body),
                        "path": self.path,
                    }
                )
                status, answer = scripted.script.pop(0) if scripted.script else (200, {})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                for name, value in scripted.answer_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedAws]:
    server = ScriptedAws()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "signing-key-must-not-leak")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-must-not-leak")
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setattr(aws_json.time, "sleep", lambda seconds: None)
    secrets.clear_cache()
    yield server
    secrets.clear_cache()
    server.server.shutdown()
    server.server.server_close()


def _error(code: str, message: str = "") -> dict[str, str]:
    """An error answer as AWS's JSON protocol documents it."""
    return {"__type": code, "message": message or f"{code} happened"}


def test_a_request_is_signed_and_targets_the_operation(scripted: ScriptedAws) -> None:
    scripted.script = [(200, {"Name": "n", "SecretString": "{}"})]

    aws_clients.get_secret_value("n")

    (request,) = scripted.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-amz-target"] == "secretsmanager.GetSecretValue"
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["x-amz-security-token"] == "session-token-must-not-leak"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert (
        "/eu-west-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;"
        in (headers["authorization"])
    )
    assert request["body"] == {"SecretId": "n"}


def test_the_service_s_own_endpoint_variable_comes_first(
    scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", scripted.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard: never used

    aws_clients.describe_secret("n")

    assert len(scripted.requests) == 1
    assert aws_json.endpoint(aws_json.SECRETS_MANAGER, {"AWS_REGION": "eu-west-1"}) == (
        "https://secretsmanager.eu-west-1.amazonaws.com/"
    )


@pytest.mark.parametrize(
    "code", ["AccessDeniedException", "KMSAccessDeniedException", "AccessDenied"]
)
def test_access_denied_is_named_and_not_retried(scripted: ScriptedAws, code: str) -> None:
    scripted.script = [(400, _error(code))]

    with pytest.raises(SecretUnavailable, match="access to secret 'aep/dest' is denied"):
        secrets.get_json_secret("aep/dest")

    assert len(scripted.requests) == 1


def test_throttling_is_retried_with_back_off(
    scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(aws_json.random, "random", lambda: 1.0)
    scripted.script = [
        (400, _error("ThrottlingException", "Rate exceeded")),
        (503, _error("ServiceUnavailable")),
        (200, {"Name": "aep/dest", "SecretString": json.dumps({"key": VALUE})}),
    ]

    value = aws_json.call(
        aws_json.SECRETS_MANAGER, "GetSecretValue", {"SecretId": "aep/dest"}, sleep=waits.append
    )

    assert json.loads(value["SecretString"]) == {"key": VALUE}
    assert waits == [1.0, 2.0]  # rand(0, 1) x 2**n, the SDK's standard mode
    assert len(scripted.requests) == 3


def test_retries_stop_after_three_attempts(scripted: ScriptedAws) -> None:
    scripted.script = [(500, _error("InternalServiceError"))] * 5

    with pytest.raises(SecretUnavailable, match=r"could not be read \(InternalServiceError\)"):
        secrets.get_json_secret("aep/dest")

    assert len(scripted.requests) == 3


def test_a_retried_write_keeps_its_request_token(scripted: ScriptedAws) -> None:
    scripted.script = [(400, _error("ThrottlingException")), (200, {"Name": "t"})]

    secrets.put_json_secret("t", {"accessToken": VALUE})

    first, second = (r["body"] for r in scripted.requests)
    assert first["ClientRequestToken"] == second["ClientRequestToken"]
    assert first["SecretString"] == json.dumps({"accessToken": VALUE})


def test_a_failed_write_names_the_secret_and_code_only(scripted: ScriptedAws) -> None:
    scripted.script = [(400, _error("ValidationException", f"bad value {VALUE}"))]

    with pytest.raises(SecretUnavailable) as caught:
        secrets.put_json_secret("t", {"accessToken": VALUE})

    assert str(caught.value) == "secret 't' could not be written (ValidationException)"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_no_answer_is_retried_then_named(
    scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there

    with pytest.raises(
        SecretUnavailable, match=r"'aep/dest' could not be read \(ConnectionError\)"
    ):
        secrets.get_json_secret("aep/dest")
    with pytest.raises(SecretUnavailable, match=r"could not be described \(ConnectionError\)"):
        secrets.secret_exists("aep/dest")


def test_nothing_secret_reaches_an_error(scripted: ScriptedAws) -> None:
    scripted.script = [(200, {"SecretString": f"not json {VALUE}"})]

    with pytest.raises(SecretUnavailable) as caught:
        secrets.get_json_secret("broken")

    shown = repr(caught.value) + str(caught.value) + repr(caught.value.__context__)
    for hidden in (VALUE, "signing-key-must-not-leak", "session-token-must-not-leak"):
        assert hidden not in shown


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_is_named(scripted: ScriptedAws, status: int) -> None:
    # A redirect to a second host must send it nothing (no session token, no body holding the
    # secret's value): the SDK follows no redirect either.
    elsewhere: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def _record(self) -> None:
            elsewhere.append(self.command)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = do_PUT = _record

        def log_message(self, *_: Any) -> None:
            pass

    second = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=second.serve_forever, daemon=True).start()
    location = f"http://localhost:{second.server_address[1]}/x"
    scripted.script = [(status, {})]
    scripted.answer_headers = {"Location": location}
    try:
        with pytest.raises(AwsCallError) as caught:
            aws_clients.put_secret_value("t", json.dumps({"accessToken": VALUE}))
    finally:
        second.shutdown()
        second.server_close()

    assert elsewhere == []
    assert len(scripted.requests) == 1  # a redirect is final: not retried
    assert (caught.value.operation, caught.value.code, caught.value.status) == (
        "PutSecretValue",
        "Redirected",
        status,
    )
    assert str(caught.value) == f"PutSecretValue failed (Redirected, HTTP {status})"
    for hidden in (VALUE, "signing-key-must-not-leak", "session-token-must-not-leak", location):
        assert hidden not in repr(caught.value) + str(caught.value)


def test_a_secret_is_read_once_per_max_age(
    scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(secrets.time, "monotonic", lambda: now[0])
    scripted.script = [(200, {"SecretString": json.dumps({"v": n})}) for n in (1, 2, 3)]

    first = secrets.get_json_secret("s", max_age=300)
    now[0] += 299
    still = secrets.get_json_secret("s", max_age=300)
    forced = secrets.get_json_secret("s", max_age=300, force_fetch=True)
    now[0] += 301
    expired = secrets.get_json_secret("s", max_age=300)

    assert [first, still, forced, expired] == [{"v": 1}, {"v": 1}, {"v": 2}, {"v": 3}]
    assert len(scripted.requests) == 3


def test_container_credentials_sign_when_the_environment_has_none(
    scripted: ScriptedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SnapStart functions get their role's credentials from the container endpoint."""

    class Credentials(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            data = json.dumps(
                {
                    "AccessKeyId": "ASIACONTAINER",
                    "SecretAccessKey": "container-secret",
                    "Token": "container-token",
                    "Expiration": "2999-01-01T00:00:00Z",
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    seen: list[str] = []
    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), Credentials)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{endpoint.server_address[1]}/"
    )
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth")
    aws_json.forget_credentials()
    try:
        aws_clients.describe_secret("a")
        aws_clients.describe_secret("b")
    finally:
        aws_json.forget_credentials()
        endpoint.shutdown()
        endpoint.server_close()

    assert seen == ["container-auth"]  # fetched once, kept until near its expiry
    for request in scripted.requests:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=ASIACONTAINER/")
        assert headers["x-amz-security-token"] == "container-token"


VERSION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:ResolveSpecs:3"


def test_an_event_invoke_posts_the_payload_to_the_version_s_path(scripted: ScriptedAws) -> None:
    scripted.script = [(202, {})]

    answer = aws_clients.LambdaInvoker().invoke(
        FunctionName=VERSION_ARN, InvocationType="Event", Payload=b'{"aepActivationWarmUp": true}'
    )

    (request,) = scripted.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert answer == {"StatusCode": 202}
    assert request["path"] == (
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction"
        "%3AResolveSpecs%3A3/invocations"
    )
    assert headers["x-amz-invocation-type"] == "Event"
    assert "/eu-west-1/lambda/aws4_request, " in headers["authorization"]
    assert request["body"] == {"aepActivationWarmUp": True}


def test_an_invoke_not_accepted_is_aws_s_error_code_and_throttling_is_retried(
    scripted: ScriptedAws,
) -> None:
    scripted.script = [
        (429, _error("TooManyRequestsException")),
        (404, _error("ResourceNotFoundException")),
    ]

    with pytest.raises(AwsCallError) as caught:
        aws_clients.LambdaInvoker().invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")

    assert (caught.value.operation, caught.value.code, caught.value.status) == (
        "Invoke",
        "ResourceNotFoundException",
        404,
    )
    assert len(scripted.requests) == 2


def test_a_start_execution_refused_is_named_by_its_code(scripted: ScriptedAws) -> None:
    scripted.script = [(400, _error("ExecutionAlreadyExists"))]

    with pytest.raises(AwsCallError) as caught:
        aws_clients.StepFunctionsExecutions().start_execution(
            stateMachineArn="arn:aws:states:eu-west-1:123456789012:stateMachine:a",
            name="n",
            input="{}",
        )

    (request,) = scripted.requests
    assert caught.value.code == "ExecutionAlreadyExists"
    assert request["headers"]["X-Amz-Target"] == "AWSStepFunctions.StartExecution"
    assert "/eu-west-1/states/aws4_request, " in request["headers"]["Authorization"]


def test_step_functions_and_sqs_endpoint_variables_are_the_sdk_s() -> None:
    environ = {
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_SFN": "http://127.0.0.1:1",
        "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:2",
        "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:3",
    }

    assert aws_json.endpoint(aws_json.STEP_FUNCTIONS, environ) == "http://127.0.0.1:1/"
    assert aws_json.endpoint(aws_json.SQS, environ) == "http://127.0.0.1:2/"
    assert aws_json.endpoint(aws_json.LAMBDA, environ) == "http://127.0.0.1:3/"
    assert aws_json.endpoint(aws_json.STEP_FUNCTIONS, {"AWS_REGION": "eu-west-1"}) == (
        "https://states.eu-west-1.amazonaws.com/"
    )


def test_error_code_reads_a_signed_call_s_failure_and_the_sdk_s_alike() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    sdk = ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "DeleteItem")

    assert aws_json.error_code(AwsCallError("DeleteItem", "ThrottlingException", 400)) == (
        "ThrottlingException"
    )
    assert aws_json.error_code(sdk) == "ConditionalCheckFailedException"
    assert aws_json.error_code(EndpointConnectionError(endpoint_url="https://x")) is None
    assert aws_json.error_code(ValueError("not AWS")) is None
