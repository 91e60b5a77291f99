"""Resource names are derived deterministically from the request."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.errors import InvalidActivationRequest
from aep_activation.naming import ResourceName, default_resource_names, resource_names
from aep_activation.request import parse_activation_request
from tests.model.invalid_requests import TODAY


def test_names_derive_from_the_request_name(body: dict[str, Any]) -> None:
    names = resource_names(parse_activation_request(body, today=TODAY))
    assert names.profile_base_connection.name == "summer-sale-s3 - Profile Store base connection"
    assert names.source_connection.name == "summer-sale-s3 - Profile Store source connection"
    assert names.destination_base_connection.name == "summer-sale-s3 - destination base connection"
    assert names.target_connection.name == "summer-sale-s3 - destination target connection"
    assert names.dataflow.name == "summer-sale-s3 - dataflow"
    assert "summer-sale-s3" in names.dataflow.description


def test_the_same_request_always_yields_the_same_names(body: dict[str, Any]) -> None:
    first = resource_names(parse_activation_request(body, today=TODAY))
    second = resource_names(parse_activation_request(dict(body), today=TODAY))
    assert first == second


def test_the_names_do_not_depend_on_audiences_or_schedule(body: dict[str, Any]) -> None:
    before = resource_names(parse_activation_request(body, today=TODAY))
    body["audiences"] = body["audiences"][:1]
    body["audiences"][0]["schedule"]["startTime"] = "03:00"
    assert resource_names(parse_activation_request(body, today=TODAY)) == before


def test_all_five_names_are_distinct(body: dict[str, Any]) -> None:
    names = resource_names(parse_activation_request(body, today=TODAY)).to_dict()
    assert len({entry["name"] for entry in names.values()}) == 5


def test_overrides_win_and_missing_parts_are_derived(body: dict[str, Any]) -> None:
    body["resources"] = {
        "dataflow": {"name": "Summer sale to S3"},
        "targetConnection": {"description": "Bucket acme-exports"},
    }
    names = resource_names(parse_activation_request(body, today=TODAY))
    defaults = default_resource_names("summer-sale-s3")
    assert names.dataflow == ResourceName("Summer sale to S3", defaults.dataflow.description)
    assert names.target_connection == ResourceName(
        defaults.target_connection.name, "Bucket acme-exports"
    )
    assert names.source_connection == defaults.source_connection


def test_to_dict_uses_the_request_keys(body: dict[str, Any]) -> None:
    names = resource_names(parse_activation_request(body, today=TODAY)).to_dict()
    assert list(names) == [
        "profileBaseConnection",
        "sourceConnection",
        "destinationBaseConnection",
        "targetConnection",
        "dataflow",
    ]
    assert set(names["dataflow"]) == {"name", "description"}


def test_a_destination_override_may_not_take_the_derived_profile_name(body: dict[str, Any]) -> None:
    body["resources"] = {
        "destinationBaseConnection": {"name": "summer-sale-s3 - Profile Store base connection"}
    }
    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)
    assert [e["path"] for e in caught.value.errors] == ["resources.destinationBaseConnection.name"]
