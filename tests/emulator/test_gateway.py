"""The gateway checks in front of Flow Service: token, api key, org, sandbox, content type."""

from __future__ import annotations

import pytest
import requests

from local.emulator import DEFAULT_CLIENT, Emulator
from tests.emulator.helpers import TIMEOUT, Api
from tests.support import payloads


def raw_get(emulator: Emulator, headers: dict[str, str], path: str = "/flows") -> requests.Response:
    return requests.get(f"{emulator.platform_url}{path}", headers=headers, timeout=TIMEOUT)


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


def test_missing_api_key_is_403_api_key_required(emulator: Emulator) -> None:
    answer = raw_get(emulator, without(Api(emulator).headers(), "x-api-key"))

    assert answer.status_code == 403
    assert answer.json() == {"error_code": "403000", "message": "Api Key is required"}


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc", "Bearer"])
def test_missing_or_invalid_token_is_401(emulator: Emulator, authorization: str | None) -> None:
    headers = without(Api(emulator).headers(), "Authorization")
    if authorization is not None:
        headers["Authorization"] = authorization

    answer = raw_get(emulator, headers)

    assert answer.status_code == 401
    assert answer.json() == {"error_code": "401013", "message": "Oauth token is not valid"}


def test_an_api_key_of_another_client_is_403(emulator: Emulator) -> None:
    answer = raw_get(emulator, Api(emulator).headers(**{"x-api-key": "someone-else"}))

    assert answer.status_code == 403
    assert answer.json()["error_code"] == "403003"


def test_missing_org_header_is_400(emulator: Emulator) -> None:
    answer = raw_get(emulator, without(Api(emulator).headers(), "x-gw-ims-org-id"))

    assert answer.status_code == 400
    assert answer.json()["error_code"] == "400003"


def test_an_org_other_than_the_token_s_is_403(emulator: Emulator) -> None:
    answer = raw_get(emulator, Api(emulator).headers(**{"x-gw-ims-org-id": "OTHER@AdobeOrg"}))

    assert answer.status_code == 403
    assert answer.json()["error_code"] == "403025"


def test_missing_sandbox_header_means_prod(emulator: Emulator) -> None:
    created = Api(emulator, sandbox=None).created("/connections", payloads.profile_base())

    assert emulator.store.get("connections", created["id"], sandbox="prod") is not None
    listed = Api(emulator, sandbox="prod").get("/connections").json()["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert listed[0]["sandboxName"] == "prod"


def test_resources_are_isolated_per_sandbox(emulator: Emulator) -> None:
    prod, dev = Api(emulator, sandbox="prod"), Api(emulator, sandbox="dev")
    created = prod.created("/connections", payloads.profile_base())

    assert dev.get("/connections").json()["items"] == []
    assert dev.get(f"/connections/{created['id']}").status_code == 404
    assert prod.get(f"/connections/{created['id']}").status_code == 200


def test_resources_are_isolated_per_org(emulator: Emulator) -> None:
    other = emulator.register_client("other-client", "other-secret", "OTHERORG@AdobeOrg")
    mine, theirs = Api(emulator), Api(emulator, other)
    created = mine.created("/connections", payloads.profile_base())

    assert theirs.get("/connections").json()["items"] == []
    assert theirs.get(f"/connections/{created['id']}").status_code == 404
    assert emulator.store.list("connections", org="OTHERORG@AdobeOrg") == []


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_payload_calls_need_json_content_type(emulator: Emulator, content_type: str | None) -> None:
    headers = without(Api(emulator).headers(), "Content-Type")
    if content_type is not None:
        headers["Content-Type"] = content_type

    answer = requests.post(
        f"{emulator.platform_url}/connections",
        data=b'{"name": "x"}',
        headers=headers,
        timeout=TIMEOUT,
    )

    assert answer.status_code == 400
    body = answer.json()
    assert body["detail"] == "Unsupported Content-Type in the request header"
    assert body["report"]["request-id"] == answer.headers["x-request-id"]
    assert emulator.store.list("connections") == []


def test_every_answer_carries_a_request_id(emulator: Emulator) -> None:
    api = Api(emulator)
    answers = [
        api.get("/connectionSpecs"),
        api.get("/flows/does-not-exist"),
        raw_get(emulator, {}),
        requests.post(f"{emulator.ims_url}/ims/token/v3", data={}, timeout=TIMEOUT),
        api.delete("/flows/does-not-exist"),
    ]

    ids = [answer.headers.get("x-request-id") for answer in answers]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_a_flow_service_error_names_its_request_id(emulator: Emulator) -> None:
    answer = Api(emulator).get("/flows/4890fc95-0000-0000-0000-000000000000")

    assert answer.status_code == 404
    body = answer.json()
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-1439-404"
    assert body["report"]["request-id"] == answer.headers["x-request-id"]
    assert body["errorMessage"] == body["report"]["detailed-message"]


def test_unknown_paths_and_methods(emulator: Emulator) -> None:
    api = Api(emulator)

    assert api.get("/nothing-here").status_code == 404
    assert api.request("PUT", "/flows", json={}).status_code == 405
    unknown_root = requests.get(f"{emulator.url}/elsewhere", timeout=TIMEOUT)
    assert unknown_root.status_code == 404


def test_the_default_client_matches_internals(emulator: Emulator) -> None:
    assert DEFAULT_CLIENT.client_id == "local-client-id"
    assert DEFAULT_CLIENT.client_secret == "local-client-secret"
    assert DEFAULT_CLIENT.org_id == "LOCALORG0000000000000000@AdobeOrg"
    assert "local-client-secret" not in repr(DEFAULT_CLIENT)
    assert emulator.platform_url == f"{emulator.url}/data/foundation/flowservice"
    assert emulator.ims_url == emulator.url
