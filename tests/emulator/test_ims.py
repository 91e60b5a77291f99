"""IMS ``POST /ims/token/v3``: OAuth server-to-server, as Adobe's IMS answers it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local.emulator import DEFAULT_CLIENT, DEFAULT_SCOPES, Emulator
from tests.emulator.helpers import TIMEOUT, Api

GOOD_FORM = {
    "grant_type": "client_credentials",
    "client_id": DEFAULT_CLIENT.client_id,
    "client_secret": DEFAULT_CLIENT.client_secret,
    "scope": DEFAULT_SCOPES,
}


def token_call(emulator: Emulator, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("data", GOOD_FORM)
    return requests.post(f"{emulator.ims_url}/ims/token/v3", timeout=TIMEOUT, **kwargs)


def test_client_credentials_give_a_bearer_token(emulator: Emulator) -> None:
    answer = token_call(emulator)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86399
    assert answer.headers["x-request-id"]


def test_tokens_are_opaque_and_differ_per_call(emulator: Emulator) -> None:
    first = token_call(emulator).json()["access_token"]
    second = token_call(emulator).json()["access_token"]

    assert first != second
    assert DEFAULT_CLIENT.client_secret not in first


def test_expires_in_is_configurable() -> None:
    with Emulator(token_expires_in=120) as emulator:
        assert token_call(emulator).json()["expires_in"] == 120


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
def test_credentials_in_the_query_string_are_refused(emulator: Emulator, field: str) -> None:
    answer = token_call(emulator, params={field: GOOD_FORM[field]})

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_a_wrong_secret_is_an_invalid_client(emulator: Emulator) -> None:
    answer = token_call(emulator, data={**GOOD_FORM, "client_secret": "not-the-secret"})

    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"]
    assert "not-the-secret" not in answer.text


def test_an_unknown_client_is_an_invalid_client(emulator: Emulator) -> None:
    answer = token_call(emulator, data={**GOOD_FORM, "client_id": "nobody"})

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"scope": ""}, "invalid_scope"),
    ],
)
def test_form_errors_use_oauth_codes(
    emulator: Emulator, change: dict[str, str], error: str
) -> None:
    answer = token_call(emulator, data={**GOOD_FORM, **change})

    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_a_json_body_is_not_a_form(emulator: Emulator) -> None:
    answer = token_call(emulator, data=None, json=GOOD_FORM)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_a_registered_client_gets_tokens_for_its_org(emulator: Emulator) -> None:
    client = emulator.register_client("other-client", "other-secret", "OTHERORG@AdobeOrg")
    api = Api(emulator, client)

    assert api.get("/connectionSpecs").status_code == 200


def test_expired_tokens_are_refused_until_a_new_one_is_fetched(emulator: Emulator) -> None:
    api = Api(emulator)
    assert api.get("/flows").status_code == 200

    assert emulator.expire_tokens() >= 1
    refused = api.get("/flows")

    assert refused.status_code == 401
    assert refused.json() == {"error_code": "401014", "message": "Oauth token has expired"}
    fresh = Api(emulator)
    assert fresh.get("/flows").status_code == 200


def test_tokens_outlive_a_reset(emulator: Emulator) -> None:
    api = Api(emulator)
    assert api.get("/flows").status_code == 200

    emulator.reset()

    assert api.get("/flows").status_code == 200
