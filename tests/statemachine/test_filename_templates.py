"""A new card's audience with Adobe's V2 filename template activates end to end.

The template of the destinations OpenAPI's V2 flow examples (``BatchSegmentSelector_V2``)
passes the request's rules, goes through the real ASL, and reaches the flow unchanged.
"""

from __future__ import annotations

from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example

ADOBE_V2_EXAMPLE = (
    "%DESTINATION%_%SEGMENT_ID%_%SEGMENT_NAME%_%DESTINATION_INSTANCE_ID%_"
    "%DESTINATION_INSTANCE_NAME%_%DATETIME(YYYYMMdd_HHmmss)%"
)


def test_a_new_card_activates_with_adobes_v2_example_template(machine: Machine) -> None:
    request = example("amazon-s3-new-card")
    for audience in request["audiences"]:
        audience["filenameTemplate"] = ADOBE_V2_EXAMPLE

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.census() == {"prod": ONE_OF_EACH}
    flow = machine.only_flow()
    assert_flow_holds(flow, request)
    templates = [
        s["value"]["filenameTemplate"]
        for s in flow["transformations"][0]["params"]["segmentSelectors"]["selectors"]
    ]
    assert templates == [ADOBE_V2_EXAMPLE, ADOBE_V2_EXAMPLE]

    # Applied again, the flow already holds it: nothing to write.
    machine.emulator.clear_requests()
    again = machine.run(request)
    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert machine.calls("PATCH", "/flows/*") == []
