"""The control surface over HTTP (``/__admin``) and in Python."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local.emulator import MASK, Emulator, Fault
from tests.emulator.helpers import TIMEOUT, Api
from tests.support import payloads
from tests.support.payloads import S3_SECRET_KEY, add_segment, segment_value


def admin(emulator: Emulator, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{emulator.url}/__admin{path}", timeout=TIMEOUT, **kwargs)


def test_health(emulator: Emulator) -> None:
    assert admin(emulator, "GET", "/health").json() == {"status": "ok"}


def test_reset_forgets_everything_and_restores_settings(emulator: Emulator) -> None:
    api = Api(emulator)
    api.s3_flow()
    emulator.inject(Fault.status_code(503))
    emulator.patch_status = 202
    emulator.page_size = 10
    emulator.register_client("extra", "extra-secret", "EXTRA@AdobeOrg")

    assert admin(emulator, "POST", "/reset").status_code == 200

    assert emulator.store.list("connections") == []
    assert emulator.store.list("flows") == []
    assert emulator.pending_faults() == []
    assert emulator.requests == []
    assert (emulator.patch_status, emulator.page_size) == (200, 3)
    refused = requests.post(
        f"{emulator.ims_url}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": "extra",
            "client_secret": "extra-secret",
            "scope": "openid",
        },
        timeout=TIMEOUT,
    )
    assert refused.status_code == 400


def test_config_changes_the_patch_status_per_call(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    config = admin(emulator, "POST", "/config", json={"patchStatus": 202, "pageSize": 5})

    assert config.json() == {
        "patchStatus": 202,
        "pageSize": 5,
        "tokenExpiresIn": 86399,
        "dataPrepListNames": False,
    }
    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])
    assert answer.status_code == 202
    assert admin(emulator, "GET", "/config").json()["patchStatus"] == 202


@pytest.mark.parametrize("body", [{"patchStatus": 204}, {"pageSize": 0}, {"colour": "red"}])
def test_bad_config_is_400(emulator: Emulator, body: dict[str, Any]) -> None:
    assert admin(emulator, "POST", "/config", json=body).status_code == 400


def test_expire_tokens_over_http(emulator: Emulator) -> None:
    api = Api(emulator)
    assert api.get("/flows").status_code == 200

    assert admin(emulator, "POST", "/expire-tokens").json()["expired"] >= 1

    assert api.get("/flows").status_code == 401


def test_register_a_client_over_http(emulator: Emulator) -> None:
    answer = admin(
        emulator,
        "POST",
        "/clients",
        json={"clientId": "c2", "clientSecret": "s2", "orgId": "ORG2@AdobeOrg"},
    )

    assert answer.json() == {"clientId": "c2", "orgId": "ORG2@AdobeOrg"}
    assert "s2" not in answer.text


def test_bump_etag_over_http(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    answer = admin(emulator, "POST", f"/flows/{created['id']}/bump-etag")

    assert answer.json()["etag"] == api.flow(created["id"])["etag"] != created["etag"]
    assert admin(emulator, "POST", "/flows/unknown/bump-etag").status_code == 400


def test_bump_etag_of_an_unknown_flow_raises(emulator: Emulator) -> None:
    with pytest.raises(KeyError):
        emulator.bump_etag("unknown")


def test_resources_over_http_are_masked(emulator: Emulator) -> None:
    Api(emulator).created("/connections", payloads.s3_base())

    answer = admin(emulator, "GET", "/resources/connections", params={"sandbox": "prod"})

    (item,) = answer.json()["items"]
    assert item["auth"]["params"]["s3SecretKey"] == MASK
    assert S3_SECRET_KEY not in answer.text
    assert admin(emulator, "GET", "/resources/nonsense").status_code == 400


def test_runs_are_listed_per_flow(emulator: Emulator) -> None:
    api = Api(emulator)
    first, second = api.s3_flow(), api.s3_flow()
    run = admin(emulator, "POST", "/runs", json={"flowId": first["id"], "records": 12}).json()
    emulator.add_run(second["id"], status="failed")

    answer = api.get("/runs", params={"property": f"flowId=={first['id']}"}).json()

    assert [item["id"] for item in answer["items"]] == [run["id"]]
    item = answer["items"][0]
    assert item["metrics"]["statusSummary"]["status"] == "success"
    assert item["metrics"]["recordSummary"]["outputRecordCount"] == 12
    assert item["flowSpec"]["id"] == api.flow(first["id"])["flowSpec"]["id"]
    failed = api.get("/runs", params={"property": "metrics.statusSummary.status==failed"})
    assert [i["flowId"] for i in failed.json()["items"]] == [second["id"]]


def test_unknown_admin_routes_are_404(emulator: Emulator) -> None:
    assert admin(emulator, "GET", "/nothing").status_code == 404
