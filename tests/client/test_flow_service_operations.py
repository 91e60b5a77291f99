"""Every FlowServiceClient operation against the emulator, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.catalog import DATA_LAKE_CONNECTION_SPEC_ID
from aep_activation.errors import EtagMismatch, ResourceNotFound
from aep_activation.flow_service import Created, FlowServiceClient, Resources
from aep_activation.platform_api import quoted_etag
from local.emulator import Emulator
from tests.support import payloads

from .conftest import MakeClient

FLOW_SERVICE_BASE = "/data/foundation/flowservice"


def build_flow(client: FlowServiceClient, name: str = "s3 flow") -> Created:
    profile = client.connections.create(payloads.profile_base())
    source = client.source_connections.create(payloads.profile_source(profile.id))
    base = client.connections.create(payloads.s3_base())
    target = client.target_connections.create(payloads.s3_target(base.id))
    return client.flows.create(payloads.flow(source.id, target.id, name=name))


def platform_calls(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.path.startswith(FLOW_SERVICE_BASE)]


# --- headers ---------------------------------------------------------------------------


def test_every_call_carries_adobes_headers(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client(sandbox="dev-sandbox")
    build_flow(client)
    client.flows.list()

    calls = platform_calls(emulator)
    assert calls
    for call in calls:
        assert call.header("Authorization") == "Bearer <redacted>"
        assert call.header("x-api-key") == "local-client-id"
        assert call.header("x-gw-ims-org-id") == "LOCALORG0000000000000000@AdobeOrg"
        assert call.header("x-sandbox-name") == "dev-sandbox"
        assert call.header("Accept") == "application/json"
        if call.method in ("POST", "PATCH"):
            assert call.header("Content-Type") == "application/json"
    # Everything landed in the named sandbox, nothing in prod.
    assert emulator.list_resources("flows", sandbox="dev-sandbox")
    assert not emulator.list_resources("flows", sandbox="prod")


# --- specs -------------------------------------------------------------------------------


def test_connection_specs(client: FlowServiceClient) -> None:
    specs = client.connection_specs.list()
    s3 = client.connection_specs.get(payloads.AMAZON_S3)

    assert payloads.AMAZON_S3 in {spec["id"] for spec in specs}
    assert s3["id"] == payloads.AMAZON_S3
    assert "Access Key" in {auth["name"] for auth in s3["authSpec"]}
    assert client.connection_specs.find_by_name(s3["name"]) == s3
    assert client.connection_specs.find_by_name("No Such Destination") is None
    assert [spec["id"] for spec in client.connection_specs.list(f"name=={s3['name']}")] == [
        payloads.AMAZON_S3
    ]


def test_flow_specs_are_matched_on_target_and_source(client: FlowServiceClient) -> None:
    legacy = client.flow_specs.find_joining(payloads.AMAZON_S3)
    audience = client.flow_specs.find_joining(payloads.AMAZON_S3_NEW)
    dataset = client.flow_specs.find_joining(payloads.AMAZON_S3_NEW, DATA_LAKE_CONNECTION_SPEC_ID)

    assert legacy is not None
    assert legacy["id"] == payloads.FILE_STORAGE_FLOW_SPEC
    assert audience is not None
    assert dataset is not None
    assert audience["id"] == "1a0514a6-33d4-4c7f-aff8-594799c47549"
    assert dataset["id"] == "269ba276-16fc-47db-92b0-c1049a3c131f"
    assert client.flow_specs.find_joining("00000000-0000-0000-0000-000000000000") is None
    assert client.flow_specs.get(audience["id"])["id"] == audience["id"]
    named = client.flow_specs.list(f"name=={legacy['name']}")
    assert [spec["id"] for spec in named] == [legacy["id"]]


# --- connections, source and target connections ------------------------------------------


@pytest.mark.parametrize("kind", ["connection", "source_connection", "target_connection"], ids=str)
def test_create_get_list_find_delete(client: FlowServiceClient, kind: str) -> None:
    profile = client.connections.create(payloads.profile_base("shared profile base"))
    s3 = client.connections.create(payloads.s3_base("shared s3 base"))

    def body(name: str) -> dict[str, Any]:
        if kind == "connection":
            return payloads.s3_base(name)
        if kind == "source_connection":
            return payloads.profile_source(profile.id, name)
        return payloads.s3_target(s3.id, name)

    collection: Resources = getattr(client, f"{kind}s")
    create = collection.create
    get = collection.get
    list_all = collection.list
    find = collection.find_by_name
    delete = collection.delete

    first: Created = create(body("alpha"))
    second: Created = create(body("beta"))

    assert first.etag
    assert first.etag.startswith('"')
    assert first.etag.endswith('"')
    assert get(first.id)["name"] == "alpha"
    assert {"alpha", "beta"} <= {item["name"] for item in list_all()}
    assert [item["id"] for item in list_all("name==beta")] == [second.id]
    found = find("alpha")
    assert found is not None
    assert found["id"] == first.id
    assert find("gamma") is None

    delete(first.id)

    assert find("alpha") is None
    with pytest.raises(ResourceNotFound):
        get(first.id)


def test_find_by_name_prefers_the_oldest_of_duplicates(client: FlowServiceClient) -> None:
    older = client.connections.create(payloads.s3_base("twin"))
    client.connections.create(payloads.s3_base("twin"))
    client.connections.create(payloads.s3_base("twin-not-quite"))

    found = client.connections.find_by_name("twin")

    assert found is not None
    assert found["id"] == older.id


def test_names_with_spaces_and_symbols_are_found(client: FlowServiceClient) -> None:
    name = "Summer sale S3 - target.v2_x"
    created = client.connections.create(payloads.s3_base(name))

    found = client.connections.find_by_name(name)

    assert found is not None
    assert found["id"] == created.id


# --- paging --------------------------------------------------------------------------------


def test_lists_follow_next_links_across_pages(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.page_size = 2
    ids = {client.connections.create(payloads.s3_base(f"paged {n}")).id for n in range(7)}

    listed = client.connections.list()

    assert {item["id"] for item in listed} == ids
    assert len(listed) == 7
    pages = [r for r in platform_calls(emulator) if r.method == "GET"]
    assert len(pages) == 4
    assert all(r.status == 200 for r in pages)
    assert "continuationToken" in pages[-1].query


def test_filters_hold_on_every_page(emulator: Emulator, client: FlowServiceClient) -> None:
    emulator.page_size = 2
    for n in range(5):
        client.connections.create(payloads.s3_base("wanted"))
        client.connections.create(payloads.s3_base(f"unwanted {n}"))

    listed = client.connections.list("name==wanted")

    assert [item["name"] for item in listed] == ["wanted"] * 5


def test_several_properties_are_anded(client: FlowServiceClient) -> None:
    client.connections.create(payloads.s3_base("both"))
    client.connections.create(payloads.profile_base("both"))

    listed = client.connections.list("name==both", f"connectionSpec.id=={payloads.AMAZON_S3}")

    assert [item["connectionSpec"]["id"] for item in listed] == [payloads.AMAZON_S3]


# --- flows -------------------------------------------------------------------------------------


def test_flow_create_get_list_find_delete(client: FlowServiceClient) -> None:
    created = build_flow(client, name="my flow")

    flow = client.flows.get(created.id)

    assert flow["etag"] == created.etag
    assert flow["flowSpec"]["id"] == payloads.FILE_STORAGE_FLOW_SPEC
    assert [item["id"] for item in client.flows.list()] == [created.id]
    found = client.flows.find_by_name("my flow")
    assert found is not None
    assert found["id"] == created.id

    client.flows.delete(created.id)

    assert client.flows.find_by_name("my flow") is None


def test_patch_with_200_returns_the_new_etag(emulator: Emulator, client: FlowServiceClient) -> None:
    created = build_flow(client)
    assert created.etag is not None

    new_etag = client.flows.patch(
        created.id, [payloads.add_segment(), payloads.add_attribute()], created.etag
    )

    flow = client.flows.get(created.id)
    assert new_etag == flow["etag"] != created.etag
    selectors = flow["transformations"][0]["params"]["segmentSelectors"]["selectors"]
    assert [s["value"]["id"] for s in selectors] == [payloads.SEGMENT_ID]
    assert emulator.requests[-2].header("If-Match") == created.etag


def test_patch_with_202_and_no_body_returns_none(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.patch_status = 202
    created = build_flow(client)
    assert created.etag is not None

    assert client.flows.patch(created.id, [payloads.add_segment()], created.etag) is None
    assert client.flows.get(created.id)["etag"] != created.etag


@pytest.mark.parametrize(
    "form",
    [
        lambda etag: etag,  # as Adobe hands it out: "\"...\"" in JSON, i.e. quoted
        lambda etag: etag.strip('"'),  # bare
        lambda etag: etag.replace('"', '\\"'),  # copied from an escaped JSON dump
    ],
    ids=["quoted", "bare", "escaped"],
)
def test_if_match_is_sent_with_its_double_quotes(
    emulator: Emulator, client: FlowServiceClient, form: Any
) -> None:
    created = build_flow(client)
    assert created.etag is not None

    client.flows.patch(created.id, [payloads.add_segment()], form(created.etag))

    patch = next(r for r in emulator.requests if r.method == "PATCH")
    assert patch.header("If-Match") == created.etag
    assert patch.status == 200


def test_a_target_connections_params_are_patched_under_its_etag(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    base = client.connections.create(payloads.s3_base())
    created = client.target_connections.create(payloads.s3_target(base.id))
    assert created.etag is not None
    params = {**payloads.s3_target(base.id)["params"], "path": "aep/autumn"}

    new_etag = client.target_connections.patch(
        created.id, [{"op": "replace", "path": "/params", "value": params}], created.etag
    )

    target = client.target_connections.get(created.id)
    assert target["params"] == params
    assert new_etag == target["etag"] != created.etag
    patch = next(r for r in emulator.requests if r.method == "PATCH")
    assert patch.relative_path == f"/targetConnections/{created.id}"
    assert patch.header("If-Match") == created.etag


def test_a_target_connection_patch_on_a_stale_etag_is_an_etag_mismatch(
    client: FlowServiceClient,
) -> None:
    base = client.connections.create(payloads.s3_base())
    created = client.target_connections.create(payloads.s3_target(base.id))
    assert created.etag is not None
    params = {**payloads.s3_target(base.id)["params"], "path": "aep/autumn"}
    replace = [{"op": "replace", "path": "/params", "value": params}]
    client.target_connections.patch(created.id, replace, created.etag)

    with pytest.raises(EtagMismatch):
        client.target_connections.patch(created.id, replace, created.etag)


def test_quoted_etag_normalises_every_form() -> None:
    assert quoted_etag('"abc-1"') == '"abc-1"'
    assert quoted_etag("abc-1") == '"abc-1"'
    assert quoted_etag(' \\"abc-1\\" ') == '"abc-1"'


# --- runs --------------------------------------------------------------------------------------


def test_list_runs_of_one_flow(emulator: Emulator, client: FlowServiceClient) -> None:
    emulator.page_size = 2
    mine = build_flow(client, "mine")
    other = build_flow(client, "other")
    for _ in range(3):
        emulator.add_run(mine.id)
    emulator.add_run(other.id, status="failed")

    runs = client.runs.of_flow(mine.id)

    assert len(runs) == 3
    assert {run["flowId"] for run in runs} == {mine.id}
    assert client.runs.of_flow(build_flow(client, "idle").id) == []


def test_a_base_connections_auth_params_are_patched_under_its_etag(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    created = client.connections.create(payloads.s3_base())
    assert created.etag is not None
    params = {"s3AccessKey": "AKIAROTATEDKEY000001", "s3SecretKey": "rotated" + "Z" * 33}

    new_etag = client.connections.patch(
        created.id, [{"op": "replace", "path": "/auth/params", "value": params}], created.etag
    )

    stored = emulator.store.get("connections", created.id)
    assert stored is not None
    assert stored["auth"]["params"] == params
    assert new_etag == client.connections.get(created.id)["etag"] != created.etag
    patch = next(r for r in emulator.requests if r.method == "PATCH")
    assert patch.relative_path == f"/connections/{created.id}"
    assert patch.header("If-Match") == created.etag
