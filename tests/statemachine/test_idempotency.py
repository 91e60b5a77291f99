"""The same request run again finds what the first run made."""

from __future__ import annotations

from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example
from tests.statemachine.paths import HAPPY_NEW, assert_route

REQUEST = "amazon-s3"


def test_running_the_same_request_twice_creates_and_patches_nothing_the_second_time(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    ids = machine.resource_ids()
    etag = machine.only_flow()["etag"]
    machine.emulator.clear_requests()

    second = machine.run(request)

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert_route(second.states, HAPPY_NEW)
    writes = [c for c in machine.flow_service_calls() if c.method != "GET"]
    assert writes == []
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert machine.resource_ids() == ids
    assert machine.only_flow()["etag"] == etag
    assert_flow_holds(machine.only_flow(), request)
    assert second.output["resources"] == first.output["resources"]
    assert second.output["changes"] == {
        "addedAudiences": [],
        "updatedAudiences": [],
        "removedAudiences": [],
        "addedAttributes": [],
        "removedAttributes": [],
        "fieldsChanged": [],
        "changes": [],
        "patched": False,
        "stateAction": None,
    }
