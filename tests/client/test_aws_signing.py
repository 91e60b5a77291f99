"""The Signature Version 4 of aep_activation.aws_json is botocore's, byte for byte: for the
same request, credentials and time, the Authorization and X-Amz-Date headers are identical."""

from __future__ import annotations

import datetime
import json
from typing import Any
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

from aep_activation import aws_json
from aep_activation.aws_json import AwsCredentials, sign

AT = datetime.datetime(2026, 12, 7, 6, 5, 9, tzinfo=datetime.UTC)
KEY = AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SESSION = AwsCredentials(
    "ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjE//session=="
)
JSON_11 = "application/x-amz-json-1.1"

CASES = [
    pytest.param(
        "POST",
        "https://secretsmanager.eu-west-1.amazonaws.com/",
        {"Content-Type": JSON_11, "X-Amz-Target": "secretsmanager.GetSecretValue"},
        json.dumps({"SecretId": "aep/adobe-credentials"}).encode(),
        KEY,
        "secretsmanager",
        "eu-west-1",
        id="POST, no session token",
    ),
    pytest.param(
        "POST",
        "https://secretsmanager.us-east-1.amazonaws.com/",
        {"Content-Type": JSON_11, "X-Amz-Target": "secretsmanager.PutSecretValue"},
        json.dumps(
            {"SecretId": "aep/ims-token", "SecretString": "jeton é ü 東京 🎫"}, ensure_ascii=False
        ).encode(),
        SESSION,
        "secretsmanager",
        "us-east-1",
        id="POST, session token, unicode body",
    ),
    pytest.param(
        "POST",
        "http://127.0.0.1:5000/",
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.GetItem",
        },
        json.dumps({"TableName": "registry", "Key": {"activation": {"S": "prod/a"}}}).encode(),
        SESSION,
        "dynamodb",
        "us-east-1",
        id="POST to a local endpoint with a port",
    ),
    pytest.param(
        "GET",
        "https://secretsmanager.eu-central-1.amazonaws.com/some/path?b=2&a=1&a=0",
        {"Accept": "application/json", "X-Amz-Meta": "  spaced   value  "},
        b"",
        SESSION,
        "secretsmanager",
        "eu-central-1",
        id="GET with a query and a spaced header",
    ),
]


def _botocore(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: AwsCredentials,
    service: str,
    region: str,
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    signer = SigV4Auth(
        Credentials(credentials.access_key, credentials.secret_key, credentials.token),
        service,
        region,
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=AT.replace(tzinfo=None)):
        signer.add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "credentials", "service", "region"), CASES
)
def test_the_signature_is_botocore_s(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: AwsCredentials,
    service: str,
    region: str,
) -> None:
    expected = _botocore(method, url, headers, body, credentials, service, region)

    signed = sign(method, url, headers, body, credentials, service=service, region=region, now=AT)

    assert signed["X-Amz-Date"] == expected["X-Amz-Date"] == "20261207T060509Z"
    assert signed["Authorization"] == expected["Authorization"]
    assert signed.get("X-Amz-Security-Token") == expected.get("X-Amz-Security-Token")


def test_a_changed_body_or_key_changes_the_signature() -> None:
    """The comparison above could not pass with a signature that ignored either."""
    headers = {"Content-Type": JSON_11, "X-Amz-Target": "secretsmanager.GetSecretValue"}
    url = "https://secretsmanager.eu-west-1.amazonaws.com/"
    options = {"service": "secretsmanager", "region": "eu-west-1", "now": AT}
    base = sign("POST", url, headers, b'{"SecretId": "a"}', KEY, **options)["Authorization"]
    other_body = sign("POST", url, headers, b'{"SecretId": "b"}', KEY, **options)["Authorization"]
    other_key = AwsCredentials(KEY.access_key, KEY.secret_key + "x")
    keyed = sign("POST", url, headers, b'{"SecretId": "a"}', other_key, **options)["Authorization"]

    assert len({base, other_body, keyed}) == 3


def test_credentials_show_no_secret_in_their_repr() -> None:
    assert "wJalr" not in repr(SESSION)
    assert "IQoJ" not in repr(SESSION)


VERSION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:ResolveSpecs:3"


@pytest.mark.parametrize("credentials", [KEY, SESSION], ids=["no session token", "session token"])
def test_an_event_invoke_of_a_version_is_botocore_s_request(credentials: AwsCredentials) -> None:
    """Lambda's REST ``Invoke`` of a version ARN: the same URL (the ARN's ``:`` encoded in the
    path) and the same signature as botocore's Lambda client sends."""
    import boto3

    sent: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent.update(
            url=request.url,
            headers={
                k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
            },
        )
        return AWSResponse(request.url, 202, {}, None)  # nothing leaves the machine

    client = boto3.client(
        "lambda",
        region_name="eu-west-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
    )
    client.meta.events.register("before-send.lambda.Invoke", capture)
    payload = json.dumps({"aepActivationWarmUp": True}).encode()
    with mock.patch("botocore.auth.get_current_datetime", return_value=AT.replace(tzinfo=None)):
        client.invoke(FunctionName=VERSION_ARN, InvocationType="Event", Payload=payload)
    url = (
        aws_json.endpoint(aws_json.LAMBDA, {"AWS_REGION": "eu-west-1"})
        + f"2015-03-31/functions/{aws_json.uri_label(VERSION_ARN)}/invocations"
    )
    headers = {"X-Amz-Invocation-Type": "Event"}  # what LambdaInvoker sends and signs

    signed = sign(
        "POST", url, headers, payload, credentials, service="lambda", region="eu-west-1", now=AT
    )

    assert url == sent["url"]
    assert "function%3AResolveSpecs%3A3/invocations" in url
    assert signed["Authorization"] == sent["headers"]["Authorization"]
    assert ";x-amz-invocation-type" in signed["Authorization"]
