"""Every FlowServiceClient operation against the emulator, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.catalog import DATA_LAKE_CONNECTION_SPEC_ID
from aep_activation.errors import ResourceNotFound
from aep_activation.flow_service import (
    Created,
    FlowServiceClient,
    quoted_etag,
)
from local.emulator import Emulator
from tests.support import payloads

from .conftest import MakeClient

FLOW_SERVICE_BASE = "/data/foundation/flowservice"


def build_flow(client: FlowServiceClient, name: str = "s3 flow") -> Created:
    profile = client.create_connection(payloads.profile_base())
    source = client.create_source_connection(payloads.profile_source(profile.id))
    base = client.create_connection(payloads.s3_base())
    target = client.create_target_connection(payloads.s3_target(base.id))
    return client.create_flow(payloads.flow(source.id, target.id, name=name))


def platform_calls(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.path.startswith(FLOW_SERVICE_BASE)]


# --- headers ---------------------------------------------------------------------------


def test_every_call_carries_adobes_headers(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client(sandbox="dev-sandbox")
    build_flow(client)
    client.list_flows()

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
    specs = client.list_connection_specs()
    s3 = client.get_connection_spec(payloads.AMAZON_S3)

    assert payloads.AMAZON_S3 in {spec["id"] for spec in specs}
    assert s3["id"] == payloads.AMAZON_S3
    assert "Access Key" in {auth["name"] for auth in s3["authSpec"]}
    assert client.find_connection_spec_by_name(s3["name"]) == s3
    assert client.find_connection_spec_by_name("No Such Destination") is None
    assert [spec["id"] for spec in client.list_connection_specs(f"name=={s3['name']}")] == [
        payloads.AMAZON_S3
    ]


def test_flow_specs_are_matched_on_target_and_source(client: FlowServiceClient) -> None:
    legacy = client.find_flow_spec(payloads.AMAZON_S3)
    audience = client.find_flow_spec(payloads.AMAZON_S3_NEW)
    dataset = client.find_flow_spec(payloads.AMAZON_S3_NEW, DATA_LAKE_CONNECTION_SPEC_ID)

    assert legacy is not None
    assert legacy["id"] == payloads.FILE_STORAGE_FLOW_SPEC
    assert audience is not None
    assert dataset is not None
    assert audience["id"] == "1a0514a6-33d4-4c7f-aff8-594799c47549"
    assert dataset["id"] == "269ba276-16fc-47db-92b0-c1049a3c131f"
    assert client.find_flow_spec("00000000-0000-0000-0000-000000000000") is None
    assert client.get_flow_spec(audience["id"])["id"] == audience["id"]
    named = client.list_flow_specs(f"name=={legacy['name']}")
    assert [spec["id"] for spec in named] == [legacy["id"]]


# --- connections, source and target connections ------------------------------------------


@pytest.mark.parametrize("kind", ["connection", "source_connection", "target_connection"], ids=str)
def test_create_get_list_find_delete(client: FlowServiceClient, kind: str) -> None:
    profile = client.create_connection(payloads.profile_base("shared profile base"))
    s3 = client.create_connection(payloads.s3_base("shared s3 base"))

    def body(name: str) -> dict[str, Any]:
        if kind == "connection":
            return payloads.s3_base(name)
        if kind == "source_connection":
            return payloads.profile_source(profile.id, name)
        return payloads.s3_target(s3.id, name)

    create = getattr(client, f"create_{kind}")
    get = getattr(client, f"get_{kind}")
    list_all = getattr(client, f"list_{kind}s")
    find = getattr(client, f"find_{kind}_by_name")
    delete = getattr(client, f"delete_{kind}")

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
    older = client.create_connection(payloads.s3_base("twin"))
    client.create_connection(payloads.s3_base("twin"))
    client.create_connection(payloads.s3_base("twin-not-quite"))

    found = client.find_connection_by_name("twin")

    assert found is not None
    assert found["id"] == older.id


def test_names_with_spaces_and_symbols_are_found(client: FlowServiceClient) -> None:
    name = "Summer sale S3 - target.v2_x"
    created = client.create_connection(payloads.s3_base(name))

    found = client.find_connection_by_name(name)

    assert found is not None
    assert found["id"] == created.id


# --- paging --------------------------------------------------------------------------------


def test_lists_follow_next_links_across_pages(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.page_size = 2
    ids = {client.create_connection(payloads.s3_base(f"paged {n}")).id for n in range(7)}

    listed = client.list_connections()

    assert {item["id"] for item in listed} == ids
    assert len(listed) == 7
    pages = [r for r in platform_calls(emulator) if r.method == "GET"]
    assert len(pages) == 4
    assert all(r.status == 200 for r in pages)
    assert "continuationToken" in pages[-1].query


def test_filters_hold_on_every_page(emulator: Emulator, client: FlowServiceClient) -> None:
    emulator.page_size = 2
    for n in range(5):
        client.create_connection(payloads.s3_base("wanted"))
        client.create_connection(payloads.s3_base(f"unwanted {n}"))

    listed = client.list_connections("name==wanted")

    assert [item["name"] for item in listed] == ["wanted"] * 5


def test_several_properties_are_anded(client: FlowServiceClient) -> None:
    client.create_connection(payloads.s3_base("both"))
    client.create_connection(payloads.profile_base("both"))

    listed = client.list_connections("name==both", f"connectionSpec.id=={payloads.AMAZON_S3}")

    assert [item["connectionSpec"]["id"] for item in listed] == [payloads.AMAZON_S3]


# --- flows -------------------------------------------------------------------------------------


def test_flow_create_get_list_find_delete(client: FlowServiceClient) -> None:
    created = build_flow(client, name="my flow")

    flow = client.get_flow(created.id)

    assert flow["etag"] == created.etag
    assert flow["flowSpec"]["id"] == payloads.FILE_STORAGE_FLOW_SPEC
    assert [item["id"] for item in client.list_flows()] == [created.id]
    found = client.find_flow_by_name("my flow")
    assert found is not None
    assert found["id"] == created.id

    client.delete_flow(created.id)

    assert client.find_flow_by_name("my flow") is None


def test_patch_with_200_returns_the_new_etag(emulator: Emulator, client: FlowServiceClient) -> None:
    created = build_flow(client)
    assert created.etag is not None

    new_etag = client.patch_flow(
        created.id, [payloads.add_segment(), payloads.add_attribute()], created.etag
    )

    flow = client.get_flow(created.id)
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

    assert client.patch_flow(created.id, [payloads.add_segment()], created.etag) is None
    assert client.get_flow(created.id)["etag"] != created.etag


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

    client.patch_flow(created.id, [payloads.add_segment()], form(created.etag))

    patch = next(r for r in emulator.requests if r.method == "PATCH")
    assert patch.header("If-Match") == created.etag
    assert patch.status == 200


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

    runs = client.list_runs(mine.id)

    assert len(runs) == 3
    assert {run["flowId"] for run in runs} == {mine.id}
    assert client.list_runs(build_flow(client, "idle").id) == []
