"""List calls: ``property`` filters, ``orderby``, ``limit`` and ``continuationToken`` paging."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from local.emulator import Emulator
from tests.emulator.helpers import Api
from tests.support import payloads


def create_bases(api: Api, count: int, name: str = "base") -> list[str]:
    return [
        api.created("/connections", payloads.profile_base(f"{name}-{i}"))["id"]
        for i in range(count)
    ]


def follow(api: Api, first_path: str, **params: object) -> tuple[list[str], list[str]]:
    """All ids over every page, and the hrefs followed."""
    answer = api.get(first_path, params=params)
    ids, hrefs = [], []
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        ids.extend(item["id"] for item in body["items"])
        href = body["_links"].get("next", {}).get("href")
        if href is None:
            return ids, hrefs
        hrefs.append(href)
        answer = api.get(href)  # relative to the Flow Service base


def test_default_page_size_is_three_and_next_links_reach_the_end(emulator: Emulator) -> None:
    api = Api(emulator)
    created = create_bases(api, 7)

    first = api.get("/connections").json()
    ids, hrefs = follow(api, "/connections")

    assert len(first["items"]) == 3
    assert ids == created
    assert len(hrefs) == 2


def test_the_last_page_has_no_next_link(emulator: Emulator) -> None:
    api = Api(emulator)
    create_bases(api, 3)

    body = api.get("/connections").json()

    assert len(body["items"]) == 3
    assert body["_links"] == {}


def test_next_href_is_relative_to_the_base_and_keeps_the_filters(emulator: Emulator) -> None:
    api = Api(emulator)
    create_bases(api, 5, "keep")
    create_bases(api, 2, "other")

    body = api.get("/connections", params={"property": "name~keep", "limit": "2"}).json()
    href = body["_links"]["next"]["href"]
    parts = urlsplit(href)
    query = parse_qs(parts.query)

    assert parts.path == "/connections"
    assert not parts.scheme
    assert not parts.netloc
    assert query["property"] == ["name~keep"]
    assert query["limit"] == ["2"]
    assert query["continuationToken"]
    ids, _ = follow(api, "/connections", property="name~keep", limit="2")
    assert len(ids) == 5


def test_limit_sets_the_page_size(emulator: Emulator) -> None:
    api = Api(emulator)
    create_bases(api, 5)

    assert len(api.get("/connections", params={"limit": 5}).json()["items"]) == 5
    assert len(api.get("/connections", params={"limit": 1}).json()["items"]) == 1


def test_the_default_page_size_is_configurable(emulator: Emulator) -> None:
    api = Api(emulator)
    create_bases(api, 5)
    emulator.page_size = 4

    assert len(api.get("/connections").json()["items"]) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "many"},
        {"limit": "101"},
        {"continuationToken": "!!!"},
        {"property": "nameIsX"},
    ],
)
def test_bad_list_parameters_are_400(emulator: Emulator, params: dict[str, str]) -> None:
    answer = Api(emulator).get("/connections", params=params)

    assert answer.status_code == 400
    assert answer.json()["type"].endswith("FLOW-1060-400")


def test_property_filters_are_anded(emulator: Emulator) -> None:
    api = Api(emulator)
    wanted = api.created("/connections", payloads.s3_base("shared-name"))["id"]
    api.created("/connections", payloads.profile_base("shared-name"))
    api.created("/connections", payloads.s3_base("another-name"))

    answer = api.get(
        "/connections",
        params={
            "property": [
                "name==shared-name",
                "connectionSpec.id==4890fc95-5a1f-4983-94bb-e060c08e3f81",
            ]
        },
    )

    assert [item["id"] for item in answer.json()["items"]] == [wanted]


def test_not_equal_and_numeric_comparisons(emulator: Emulator) -> None:
    api = Api(emulator)
    ids = create_bases(api, 3)
    middle = emulator.store.get("connections", ids[1])
    assert middle is not None

    not_first = api.get("/connections", params={"property": "name!=base-0"}).json()["items"]
    recent = api.get(
        "/connections", params={"property": f"createdAt>={middle['createdAt']}", "limit": 10}
    ).json()["items"]

    assert [item["id"] for item in not_first] == ids[1:]
    assert {ids[1], ids[2]} <= {item["id"] for item in recent}
    assert all(item["createdAt"] >= middle["createdAt"] for item in recent)


def test_orderby_sorts_descending_with_a_minus(emulator: Emulator) -> None:
    api = Api(emulator)
    ids = create_bases(api, 3)

    answer = api.get("/connections", params={"orderby": "-name"}).json()["items"]

    assert [item["id"] for item in answer] == list(reversed(ids))


def test_filters_cannot_see_secrets(emulator: Emulator) -> None:
    api = Api(emulator)
    secret = payloads.s3_base()["auth"]["params"]["s3SecretKey"]
    api.created("/connections", payloads.s3_base())

    answer = api.get("/connections", params={"property": f"auth.params.s3SecretKey=={secret}"})

    assert answer.json()["items"] == []
