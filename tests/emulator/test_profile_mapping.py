"""New-card dataflows take attributes from a mapping set; profileSelectors are ignored."""

from __future__ import annotations

from local.emulator import Emulator
from tests.emulator.helpers import Api, new_mapping_set, new_s3_flow
from tests.support.payloads import add_attribute


def attach(mapping_id: str, version: int = 0) -> dict[str, object]:
    return {
        "op": "add",
        "path": "/transformations/0/params/profileMapping",
        "value": {"mappingId": mapping_id, "mappingVersion": version},
    }


def test_a_new_card_flow_is_created_with_the_general_transform_skeleton(emulator: Emulator) -> None:
    api = Api(emulator)
    flow = api.flow(new_s3_flow(api)["id"])
    assert flow["transformations"][0]["params"] == {
        "mandatoryFields": [],
        "primaryFields": [],
        "profileMapping": {},
        "segmentSelectors": {"selectors": []},
    }


def test_profile_selectors_on_a_new_card_flow_are_silently_ignored(emulator: Emulator) -> None:
    api = Api(emulator)
    selectors = {"selectors": [add_attribute("person.name.firstName")["value"]]}
    created = new_s3_flow(api)
    answer = api.patch(
        f"/flows/{created['id']}",
        [{"op": "add", "path": "/transformations/0/params/profileSelectors", "value": selectors}],
        created["etag"],
    )
    assert answer.status_code == 200, answer.text
    params = api.flow(created["id"])["transformations"][0]["params"]
    assert "profileSelectors" not in params
    assert params["profileMapping"] == {}


def test_profile_selectors_in_a_new_card_flow_body_are_ignored_too(emulator: Emulator) -> None:
    api = Api(emulator)
    transformation = {
        "name": "GeneralTransform",
        "params": {
            "segmentSelectors": {"selectors": []},
            "profileSelectors": {"selectors": [add_attribute("person.name.firstName")["value"]]},
        },
    }
    created = new_s3_flow(api, transformations=[transformation])
    params = api.flow(created["id"])["transformations"][0]["params"]
    assert params == {"segmentSelectors": {"selectors": []}}


def test_a_mapping_set_and_its_fields_attach_to_a_new_card_flow(emulator: Emulator) -> None:
    api = Api(emulator)
    created = new_s3_flow(api)
    mapping = new_mapping_set(api)
    operations = [
        attach(mapping["id"]),
        {"op": "add", "path": "/transformations/0/params/mandatoryFields", "value": ["Email"]},
        {
            "op": "add",
            "path": "/transformations/0/params/primaryFields",
            "value": [{"identityNamespace": "Email", "fieldType": "IDENTITY"}],
        },
    ]
    answer = api.patch(f"/flows/{created['id']}", operations, created["etag"])
    assert answer.status_code == 200, answer.text
    params = api.flow(created["id"])["transformations"][0]["params"]
    assert params["profileMapping"] == {"mappingId": mapping["id"], "mappingVersion": 0}
    assert params["mandatoryFields"] == ["Email"]


def test_an_unknown_mapping_set_or_version_is_refused(emulator: Emulator) -> None:
    api = Api(emulator)
    created = new_s3_flow(api)
    mapping = new_mapping_set(api)
    for operation in (attach("f" * 32), attach(mapping["id"], 7)):
        answer = api.patch(f"/flows/{created['id']}", [operation], created["etag"])
        assert answer.status_code == 400
        assert "no mapping set" in answer.text


def test_mandatory_and_primary_fields_must_be_mapped(emulator: Emulator) -> None:
    api = Api(emulator)
    created = new_s3_flow(api)
    mapping = new_mapping_set(api)
    for operation in (
        {"op": "add", "path": "/transformations/0/params/mandatoryFields", "value": ["GAID"]},
        {
            "op": "add",
            "path": "/transformations/0/params/primaryFields",
            "value": [{"fieldType": "ATTRIBUTE", "attributePath": "person.name.lastName"}],
        },
    ):
        answer = api.patch(
            f"/flows/{created['id']}", [attach(mapping["id"]), operation], created["etag"]
        )
        assert answer.status_code == 400, answer.text


def test_a_republished_flow_spec_answers_under_its_new_id_only(emulator: Emulator) -> None:
    api = Api(emulator)
    old = "1a0514a6-33d4-4c7f-aff8-594799c47549"
    new = "5b0c6c9a-6a8e-4f57-9d5e-2f0c4c1f9a11"
    emulator.republish_flow_spec(old, new)
    assert api.get(f"/flowSpecs/{old}").status_code == 404
    (spec,) = api.get(f"/flowSpecs/{new}").json()["items"]
    assert spec["name"] == "Amazon S3 - Segment"
    emulator.reset()
    assert api.get(f"/flowSpecs/{old}").status_code == 200
