"""Base, source and target connections: validation, masking, isolation, delete rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from local.emulator import MASK, Emulator, specs
from tests.emulator.helpers import Api
from tests.support import payloads
from tests.support.payloads import S3_SECRET_KEY, spec_ref

AUTH_CASES = [
    (spec.id, auth["name"]) for spec in specs.CONNECTION_SPECS for auth in spec.auth_specs
]


def auth_params(spec_id: str, spec_name: str) -> dict[str, str]:
    spec = specs.connection_spec(spec_id)
    assert spec is not None
    auth = spec.auth_spec_named(spec_name)
    assert auth is not None
    params = {param: f"value-of-{param}-x9" for param in auth["spec"]["required"]}
    if "s3AccessKey" in params:  # the new S3 card's spec holds AWS's key patterns
        params.update(s3AccessKey=payloads.S3_ACCESS_KEY, s3SecretKey=S3_SECRET_KEY)
    return params


def base_body(spec_id: str, spec_name: str, params: dict[str, str]) -> dict[str, Any]:
    return {
        "name": f"base {spec_id} {spec_name}",
        "connectionSpec": spec_ref(spec_id),
        "auth": {"specName": spec_name, "params": params},
    }


def created_on_a_new_base(
    api: Api, base: dict[str, Any], path: str, body_on: Callable[[str], dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create a base connection, then a connection at ``path`` on it; the base as created and
    the connection as read back."""
    made = api.created("/connections", base)
    created = api.created(path, body_on(made["id"]))
    return made, api.get(f"{path}/{created['id']}").json()["items"][0]


def post_target_on_a_new_base(
    api: Api, spec_id: str, auth: dict[str, Any], params: dict[str, Any]
) -> requests.Response:
    """Create a base connection of ``spec_id`` with ``auth``, then POST a target connection
    with ``params`` on it: the answer."""
    base = api.created(
        "/connections", {"name": "c", "connectionSpec": spec_ref(spec_id), "auth": auth}
    )
    body = {
        "name": "t",
        "baseConnectionId": base["id"],
        "connectionSpec": spec_ref(spec_id),
        "params": params,
    }
    return api.post("/targetConnections", body)


def error_of(answer: Any, status: int = 400) -> tuple[str, str]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status
    assert body["report"]["request-id"] == answer.headers["x-request-id"]
    return body["type"].rsplit("/", 1)[1], body["report"]["detailed-message"]


@pytest.mark.parametrize(("spec_id", "spec_name"), AUTH_CASES)
def test_every_auth_spec_creates_a_base_connection(
    emulator: Emulator, spec_id: str, spec_name: str
) -> None:
    params = auth_params(spec_id, spec_name)
    api = Api(emulator)

    created = api.created("/connections", base_body(spec_id, spec_name, params))

    assert set(created) == {"id", "etag"}
    assert created["etag"].startswith('"')
    assert created["etag"].endswith('"')
    stored = emulator.store.get("connections", created["id"])
    assert stored is not None
    assert stored["auth"] == {"specName": spec_name, "params": params}


@pytest.mark.parametrize(("spec_id", "spec_name"), AUTH_CASES)
def test_get_never_returns_a_secret(emulator: Emulator, spec_id: str, spec_name: str) -> None:
    params = auth_params(spec_id, spec_name)
    api = Api(emulator)
    created = api.created("/connections", base_body(spec_id, spec_name, params))

    single = api.get(f"/connections/{created['id']}")
    listed = api.get("/connections")

    shown = single.json()["items"][0]["auth"]["params"]
    for name, value in params.items():
        if name in specs.SECRET_PARAM_NAMES:
            assert shown[name] == MASK
            assert value not in single.text
            assert value not in listed.text
        else:
            assert shown[name] == value


def test_a_get_answers_the_resource_inside_items(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.created("/connections", payloads.s3_base())

    body = api.get(f"/connections/{created['id']}").json()

    assert list(body) == ["items"]
    item = body["items"][0]
    assert item["id"] == created["id"]
    assert item["etag"] == item["version"] == created["etag"]
    assert item["state"] == "enabled"
    assert item["imsOrgId"] == api.client.org_id
    assert item["createdClient"] == api.client.client_id
    assert item["connectionSpec"] == spec_ref(specs.AMAZON_S3)


def test_an_unknown_auth_spec_name_is_400(emulator: Emulator) -> None:
    body = base_body(specs.AMAZON_S3, "Secret Key", {"s3AccessKey": "a", "s3SecretKey": "b"})

    code, message = error_of(Api(emulator).post("/connections", body))

    assert code == "FLOW-1005-400"
    assert "Access Key" in message
    assert emulator.store.list("connections") == []


def test_a_missing_required_auth_param_is_400_without_echoing_secrets(emulator: Emulator) -> None:
    body = base_body(
        specs.CAMPAIGN,
        "SFTP with Password",
        {"domain": "d", "host": "h", "password": "hunter2-do-not-echo"},
    )

    code, message = error_of(Api(emulator).post("/connections", body))

    assert code == "FLOW-1006-400"
    assert "'username' is required" in message
    assert "hunter2-do-not-echo" not in message


def test_an_empty_required_auth_param_is_400(emulator: Emulator) -> None:
    body = base_body(specs.AMAZON_S3, "Access Key", {"s3AccessKey": "a", "s3SecretKey": " "})

    code, message = error_of(Api(emulator).post("/connections", body))

    assert code == "FLOW-1006-400"
    assert "s3SecretKey" in message


def test_a_destination_needs_auth(emulator: Emulator) -> None:
    body = {"name": "no auth", "connectionSpec": spec_ref(specs.AMAZON_S3)}

    code, _ = error_of(Api(emulator).post("/connections", body))

    assert code == "FLOW-1005-400"


def test_data_landing_zone_needs_no_auth(emulator: Emulator) -> None:
    body = {"name": "dlz", "connectionSpec": spec_ref(specs.DLZ)}

    assert Api(emulator).post("/connections", body).status_code == 201


def test_an_unknown_connection_spec_is_400(emulator: Emulator) -> None:
    body = {"name": "x", "connectionSpec": spec_ref("00000000-0000-0000-0000-000000000000")}

    code, message = error_of(Api(emulator).post("/connections", body))

    assert code == "FLOW-1004-400"
    assert "valid spec id" in message


def test_a_connection_spec_without_version_is_422(emulator: Emulator) -> None:
    body = {**payloads.s3_base(), "connectionSpec": {"id": specs.AMAZON_S3}}

    code, message = error_of(Api(emulator).post("/connections", body), 422)

    assert code == "FLOW-1002-422"
    assert "version" in message


@pytest.mark.parametrize("body", [[], "text", {"connectionSpec": spec_ref(specs.AMAZON_S3)}])
def test_malformed_bodies_are_400(emulator: Emulator, body: Any) -> None:
    assert Api(emulator).post("/connections", body).status_code == 400


def test_a_body_that_is_not_json_is_400(emulator: Emulator) -> None:
    answer = Api(emulator).request(
        "POST", "/connections", data=b"{not json", headers={"Content-Type": "application/json"}
    )

    code, _ = error_of(answer)
    assert code == "FLOW-1001-400"


# --- source connections -----------------------------------------------------------------


def test_a_profile_store_source_connection(emulator: Emulator) -> None:
    base, item = created_on_a_new_base(
        Api(emulator), payloads.profile_base(), "/sourceConnections", payloads.profile_source
    )

    assert item["baseConnectionId"] == base["id"]
    assert item["typeInfo"] == {"type": "ProfileFragments", "id": "ups"}
    assert item["inheritedAttributes"]["baseConnection"]["id"] == base["id"]
    assert item["data"] == {"format": "CSV", "schema": None}


def test_a_source_connection_on_an_unknown_base_connection_is_400(emulator: Emulator) -> None:
    answer = Api(emulator).post("/sourceConnections", payloads.profile_source("no-such-base"))

    code, message = error_of(answer)
    assert code == "FLOW-1010-400"
    assert "no-such-base" in message


def test_a_source_connection_on_a_base_of_another_spec_is_400(emulator: Emulator) -> None:
    api = Api(emulator)
    s3_base = api.created("/connections", payloads.s3_base())

    code, _ = error_of(api.post("/sourceConnections", payloads.profile_source(s3_base["id"])))

    assert code == "FLOW-1010-400"


def test_a_destination_spec_cannot_be_a_source(emulator: Emulator) -> None:
    api = Api(emulator)
    body = {**payloads.profile_source("x"), "connectionSpec": spec_ref(specs.AMAZON_S3)}

    code, _ = error_of(api.post("/sourceConnections", body))

    assert code == "FLOW-1004-400"


# --- target connections -----------------------------------------------------------------


def test_a_target_connection(emulator: Emulator) -> None:
    api = Api(emulator)
    base, item = created_on_a_new_base(
        api, payloads.s3_base(), "/targetConnections", payloads.s3_target
    )

    assert item["params"] == payloads.s3_target(base["id"])["params"]
    assert item["baseConnectionId"] == base["id"]
    assert item["inheritedAttributes"]["baseConnection"] == {
        "id": base["id"],
        "connectionSpec": spec_ref(specs.AMAZON_S3),
    }
    assert S3_SECRET_KEY not in api.get("/targetConnections").text


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({"mode": "S3", "bucketName": "b", "path": "p"}, "'format' is required"),
        ({"mode": "FTP", "remotePath": "/x", "format": "CSV"}, "params.mode: must be one of S3"),
        ({"mode": "S3", "bucketName": "b", "path": "p", "format": "JSON"}, "params.format"),
        ({"bucketName": "b", "path": "p", "format": "CSV"}, "'mode' is required"),
    ],
)
def test_target_params_follow_the_target_spec(
    emulator: Emulator, params: dict[str, str], complaint: str
) -> None:
    api = Api(emulator)
    base = api.created("/connections", payloads.s3_base())
    body = {**payloads.s3_target(base["id"]), "params": params}

    code, message = error_of(api.post("/targetConnections", body))

    assert code == "FLOW-1011-400"
    assert complaint in message


@pytest.mark.parametrize(
    ("params", "ok"),
    [
        ({"mode": "FTP", "remotePath": "/exports"}, True),
        ({"mode": "FTP"}, False),
        ({"mode": "AZURE_BLOB", "container": "c", "path": "p", "format": "CSV"}, True),
        ({"mode": "AZURE_BLOB", "bucketName": "b", "path": "p", "format": "CSV"}, False),
        ({"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"}, True),
    ],
)
def test_campaign_requirements_depend_on_the_mode(
    emulator: Emulator, params: dict[str, str], ok: bool
) -> None:
    auth = {"specName": "S3", "params": {"accessId": "a", "secretKey": "s"}}

    answer = post_target_on_a_new_base(Api(emulator), specs.CAMPAIGN, auth, params)

    assert answer.status_code == (201 if ok else 400), answer.text


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        ({}, True),  # no datasetFileType: listed in required, but for dataset exports only
        ({"fileType": "XML"}, False),
        ({"compression": "ZIP"}, False),
        ({"bucketName": None}, False),
        # Adobe's patterns: S3 bucket names, folder paths (%SEGMENT_NAME% only at the end).
        ({"bucketName": "Acme_Exports"}, False),
        ({"path": "aep exports/summer sale"}, False),
        ({"path": "aep/%SEGMENT_NAME%"}, True),
        ({"path": "aep/%SEGMENT_NAME%/daily"}, False),
        ({"csvOptions": {"delimiter": ",", "quote": '"'}}, True),
        ({"csvOptions": {"delimiter": "#"}}, False),
        ({"fileType": None}, False),
    ],
)
def test_new_card_target_params(emulator: Emulator, change: dict[str, Any], ok: bool) -> None:
    auth = {"specName": "Access Key", "params": payloads.s3_base()["auth"]["params"]}
    params = {
        "mode": "Server-to-server",
        "bucketName": "dataexportsbucket",
        "path": "dataexports",
        "fileType": "CSV",
        "compression": "GZIP",
    }
    params.update(change)
    params = {k: v for k, v in params.items() if v is not None}

    answer = post_target_on_a_new_base(Api(emulator), specs.NEW_S3, auth, params)

    assert answer.status_code == (201 if ok else 400)


def test_a_target_connection_needs_a_base_connection_of_its_spec(emulator: Emulator) -> None:
    api = Api(emulator)
    profile_base = api.created("/connections", payloads.profile_base())

    missing = api.post("/targetConnections", {**payloads.s3_target("x"), "baseConnectionId": None})
    unknown = api.post("/targetConnections", payloads.s3_target("no-such-base"))
    mismatched = api.post("/targetConnections", payloads.s3_target(profile_base["id"]))

    for answer in (missing, unknown, mismatched):
        assert error_of(answer)[0] == "FLOW-1010-400"


# --- delete ---------------------------------------------------------------------------


def test_delete_answers_202_then_the_resource_is_gone(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.created("/connections", payloads.s3_base())

    deleted = api.delete(f"/connections/{created['id']}")

    assert deleted.status_code == 202
    assert deleted.content == b""
    assert api.get(f"/connections/{created['id']}").status_code == 404
    assert api.delete(f"/connections/{created['id']}").status_code == 404


def test_a_base_connection_in_use_cannot_be_deleted(emulator: Emulator) -> None:
    api = Api(emulator)
    base = api.created("/connections", payloads.s3_base())
    target = api.created("/targetConnections", payloads.s3_target(base["id"]))

    code, message = error_of(api.delete(f"/connections/{base['id']}"))

    assert code == "FLOW-1050-400"
    assert target["id"] in message
    assert api.delete(f"/targetConnections/{target['id']}").status_code == 202
    assert api.delete(f"/connections/{base['id']}").status_code == 202


def test_connections_used_by_a_flow_cannot_be_deleted(emulator: Emulator) -> None:
    api = Api(emulator)
    flow = api.s3_flow()
    document = api.flow(flow["id"])

    source_id = document["sourceConnectionIds"][0]
    target_id = document["targetConnectionIds"][0]
    assert error_of(api.delete(f"/sourceConnections/{source_id}"))[0] == "FLOW-1050-400"
    assert error_of(api.delete(f"/targetConnections/{target_id}"))[0] == "FLOW-1050-400"
    assert api.delete(f"/flows/{flow['id']}").status_code == 202
    assert api.delete(f"/sourceConnections/{source_id}").status_code == 202
    assert api.delete(f"/targetConnections/{target_id}").status_code == 202


# --- PATCH /targetConnections/{id} (Adobe: help/destinations/api/edit-destination.md) ----------


def new_s3_target(api: Api) -> dict[str, Any]:
    """A new-card S3 target connection as created: ``{id, etag}``."""
    base = api.created(
        "/connections",
        {
            "name": "c",
            "connectionSpec": spec_ref(specs.NEW_S3),
            "auth": {"specName": "Access Key", "params": payloads.s3_base()["auth"]["params"]},
        },
    )
    params = {
        "mode": "Server-to-server",
        "bucketName": "dataexportsbucket",
        "path": "dataexports",
        "fileType": "CSV",
        "compression": "GZIP",
    }
    body = {
        "name": "t",
        "baseConnectionId": base["id"],
        "connectionSpec": spec_ref(specs.NEW_S3),
        "params": params,
    }
    return api.created("/targetConnections", body)


def replace_params(**changes: Any) -> list[dict[str, Any]]:
    params = {
        "mode": "Server-to-server",
        "bucketName": "dataexportsbucket",
        "path": "dataexports",
        "fileType": "CSV",
        "compression": "GZIP",
        **changes,
    }
    return [{"op": "replace", "path": "/params", "value": params}]


def test_a_patch_replaces_the_params_and_gives_a_new_etag(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_target(api)
    path = f"/targetConnections/{made['id']}"

    answer = api.patch(path, replace_params(path="updated/path"), made["etag"])

    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == made["id"]
    assert answer.json()["etag"] != made["etag"]
    item = api.get(path).json()["items"][0]
    assert item["params"]["path"] == "updated/path"
    assert item["etag"] == answer.json()["etag"]


def test_a_patch_with_a_stale_etag_is_412(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_target(api)
    path = f"/targetConnections/{made['id']}"
    assert api.patch(path, replace_params(path="one"), made["etag"]).status_code == 200

    answer = api.patch(path, replace_params(path="two"), made["etag"])

    assert answer.status_code == 412, answer.text
    assert api.get(path).json()["items"][0]["params"]["path"] == "one"


def test_a_patch_without_if_match_is_refused(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_target(api)
    path = f"/targetConnections/{made['id']}"

    code, message = error_of(api.patch(path, replace_params(path="other"), None))

    assert code == "FLOW-1040-400"
    assert "If-Match" in message
    assert api.get(path).json()["items"][0]["params"]["path"] == "dataexports"


def test_a_patch_breaking_the_target_spec_is_refused_with_its_rule(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_target(api)
    path = f"/targetConnections/{made['id']}"

    code, message = error_of(
        api.patch(path, replace_params(path="aep exports/summer sale"), made["etag"])
    )

    assert code == "FLOW-1011-400"
    assert "rule target-spec" in message
    item = api.get(path).json()["items"][0]
    assert item["params"]["path"] == "dataexports"
    assert item["etag"] == made["etag"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/baseConnectionId", "value": "other"},
        {"op": "replace", "path": "/parameters", "value": {}},
    ],
)
def test_a_patch_outside_params_is_refused(emulator: Emulator, operation: dict[str, Any]) -> None:
    api = Api(emulator)
    made = new_s3_target(api)
    path = f"/targetConnections/{made['id']}"

    code, message = error_of(api.patch(path, [operation], made["etag"]))

    assert code == "FLOW-1031-400"
    assert operation["path"] in message
    assert api.get(path).json()["items"][0]["name"] == "t"


# --- PATCH /connections/{id}: a base connection's auth params (edit-destination.md) ------------

NEW_S3_AUTH = {"s3AccessKey": "AKIAROTATEDKEY000001", "s3SecretKey": "rotated" + "Z" * 33}


def new_s3_base(api: Api) -> dict[str, Any]:
    return api.created("/connections", payloads.s3_base())


def replace_auth(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": "/auth/params", "value": params}]


def test_a_base_connection_patch_replaces_the_auth_params(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_base(api)
    path = f"/connections/{made['id']}"
    before = api.get(path).json()["items"][0]

    answer = api.patch(path, replace_auth(NEW_S3_AUTH), made["etag"])

    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == made["id"]
    assert answer.json()["etag"] != made["etag"]
    stored = emulator.store.get("connections", made["id"])
    assert stored is not None
    assert stored["auth"] == {"specName": "Access Key", "params": NEW_S3_AUTH}
    item = api.get(path).json()["items"][0]
    assert item["auth"]["params"]["s3SecretKey"] == MASK  # stored as at create, masked on GET
    assert NEW_S3_AUTH["s3SecretKey"] not in answer.text + api.get(path).text
    assert item["etag"] == answer.json()["etag"]
    assert item["updatedAt"] >= before["updatedAt"]
    assert item["name"] == before["name"]


def test_a_base_connection_patch_with_a_stale_etag_is_412(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_base(api)
    path = f"/connections/{made['id']}"
    assert api.patch(path, replace_auth(NEW_S3_AUTH), made["etag"]).status_code == 200

    answer = api.patch(path, replace_auth(payloads.s3_base()["auth"]["params"]), made["etag"])

    assert answer.status_code == 412, answer.text
    stored = emulator.store.get("connections", made["id"])
    assert stored is not None
    assert stored["auth"]["params"] == NEW_S3_AUTH


def test_a_base_connection_patch_without_if_match_is_refused(emulator: Emulator) -> None:
    api = Api(emulator)
    made = new_s3_base(api)

    code, message = error_of(
        api.patch(f"/connections/{made['id']}", replace_auth(NEW_S3_AUTH), None)
    )

    assert code == "FLOW-1040-400"
    assert "If-Match" in message
    stored = emulator.store.get("connections", made["id"])
    assert stored is not None
    assert stored["auth"]["params"] != NEW_S3_AUTH


def test_a_base_connection_patch_breaking_the_auth_spec_is_refused_without_echo(
    emulator: Emulator,
) -> None:
    api = Api(emulator)
    made = new_s3_base(api)
    path = f"/connections/{made['id']}"
    secret = "only-one-secret-sent-zz9"

    answer = api.patch(path, replace_auth({"s3SecretKey": secret}), made["etag"])

    code, message = error_of(answer)
    assert code == "FLOW-1006-400"
    assert "rule auth-spec" in message
    assert secret not in answer.text
    assert api.get(path).json()["items"][0]["etag"] == made["etag"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/auth/specName", "value": "Other"},
        {"op": "replace", "path": "/connectionSpec", "value": {}},
    ],
)
def test_a_base_connection_patch_outside_auth_params_is_refused(
    emulator: Emulator, operation: dict[str, Any]
) -> None:
    api = Api(emulator)
    made = new_s3_base(api)
    path = f"/connections/{made['id']}"

    code, message = error_of(api.patch(path, [operation], made["etag"]))

    assert code == "FLOW-1031-400"
    assert operation["path"] in message
    assert api.get(path).json()["items"][0]["etag"] == made["etag"]
