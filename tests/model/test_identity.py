"""The one identity a new-card dataflow exports, and where it may be named."""

from __future__ import annotations

import json
from typing import Any

from aep_activation.dataprep.mapping import desired_mapping, identity_source
from aep_activation.request import parse_activation_request
from tests.statemachine.harness import example
from tests.support.corpus import TODAY, refusals


def new_card() -> dict[str, Any]:
    return example("amazon-s3-new-card")


def test_a_new_card_request_names_one_identity_and_may_deduplicate_on_it() -> None:
    request = parse_activation_request(new_card(), today=TODAY)
    desired = desired_mapping(request)
    assert desired.identity_namespace == "Email"
    assert desired.primary_fields == ({"identityNamespace": "Email", "fieldType": "IDENTITY"},)
    assert desired.mappings[-1] == {
        "sourceType": "ATTRIBUTE",
        "source": "identityMap.Email",
        "destination": "Email",
    }


def test_a_list_of_identities_is_refused_naming_the_rule() -> None:
    body = new_card()
    body["identityNamespace"] = ["Email", "ECID"]
    errors = refusals(body)
    assert {"path": "identityNamespace", "message": errors[0]["message"]} in errors
    assert "only one identity per dataflow" in json.dumps(errors)


def test_legacy_cards_take_no_identity_namespace(body: dict[str, Any]) -> None:
    body["identityNamespace"] = "Email"
    errors = refusals(body)
    assert [e["path"] for e in errors] == ["identityNamespace"]
    assert "new file-based cards" in errors[0]["message"]


def test_a_deduplication_key_must_be_an_attribute_or_the_identity() -> None:
    body = new_card()
    body["deduplicationKeys"] = ["ECID"]
    errors = refusals(body)
    assert errors == [
        {
            "path": "deduplicationKeys.0",
            "message": "must be one of profileAttributes or the identityNamespace",
        }
    ]


def test_dots_in_a_namespace_are_escaped_in_the_mapping_source() -> None:
    # Adobe's escape for a dot inside a map key of a mapping source is "//." (not "//").
    assert identity_source("Phone_E.164") == "identityMap.Phone_E//.164"
    assert identity_source("Email_LC_SHA256") == "identityMap.Email_LC_SHA256"


def test_a_dotted_namespace_is_exported_under_a_column_without_dots() -> None:
    body = new_card()
    body["identityNamespace"] = "Phone_E.164"
    body["deduplicationKeys"] = []
    desired = desired_mapping(parse_activation_request(body, today=TODAY))
    assert desired.mappings[-1] == {
        "sourceType": "ATTRIBUTE",
        "source": "identityMap.Phone_E//.164",
        "destination": "Phone_E_164",
    }
    assert desired.columns[-1] == ("Phone_E.164", "Phone_E_164")
