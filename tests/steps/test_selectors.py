"""The patch that activation sends is computed from what the flow holds now."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from aep_activation.dataflow_diff import DataflowSnapshot, diff_dataflow, missing_from
from aep_activation.request import ActivationRequest, parse_activation_request

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "amazon-s3.json"


def request(**changes: Any) -> ActivationRequest:
    data = json.loads(EXAMPLE.read_text())
    data.update(changes)
    return parse_activation_request(data)


def narrower_request(**changes: Any) -> ActivationRequest:
    """The example without its first audience, and with one attribute of its three."""
    audiences = json.loads(EXAMPLE.read_text())["audiences"][1:]
    return request(audiences=audiences, profileAttributes=["personalEmail.address"], **changes)


def empty_flow() -> dict[str, Any]:
    return {
        "id": "8256cfb4-17e6-432c-a469-6aedafb16cd5",
        "etag": '"7400453a-0000-1a00-0000-62b1c7a90000"',
        "transformations": [
            {
                "name": "GeneralTransform",
                "params": {
                    "segmentSelectors": {"selectors": []},
                    "profileSelectors": {"selectors": []},
                },
            }
        ],
    }


def apply(flow: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply as Adobe does, and enrich stored values as its GET shows them."""
    patched: dict[str, Any] = jsonpatch.apply_patch(copy.deepcopy(flow), operations)
    for selector in patched["transformations"][0]["params"]["segmentSelectors"]["selectors"]:
        selector["value"].setdefault("createTime", "1640016962")
    for selector in patched["transformations"][0]["params"]["profileSelectors"]["selectors"]:
        selector["value"].setdefault("operator", "EXISTS")
    return patched


def test_an_empty_flow_gets_every_audience_attribute_and_field() -> None:
    req = request()
    plan = diff_dataflow(req, empty_flow())

    assert plan.added_audiences == [a.id for a in req.audiences]
    assert plan.added_attributes == list(req.profile_attributes)
    assert plan.fields_changed == ["mandatoryFields", "primaryFields"]
    paths = [op["path"] for op in plan.operations]
    assert paths.count("/transformations/0/params/segmentSelectors/selectors/-") == 2
    assert paths.count("/transformations/0/params/profileSelectors/selectors/-") == 3
    first = plan.operations[0]["value"]
    assert first["type"] == "PLATFORM_SEGMENT"
    assert first["value"]["schedule"] == {
        "frequency": "DAILY",
        "triggerType": "SCHEDULED",
        "startDate": "2030-06-01",
        "startTime": "17:00",
        "endDate": "2030-08-31",
    }


def test_after_applying_the_plan_nothing_is_missing_and_a_second_plan_is_empty() -> None:
    req = request()
    flow = apply(empty_flow(), diff_dataflow(req, empty_flow()).operations)
    assert missing_from(req, flow) == []
    assert diff_dataflow(req, flow).empty
    profile = flow["transformations"][0]["params"]["profileSelectors"]
    assert profile["primaryFields"] == [
        {"fieldType": "ATTRIBUTE", "attributePath": "personalEmail.address"}
    ]


def test_audiences_already_present_are_skipped_and_changed_ones_replaced_in_place() -> None:
    req = request()
    flow = apply(empty_flow(), diff_dataflow(req, empty_flow()).operations)
    data = json.loads(EXAMPLE.read_text())
    data["audiences"][1]["schedule"]["frequency"] = "EVERY_12_HOURS"
    data["audiences"].append(
        {
            "id": "0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b",
            "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%",
            "exportMode": "DAILY_FULL_EXPORT",
            "schedule": {
                "frequency": "ONCE",
                "triggerType": "AFTER_SEGMENT_EVAL",
                "startDate": "2030-06-01",
            },
        }
    )
    changed = parse_activation_request(data)

    plan = diff_dataflow(changed, flow)

    assert plan.added_audiences == ["0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b"]
    assert plan.updated_audiences == [data["audiences"][1]["id"]]
    assert plan.added_attributes == []
    assert {k: plan.operations[0][k] for k in ("op", "path")} == {
        "op": "replace",
        "path": "/transformations/0/params/segmentSelectors/selectors/1",
    }
    assert missing_from(changed, apply(flow, plan.operations)) == []


def test_snapshot_round_trips_through_the_state_and_ignores_adobe_enrichment() -> None:
    req = request()
    flow = apply(empty_flow(), diff_dataflow(req, empty_flow()).operations)
    snapshot = DataflowSnapshot.of_flow(flow)

    assert DataflowSnapshot.from_state(json.loads(json.dumps(snapshot.to_state()))) == snapshot
    assert snapshot.audiences == [a.id for a in req.audiences]


def test_missing_from_names_what_is_missing() -> None:
    req = request()
    missing = missing_from(req, empty_flow())
    assert (
        "add audience Interested in Mountain Biking (9f7d37fd-7039-4454-94ef-2b0cd6c3206a)"
        in missing
    )
    assert "add attribute person.name.firstName" in missing


@pytest.mark.parametrize("broken", [{}, {"id": "x"}, {"etag": "y"}])
def test_a_flow_document_without_id_or_etag_is_an_unreadable_answer(broken: dict[str, Any]) -> None:
    from aep_activation.errors import FlowServiceUnavailable

    with pytest.raises(FlowServiceUnavailable):
        DataflowSnapshot.of_flow(broken)


def converged_flow(req: ActivationRequest) -> dict[str, Any]:
    return apply(empty_flow(), diff_dataflow(req, empty_flow()).operations)


def test_an_audience_the_request_leaves_unnamed_is_not_rewritten_for_its_ui_name() -> None:
    data = json.loads(EXAMPLE.read_text())
    del data["audiences"][0]["name"]
    req = parse_activation_request(data)
    flow = converged_flow(req)
    flow["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]["value"]["name"] = (
        "Named in the UI"
    )

    assert diff_dataflow(req, flow).empty


def test_prune_removes_from_the_highest_index_down_and_leaves_fields_consistent() -> None:
    req = request()
    flow = converged_flow(req)
    narrower = narrower_request(prune=True)

    plan = diff_dataflow(narrower, flow)

    removals = [op["path"] for op in plan.operations if op["op"] == "remove"]
    assert removals == [
        "/transformations/0/params/segmentSelectors/selectors/0",
        "/transformations/0/params/profileSelectors/selectors/1",
        "/transformations/0/params/profileSelectors/selectors/0",
    ]
    assert plan.removed_audiences == [req.audiences[0].id]
    assert plan.removed_attributes == ["person.name.lastName", "person.name.firstName"]
    after = apply(flow, plan.operations)
    assert missing_from(narrower, after) == []
    assert diff_dataflow(narrower, after).empty


def test_without_prune_what_the_request_does_not_name_stays() -> None:
    flow = converged_flow(request())

    assert diff_dataflow(narrower_request(), flow).empty


def test_a_schedule_change_is_said_in_plain_words() -> None:
    req = request()
    flow = converged_flow(req)
    data = json.loads(EXAMPLE.read_text())
    data["audiences"][0]["schedule"].update(frequency="DAILY", startTime="06:00")
    data["audiences"][0]["exportMode"] = "FIRST_FULL_THEN_INCREMENTAL"
    data["audiences"][0]["schedule"]["frequency"] = "EVERY_6_HOURS"

    plan = diff_dataflow(parse_activation_request(data), flow)

    assert plan.words == [
        "replace schedule of audience Interested in Mountain Biking "
        "(9f7d37fd-7039-4454-94ef-2b0cd6c3206a): DAILY 17:00 -> EVERY_6_HOURS 06:00; "
        "replace export mode of audience Interested in Mountain Biking "
        "(9f7d37fd-7039-4454-94ef-2b0cd6c3206a): DAILY_FULL_EXPORT -> FIRST_FULL_THEN_INCREMENTAL"
    ]
    assert [op["op"] for op in plan.operations] == ["replace"]
