"""``/flows``: creation checks, JSON Patch under If-Match, selector rules and enrichment."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local.emulator import Emulator, specs
from tests.emulator.helpers import Api
from tests.support import payloads
from tests.support.flows import profile_selectors, segment_selectors
from tests.support.payloads import SEGMENT_ID, add_attribute, add_segment, segment_value, spec_ref


def error_code(answer: Any, status: int = 400) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["type"].rsplit("/", 1)[1])


# --- create ---------------------------------------------------------------------------


def test_create_answers_201_with_id_and_quoted_etag(emulator: Emulator) -> None:
    created = Api(emulator).s3_flow()

    assert set(created) == {"id", "etag"}
    assert created["etag"].startswith('"')
    assert created["etag"].endswith('"')


def test_a_created_flow_reads_back_with_inherited_attributes(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    flow = api.flow(created["id"])

    assert flow["etag"] == created["etag"]
    assert flow["flowSpec"] == spec_ref(specs.FILE_STORAGE_FLOW_SPEC_ID)
    assert flow["state"] == "enabled"
    inherited = flow["inheritedAttributes"]
    assert inherited["properties"] == {"isDestinationFlow": True}
    assert [c["id"] for c in inherited["sourceConnections"]] == flow["sourceConnectionIds"]
    assert inherited["sourceConnections"][0]["typeInfo"] == {
        "type": "ProfileFragments",
        "id": "ups",
    }
    assert inherited["targetConnections"][0]["connectionSpec"] == spec_ref(specs.AMAZON_S3)
    assert segment_selectors(flow) == []


def test_an_unknown_flow_spec_is_400(emulator: Emulator) -> None:
    api = Api(emulator)
    body = payloads.flow(
        api.profile_source(), api.s3_target(), "00000000-0000-0000-0000-000000000000"
    )

    assert error_code(api.post("/flows", body)) == "FLOW-1020-400"
    assert emulator.store.list("flows") == []


@pytest.mark.parametrize("which", ["sourceConnectionIds", "targetConnectionIds"])
def test_connections_must_exist(emulator: Emulator, which: str) -> None:
    api = Api(emulator)
    body = payloads.flow(api.profile_source(), api.s3_target())
    body[which] = ["no-such-connection"]

    assert error_code(api.post("/flows", body)) == "FLOW-1021-400"


def test_connections_must_exist_in_the_same_sandbox(emulator: Emulator) -> None:
    prod, dev = Api(emulator, sandbox="prod"), Api(emulator, sandbox="dev")
    body = payloads.flow(prod.profile_source(), prod.s3_target())

    assert error_code(dev.post("/flows", body)) == "FLOW-1021-400"


def test_the_flow_spec_must_accept_the_target(emulator: Emulator) -> None:
    api = Api(emulator)
    body = payloads.flow(api.profile_source(), api.s3_target(), specs.RESPONSYS_FLOW_SPEC_ID)

    answer = api.post("/flows", body)

    assert error_code(answer) == "FLOW-1021-400"
    assert specs.AMAZON_S3 in answer.json()["report"]["detailed-message"]


def test_a_dataset_flow_spec_refuses_a_profile_store_source(emulator: Emulator) -> None:
    api = Api(emulator)
    auth = {"specName": "Access Key", "params": payloads.s3_base()["auth"]["params"]}
    base = api.created(
        "/connections", {"name": "n", "connectionSpec": spec_ref(specs.NEW_S3), "auth": auth}
    )
    target = api.created(
        "/targetConnections",
        {
            "name": "t",
            "baseConnectionId": base["id"],
            "connectionSpec": spec_ref(specs.NEW_S3),
            "params": {
                "mode": "Server-to-server",
                "bucketName": "acme-exports",
                "path": "p",
                "fileType": "CSV",
                "compression": "NONE",
            },
        },
    )
    source = api.profile_source()
    dataset_spec = "269ba276-16fc-47db-92b0-c1049a3c131f"
    segment_spec = "1a0514a6-33d4-4c7f-aff8-594799c47549"

    refused = api.post("/flows", payloads.flow(source, target["id"], dataset_spec))
    accepted = api.post("/flows", payloads.flow(source, target["id"], segment_spec))

    assert error_code(refused) == "FLOW-1021-400"
    assert accepted.status_code == 201


def test_selectors_given_at_creation_are_checked_and_enriched(emulator: Emulator) -> None:
    api = Api(emulator)
    body = payloads.flow(api.profile_source(), api.s3_target())
    body["transformations"][0]["params"]["segmentSelectors"]["selectors"] = [
        {"type": "PLATFORM_SEGMENT", "value": segment_value()}
    ]
    created = api.created("/flows", body)

    selector = segment_selectors(api.flow(created["id"]))[0]["value"]
    assert selector["createTime"] == selector["updateTime"]

    body["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]["value"][
        "exportMode"
    ] = "WEEKLY"
    assert error_code(api.post("/flows", body)) == "FLOW-1032-400"


# --- PATCH: etag rules ------------------------------------------------------------------


def test_patch_answers_200_with_a_new_etag(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])

    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == created["id"]
    assert body["etag"] != created["etag"]
    assert api.flow(created["id"])["etag"] == body["etag"]


def test_patch_can_answer_202_without_a_body() -> None:
    with Emulator(patch_status=202) as emulator:
        api = Api(emulator)
        created = api.s3_flow()

        answer = api.patch(
            f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"]
        )

        assert answer.status_code == 202
        assert answer.content == b""
        assert api.flow(created["id"])["etag"] != created["etag"]


def test_patch_without_if_match_is_400(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], None)

    assert error_code(answer) == "FLOW-1040-400"
    assert api.flow(created["id"])["etag"] == created["etag"]


def test_an_unquoted_etag_is_412(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    unquoted = created["etag"].strip('"')

    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], unquoted)

    assert answer.status_code == 412
    assert segment_selectors(api.flow(created["id"])) == []


def test_a_stale_etag_is_412_with_the_version_message(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    first = api.patch(
        f"/flows/{created['id']}", [add_attribute("person.name.firstName")], created["etag"]
    )
    assert first.status_code == 200

    stale = api.patch(
        f"/flows/{created['id']}", [add_attribute("person.name.lastName")], created["etag"]
    )

    assert stale.status_code == 412
    body = stale.json()
    current = first.json()["etag"]
    assert body["errorMessage"] == (
        f"Supplied version=[{created['etag']}] does not match the current version "
        f"on entity=[{current}]"
    )
    assert body["errorDetails"] == body["errorMessage"]


def test_bump_etag_plays_a_concurrent_editor(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    new_etag = emulator.bump_etag(created["id"])

    assert new_etag != created["etag"]
    stale = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])
    assert stale.status_code == 412
    fresh = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], new_etag)
    assert fresh.status_code == 200


def test_patching_an_unknown_flow_is_404(emulator: Emulator) -> None:
    answer = Api(emulator).patch("/flows/nope", [add_segment(segment_value())], '"x"')

    assert error_code(answer, 404) == "FLOW-1439-404"


# --- PATCH: operations -----------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/id", "value": "x"},
        {"op": "replace", "path": "/etag", "value": '"x"'},
        {"op": "replace", "path": "/flowSpec/id", "value": specs.RESPONSYS_FLOW_SPEC_ID},
        {"op": "remove", "path": "/inheritedAttributes"},
        {"op": "replace", "path": "/sandboxName", "value": "dev"},
        {"op": "replace", "path": "", "value": {}},
    ],
)
def test_read_only_fields_cannot_be_patched(emulator: Emulator, operation: dict[str, Any]) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    assert error_code(api.patch(f"/flows/{created['id']}", [operation], created["etag"])) == (
        "FLOW-1031-400"
    )


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"op": "add"},
        [{"op": "move", "from": "/name", "path": "/description"}],
        [{"op": "add", "path": "/transformations/7/params/x", "value": 1}],
        [{"op": "add", "path": "/name"}],
        [{"op": "replace", "path": "/name", "value": ""}],
    ],
)
def test_malformed_patches_are_400(emulator: Emulator, body: Any) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    answer = api.patch(f"/flows/{created['id']}", body, created["etag"])

    assert answer.status_code == 400, answer.text
    assert api.flow(created["id"])["etag"] == created["etag"]


def test_name_and_description_can_be_patched(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    operations = [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/description", "value": "new words"},
    ]

    assert api.patch(f"/flows/{created['id']}", operations, created["etag"]).status_code == 200
    flow = api.flow(created["id"])
    assert (flow["name"], flow["description"]) == ("renamed", "new words")


def test_patch_accepts_the_json_patch_media_type(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    answer = api.patch(
        f"/flows/{created['id']}",
        [add_segment(segment_value())],
        created["etag"],
        headers={"Content-Type": "application/json-patch+json"},
    )

    assert answer.status_code == 200


# --- PATCH: selector rules (tutorial) ----------------------------------------------------


def add_segment_with(
    api: Api, overrides: dict[str, Any]
) -> tuple[dict[str, Any], requests.Response]:
    """A new S3 flow, then a PATCH adding one segment whose selector takes ``overrides``
    (a schedule field set to None is left out)."""
    created = api.s3_flow()
    value = segment_value(**overrides)
    value["schedule"] = {k: v for k, v in value["schedule"].items() if v is not None}
    return created, api.patch(f"/flows/{created['id']}", [add_segment(value)], created["etag"])


@pytest.mark.parametrize(
    "overrides",
    [
        {"exportMode": "WEEKLY"},
        {"exportMode": "DAILY_FULL_EXPORT", "schedule": {"frequency": "EVERY_3_HOURS"}},
        {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "schedule": {"frequency": "ONCE"}},
        {"schedule": {"triggerType": "SCHEDULED", "startTime": None}},
        {"schedule": {"triggerType": "AFTER_SEGMENT_EVAL", "startTime": "17:00"}},
        {"schedule": {"triggerType": "LATER"}},
        {"schedule": {"startTime": "25:00"}},
        {"schedule": {"startTime": "17:30"}},
        {"schedule": {"frequency": "ONCE", "endDate": "2021-12-31"}},
        {"schedule": {"frequency": "DAILY", "startDate": "2021-12-20", "endDate": "2021-12-01"}},
        {"schedule": {"startDate": "20/12/2021"}},
        {"filenameTemplate": "%SEGMENT_ID%_export"},
        {"filenameTemplate": "%DESTINATION_NAME%_export"},
        {
            "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%TIMESTAMP%_%DATETIME(YYYYMMdd_HHmmss)%"
        },
        {"filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%REGION%"},
        {"id": ""},
    ],
)
def test_selectors_breaking_the_seed_rules_are_400(
    emulator: Emulator, overrides: dict[str, Any]
) -> None:
    api = Api(emulator)
    created, answer = add_segment_with(api, overrides)

    assert error_code(answer) == "FLOW-1032-400"
    assert segment_selectors(api.flow(created["id"])) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"schedule": {"frequency": "DAILY", "endDate": "2022-01-31"}},
        {
            "exportMode": "FIRST_FULL_THEN_INCREMENTAL",
            "schedule": {"frequency": "EVERY_6_HOURS", "endDate": "2021-12-31"},
        },
        {"schedule": {"triggerType": "AFTER_SEGMENT_EVAL", "startTime": None}},
        {"filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_NAME%_%TIMESTAMP%_x"},
    ],
)
def test_selectors_keeping_the_seed_rules_are_accepted(
    emulator: Emulator, overrides: dict[str, Any]
) -> None:
    _, answer = add_segment_with(Api(emulator), overrides)

    assert answer.status_code == 200, answer.text


def test_the_same_segment_twice_is_400(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    twice = [add_segment(segment_value()), add_segment(segment_value())]

    assert error_code(api.patch(f"/flows/{created['id']}", twice, created["etag"])) == (
        "FLOW-1032-400"
    )


def test_mandatory_fields_must_be_selected_attributes(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    mandatory = {
        "op": "add",
        "path": "/transformations/0/params/profileSelectors/mandatoryFields",
        "value": ["person.name.firstName"],
    }

    refused = api.patch(f"/flows/{created['id']}", [mandatory], created["etag"])
    accepted = api.patch(
        f"/flows/{created['id']}",
        [add_attribute("person.name.firstName"), mandatory],
        created["etag"],
    )

    assert error_code(refused) == "FLOW-1032-400"
    assert accepted.status_code == 200


# --- enrichment (tutorial, "Validate the dataflow") -------------------------------------


def test_added_selectors_are_enriched_like_adobe_does(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    operations = [add_segment(segment_value()), add_attribute("person.name.firstName")]

    assert api.patch(f"/flows/{created['id']}", operations, created["etag"]).status_code == 200
    flow = api.flow(created["id"])

    segment = segment_selectors(flow)[0]["value"]
    assert segment["id"] == SEGMENT_ID
    assert segment["createTime"].isdigit()
    assert segment["updateTime"] == segment["createTime"]
    attribute = profile_selectors(flow)[0]["value"]
    assert attribute["operator"] == "EXISTS"
    assert attribute["mapping"] == {
        "sourceType": "text/x.schema-path",
        "source": "person.name.firstName",
        "destination": "person.name.firstName",
        "identity": False,
        "primaryIdentity": False,
        "functionVersion": 0,
        "copyModeMapping": False,
        "sourceAttribute": "person.name.firstName",
        "destinationXdmPath": "person.name.firstName",
    }


def test_changing_a_selector_keeps_its_create_time(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    first = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])
    before = segment_selectors(api.flow(created["id"]))[0]["value"]
    change = {
        "op": "replace",
        "path": "/transformations/0/params/segmentSelectors/selectors/0/value/createTime",
        "value": "1",
    }

    answer = api.patch(f"/flows/{created['id']}", [change], first.json()["etag"])

    assert answer.status_code == 200
    after = segment_selectors(api.flow(created["id"]))[0]["value"]
    assert after["createTime"] == before["createTime"]


# --- list and delete ------------------------------------------------------------------


def test_flows_filter_by_flow_spec_and_target(emulator: Emulator) -> None:
    api = Api(emulator)
    first, second = api.s3_flow(), api.s3_flow(name="second")
    target = api.flow(second["id"])["targetConnectionIds"][0]

    by_spec = api.get(
        "/flows", params={"property": f"flowSpec.id=={specs.FILE_STORAGE_FLOW_SPEC_ID}"}
    ).json()
    by_target = api.get("/flows", params={"property": f"targetConnectionIds=={target}"}).json()

    assert [f["id"] for f in by_spec["items"]] == [first["id"], second["id"]]
    assert [f["id"] for f in by_target["items"]] == [second["id"]]


def test_a_deleted_flow_is_gone(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    assert api.delete(f"/flows/{created['id']}").status_code == 202
    assert api.get(f"/flows/{created['id']}").status_code == 404


def test_the_flow_document_keeps_no_secret(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    text = api.get(f"/flows/{created['id']}").text

    assert payloads.s3_base()["auth"]["params"]["s3SecretKey"] not in text


def test_changing_a_selector_value_moves_its_update_time(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.emulator import identifiers

    api = Api(emulator)
    created = api.s3_flow()
    monkeypatch.setattr(identifiers, "now_epoch_seconds", lambda: "1640016962")
    first = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])
    monkeypatch.setattr(identifiers, "now_epoch_seconds", lambda: "1642534355")
    change = {
        "op": "replace",
        "path": "/transformations/0/params/segmentSelectors/selectors/0/value/schedule/startTime",
        "value": "18:00",
    }

    assert api.patch(f"/flows/{created['id']}", [change], first.json()["etag"]).status_code == 200

    value = segment_selectors(api.flow(created["id"]))[0]["value"]
    assert (value["createTime"], value["updateTime"]) == ("1640016962", "1642534355")


def test_a_replaced_selector_must_carry_its_create_and_update_times(emulator: Emulator) -> None:
    # Adobe requires a replaced selector to carry the whole audience.
    api = Api(emulator)
    created = api.s3_flow()
    first = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])
    stored = segment_selectors(api.flow(created["id"]))[0]
    path = "/transformations/0/params/segmentSelectors/selectors/0"
    bare = {"type": "PLATFORM_SEGMENT", "value": segment_value(name="Renamed")}

    refused = api.patch(
        f"/flows/{created['id']}",
        [{"op": "replace", "path": path, "value": bare}],
        first.json()["etag"],
    )
    whole = {
        **bare,
        "value": {**bare["value"], **{k: stored["value"][k] for k in ("createTime", "updateTime")}},
    }
    accepted = api.patch(
        f"/flows/{created['id']}",
        [{"op": "replace", "path": path, "value": whole}],
        first.json()["etag"],
    )

    assert refused.status_code == 400
    assert "createTime and updateTime" in refused.text
    assert accepted.status_code == 200, accepted.text
    assert segment_selectors(api.flow(created["id"]))[0]["value"]["name"] == "Renamed"
