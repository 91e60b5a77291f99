"""Data Prep lists answer as Adobe's pages show them, with an option for the other shape.

``help/data-prep/api/schemas.md`` ("Get all schemas") and ``mapping-set.md`` ("List mapping
sets") in AdobeDocs/experience-platform.en show list items without ``name`` and document
``name`` as a query filter of both lists.
"""

from __future__ import annotations

import pytest

from local.emulator import Emulator
from tests.emulator.helpers import (
    Api,
    conversion,
    created_conversion,
    input_schema_body,
    mapping_set_body,
    output_schema_body,
)

PAGE = {"start": 0, "limit": 10}


def two_of_each(api: Api) -> tuple[list[str], list[str]]:
    """Schemas "in-a", "in-b", "out", and mapping sets "set-a", "set-b"."""
    schemas = [
        created_conversion(api, "/schemas", input_schema_body(name))["id"]
        for name in ("in-a", "in-b")
    ]
    output = created_conversion(api, "/schemas", output_schema_body("out"))["id"]
    sets = []
    for name, input_id in zip(("set-a", "set-b"), schemas, strict=True):
        body = {**mapping_set_body(input_id, output), "name": name}
        sets.append(created_conversion(api, "/mappingSets", body)["id"])
    return schemas, sets


@pytest.mark.parametrize("collection", ["/schemas", "/mappingSets"])
def test_list_items_carry_no_name_as_adobe_documents(emulator: Emulator, collection: str) -> None:
    api = Api(emulator)
    two_of_each(api)

    answer = conversion(api, "GET", collection, params=PAGE)

    assert answer.status_code == 200, answer.text
    items = answer.json()["data"]
    assert items
    assert all("name" not in item for item in items)
    assert all(isinstance(item["id"], str) and "version" in item for item in items)


def test_the_name_filter_is_honoured_without_names_in_the_items(emulator: Emulator) -> None:
    api = Api(emulator)
    schemas, sets = two_of_each(api)

    found_schemas = conversion(api, "GET", "/schemas", params={**PAGE, "name": "in-b"}).json()
    found_sets = conversion(api, "GET", "/mappingSets", params={**PAGE, "name": "set-a"}).json()
    nothing = conversion(api, "GET", "/mappingSets", params={**PAGE, "name": "set"}).json()

    assert [s["id"] for s in found_schemas["data"]] == [schemas[1]]
    assert "jsonSchema" in found_schemas["data"][0]  # what a client confirms a schema by
    assert [m["id"] for m in found_sets["data"]] == [sets[0]]
    assert found_sets["data"][0]["mappings"]  # ... and a mapping set
    assert nothing["data"] == []


@pytest.mark.parametrize("collection", ["/schemas", "/mappingSets"])
def test_the_other_shape_gives_each_item_its_name(emulator: Emulator, collection: str) -> None:
    api = Api(emulator)
    two_of_each(api)
    emulator.configure(data_prep_list_names=True)

    items = conversion(api, "GET", collection, params=PAGE).json()["data"]

    assert sorted(item["name"] for item in items) == (
        ["in-a", "in-b", "out"] if collection == "/schemas" else ["set-a", "set-b"]
    )


def test_reset_restores_the_documented_shape(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.configure(data_prep_list_names=True)
    emulator.reset()
    created_conversion(api, "/schemas", input_schema_body("in"))

    (item,) = conversion(api, "GET", "/schemas", params=PAGE).json()["data"]

    assert "name" not in item
    assert emulator.configure()["dataPrepListNames"] is False
