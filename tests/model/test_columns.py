"""The new cards' mapping destinations (the exported columns) carry no dots.

Adobe's file-based destinations tutorial, "Create mapping sets": the ``destination`` "does not
accept dots", e.g. ``personalEmail.address`` -> ``personalEmail_address``. One rule here:
each dot becomes an underscore, for the output schema, the mappings, ``mandatoryFields`` and
the ATTRIBUTE ``primaryFields`` alike.
"""

from __future__ import annotations

from typing import Any

from aep_activation.columns import column_name
from aep_activation.dataprep.mapping import desired_mapping
from aep_activation.request import parse_activation_request
from tests.statemachine.harness import example
from tests.support.corpus import TODAY, refusals


def new_card() -> dict[str, Any]:
    body = example("amazon-s3-new-card")
    body["deduplicationKeys"] = ["person.name.lastName", "Email"]
    return body


def test_the_rule_turns_each_dot_into_an_underscore() -> None:
    assert column_name("person.name.firstName") == "person_name_firstName"
    assert column_name("personalEmail.address") == "personalEmail_address"  # Adobe's example
    assert column_name("Email") == "Email"


def test_every_part_of_the_mapping_names_the_columns_without_dots() -> None:
    desired = desired_mapping(parse_activation_request(new_card(), today=TODAY))

    destinations = [m["destination"] for m in desired.mappings]
    assert destinations == [
        "person_name_firstName",
        "person_name_lastName",
        "personalEmail_address",
        "Email",
    ]
    assert [m["source"] for m in desired.mappings] == [
        "person.name.firstName",
        "person.name.lastName",
        "personalEmail.address",
        "identityMap.Email",
    ]
    assert list(desired.output_schema()["properties"]) == destinations
    assert desired.mandatory_fields == ("personalEmail_address",)
    assert desired.primary_fields == (
        {"fieldType": "ATTRIBUTE", "attributePath": "person_name_lastName"},
        {"identityNamespace": "Email", "fieldType": "IDENTITY"},
    )
    assert not any("." in name for name in destinations)
    assert desired.columns[0] == ("person.name.firstName", "person_name_firstName")


def test_two_attributes_that_would_share_a_column_are_refused_naming_both() -> None:
    body = new_card()
    body["profileAttributes"] = ["person.name.first_name", "person.name_first.name"]
    body["mandatoryFields"] = []
    body["deduplicationKeys"] = []

    (error,) = refusals(body)
    assert error["path"] == "profileAttributes.1"
    assert "person.name_first.name" in error["message"]
    assert "person.name.first_name (profileAttributes.0)" in error["message"]
    assert "person_name_first_name" in error["message"]
    assert "take no dots" in error["message"]


def test_an_attribute_sharing_a_column_with_the_identity_is_refused() -> None:
    body = new_card()
    body["identityNamespace"] = "Phone_E.164"
    body["profileAttributes"] = [*body["profileAttributes"], "Phone_E_164"]
    body["deduplicationKeys"] = []

    (error,) = refusals(body)
    assert error["path"] == "identityNamespace"
    assert "Phone_E_164 (profileAttributes.3)" in error["message"]


def test_legacy_cards_keep_dotted_selector_paths(body: dict[str, Any]) -> None:
    # Profile selectors name XDM paths; no column rule applies to the legacy cards.
    body["profileAttributes"] = ["person.name.first_name", "person.name_first.name"]
    body["mandatoryFields"] = []
    body["deduplicationKeys"] = []
    parse_activation_request(body, today=TODAY)
