"""What the emulator records: every request, secrets redacted."""

from __future__ import annotations

import json

import requests

from local.emulator import DEFAULT_CLIENT, REDACTED, Emulator
from tests.emulator.helpers import TIMEOUT, Api
from tests.support import payloads
from tests.support.payloads import S3_ACCESS_KEY, S3_SECRET_KEY


def test_requests_are_recorded_in_order_with_status_and_query(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.created("/connections", payloads.s3_base())
    api.get("/connections", params={"property": "name==x", "limit": "2"})

    records = emulator.requests

    assert [(r.method, r.relative_path, r.status) for r in records] == [
        ("POST", "/ims/token/v3", 200),
        ("POST", "/connections", 201),
        ("GET", "/connections", 200),
    ]
    assert records[1].response_body == created
    assert records[2].query == {"property": ["name==x"], "limit": ["2"]}
    assert records[2].path == "/data/foundation/flowservice/connections"
    assert records[2].header("x-sandbox-name") == "prod"
    assert records[2].request_id == records[2].response_headers["x-request-id"]


def test_credentials_tokens_and_auth_params_are_redacted(emulator: Emulator) -> None:
    api = Api(emulator)
    api.created("/connections", payloads.s3_base())

    token_call, create_call = emulator.requests

    assert token_call.body["client_secret"] == REDACTED
    assert token_call.body["client_id"] == DEFAULT_CLIENT.client_id
    assert token_call.response_body["access_token"] == REDACTED
    assert create_call.header("Authorization") == f"Bearer {REDACTED}"
    assert create_call.body["auth"] == {
        "specName": "Access Key",
        "params": {"s3AccessKey": REDACTED, "s3SecretKey": REDACTED},
    }
    everything = json.dumps([r.to_dict() for r in emulator.requests])
    for secret in (DEFAULT_CLIENT.client_secret, api.token, S3_SECRET_KEY, S3_ACCESS_KEY):
        assert secret not in everything


def test_admin_calls_are_not_recorded_and_requests_are_served_over_http(emulator: Emulator) -> None:
    Api(emulator).get("/flows")

    answer = requests.get(f"{emulator.url}/__admin/requests", timeout=TIMEOUT)

    items = answer.json()["items"]
    assert [(i["method"], i["path"]) for i in items] == [
        ("POST", "/ims/token/v3"),
        ("GET", "/data/foundation/flowservice/flows"),
    ]
    assert DEFAULT_CLIENT.client_secret not in answer.text
    assert requests.delete(f"{emulator.url}/__admin/requests", timeout=TIMEOUT).status_code == 204
    assert emulator.requests == []


def test_reset_forgets_recordings(emulator: Emulator) -> None:
    Api(emulator).get("/flows")

    emulator.reset()

    assert emulator.requests == []
