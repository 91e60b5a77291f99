"""Filename templates in the flow spec's selector version, judged only where a PATCH writes.

Legacy flow specs take the destinations OpenAPI's ``BatchSegmentSelector``; the new cards'
"- Segment" flow specs its ``BatchSegmentSelector_V2``. A selector already on the flow (made
in Adobe's UI, say) that a PATCH leaves as it was is not judged again.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import Emulator
from local.emulator.runs import file_name
from tests.emulator.helpers import Api, new_s3_flow
from tests.support.flows import segment_selectors
from tests.support.payloads import add_segment, segment_value

ADOBE_V2_EXAMPLE = (
    "%DESTINATION%_%SEGMENT_ID%_%SEGMENT_NAME%_%DESTINATION_INSTANCE_ID%_"
    "%DESTINATION_INSTANCE_NAME%_%DATETIME(YYYYMMdd_HHmmss)%"
)
OTHER_SEGMENT = "a2b1c3d4-0000-4000-8000-000000000002"
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"


def add_template(api: Api, flow: dict[str, Any], template: str, segment: str | None = None) -> Any:
    value = (
        segment_value(filenameTemplate=template)
        if segment is None
        else segment_value(segment, filenameTemplate=template)
    )
    return api.patch(f"/flows/{flow['id']}", [add_segment(value)], flow["etag"])


def error_text(answer: Any) -> str:
    assert answer.status_code == 400, answer.text
    assert answer.json()["type"].endswith("FLOW-1032-400")
    return str(answer.json()["errorMessage"])


def test_a_new_card_flow_takes_adobes_v2_example_unchanged(emulator: Emulator) -> None:
    api = Api(emulator)
    created = new_s3_flow(api)

    answer = add_template(api, created, ADOBE_V2_EXAMPLE)

    assert answer.status_code == 200, answer.text
    (held,) = segment_selectors(api.flow(created["id"]))
    assert held["value"]["filenameTemplate"] == ADOBE_V2_EXAMPLE


def test_a_legacy_flow_refuses_the_v2_destination_token(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    detail = error_text(add_template(api, created, "%DESTINATION%_%SEGMENT_ID%"))

    assert "must contain %DESTINATION_NAME%" in detail
    assert "unknown token(s) %DESTINATION%" in detail


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        ("%DESTINATION%_%SEGMENT_ID%_%REGION%", "unknown token(s) %REGION%"),
        (
            "%DESTINATION%_%SEGMENT_ID%_%TIMESTAMP%_%DATETIME(YYYYMMdd_HHmmss)%",
            "at most one of %DATETIME(YYYYMMdd_HHmmss)% / %TIMESTAMP%",
        ),
        ("%SANDBOX_NAME%_%SEGMENT_ID%", "must contain %DESTINATION% or %DESTINATION_NAME%"),
    ],
)
def test_a_new_card_flow_refuses_what_v2_does_not_take(
    emulator: Emulator, template: str, rule: str
) -> None:
    api = Api(emulator)
    created = new_s3_flow(api)

    assert rule in error_text(add_template(api, created, template))
    assert segment_selectors(api.flow(created["id"])) == []


def seeded_in_the_ui(emulator: Emulator, api: Api, template: str) -> dict[str, Any]:
    """A legacy S3 flow holding one audience whose template someone set in Adobe's UI."""
    created = api.s3_flow()
    selector = add_segment(segment_value(filenameTemplate=template))["value"]
    etag = emulator.edit_flow(
        created["id"], [{"op": "add", "path": f"{SELECTORS}/-", "value": selector}]
    )
    return {"id": created["id"], "etag": etag}


def test_a_patch_adding_an_audience_leaves_a_ui_made_selector_unjudged(emulator: Emulator) -> None:
    api = Api(emulator)
    flow = seeded_in_the_ui(emulator, api, "%DESTINATION%_%SEGMENT_ID%_%SANDBOX_NAME%")

    answer = add_template(api, flow, "%DESTINATION_NAME%_%SEGMENT_ID%", OTHER_SEGMENT)

    assert answer.status_code == 200, answer.text
    held = segment_selectors(api.flow(flow["id"]))
    assert [s["value"]["filenameTemplate"] for s in held] == [
        "%DESTINATION%_%SEGMENT_ID%_%SANDBOX_NAME%",
        "%DESTINATION_NAME%_%SEGMENT_ID%",
    ]


def test_a_patch_adding_a_bad_selector_is_still_refused(emulator: Emulator) -> None:
    api = Api(emulator)
    flow = seeded_in_the_ui(emulator, api, "%DESTINATION%_%SEGMENT_ID%_%SANDBOX_NAME%")

    detail = error_text(add_template(api, flow, "%SEGMENT_ID%_%REGION%", OTHER_SEGMENT))

    assert "selectors[1].value.filenameTemplate" in detail
    assert "selectors[0]" not in detail
    assert len(segment_selectors(api.flow(flow["id"]))) == 1


def test_a_patch_changing_a_ui_made_selector_judges_it(emulator: Emulator) -> None:
    api = Api(emulator)
    flow = seeded_in_the_ui(emulator, api, "%DESTINATION%_%SEGMENT_ID%_%SANDBOX_NAME%")
    (held,) = segment_selectors(api.flow(flow["id"]))
    held["value"]["schedule"]["startTime"] = "18:00"

    answer = api.patch(
        f"/flows/{flow['id']}",
        [{"op": "replace", "path": f"{SELECTORS}/0", "value": held}],
        flow["etag"],
    )

    assert "selectors[0].value.filenameTemplate" in error_text(answer)


def test_the_same_audience_added_again_is_still_a_duplicate(emulator: Emulator) -> None:
    api = Api(emulator)
    flow = seeded_in_the_ui(emulator, api, "%DESTINATION%_%SEGMENT_ID%_%SANDBOX_NAME%")

    detail = error_text(add_template(api, flow, "%DESTINATION_NAME%_%SEGMENT_ID%"))

    assert "is selected more than once" in detail


def test_an_export_file_is_named_with_the_v2_tokens_filled(emulator: Emulator) -> None:
    flow = {"id": "flow-1", "name": "Nightly", "sandboxName": "prod", "imsOrgId": "ACME@AdobeOrg"}
    audience = {"id": "seg-1", "name": "Bikers", "filenameTemplate": ADOBE_V2_EXAMPLE}

    name = file_name(audience, "S3", 0.0, flow)

    assert name == "S3_seg-1_Bikers_flow-1_Nightly_19700101_000000"
    audience["filenameTemplate"] = "%ORGANIZATION_NAME%_%SANDBOX_NAME%_%SEGMENT_ID%"
    assert file_name(audience, "S3", 0.0, flow) == "ACME_AdobeOrg_prod_seg-1"
