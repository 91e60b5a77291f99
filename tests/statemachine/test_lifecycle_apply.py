"""Apply: the request is the desired state; the live flow converges to it.

Replacements and removals address array indexes: they are resolved from a fresh read right
before the PATCH and sent with that read's etag, so a concurrent editor meets a 412 and a
re-plan, never a wrong selector.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example
from tests.statemachine.paths import FINISH, NEW_DATAFLOW, assert_route
from tests.support.flows import flow_attributes, flow_audiences

REQUEST = "amazon-s3"
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"
PROFILE = "/transformations/0/params/profileSelectors/selectors"
FOREIGN_AUDIENCE = "0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b"
FOREIGN_ATTRIBUTE = "homeAddress.city"


def foreign_selector(frequency: str = "DAILY", start_time: str = "09:00") -> dict[str, Any]:
    """An audience someone added in the UI: the request does not name it."""
    return {
        "type": "PLATFORM_SEGMENT",
        "value": {
            "id": FOREIGN_AUDIENCE,
            "name": "Added in the UI",
            "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%",
            "exportMode": "DAILY_FULL_EXPORT",
            "schedule": {
                "frequency": frequency,
                "triggerType": "SCHEDULED",
                "startDate": "2030-06-01",
                "startTime": start_time,
            },
        },
    }


def applied(machine: Machine, request: dict[str, Any]) -> str:
    result = machine.run(request)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return str(machine.only_flow(request["sandbox"])["id"])


def with_foreign_selectors(machine: Machine, flow_id: str) -> None:
    machine.emulator.edit_flow(
        flow_id,
        [
            {"op": "add", "path": f"{SELECTORS}/-", "value": foreign_selector()},
            {
                "op": "add",
                "path": f"{PROFILE}/-",
                "value": {"type": "JSON_PATH", "value": {"path": FOREIGN_ATTRIBUTE}},
            },
        ],
    )


def patches(machine: Machine) -> list[Any]:
    return machine.calls("PATCH", "/flows/*")


def audience(flow: dict[str, Any], audience_id: str) -> dict[str, Any]:
    (value,) = [a for a in flow_audiences(flow) if a["id"] == audience_id]
    return value


def test_a_second_apply_of_the_same_request_sends_no_patch(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    etag = machine.only_flow()["etag"]
    machine.emulator.clear_requests()

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert patches(machine) == []
    assert machine.calls("POST", "*") == []  # nothing created, no state action
    assert machine.only_flow()["etag"] == etag
    assert result.output["changes"]["patched"] is False
    assert machine.census() == {"prod": ONE_OF_EACH}


def test_a_changed_schedule_replaces_that_selector_only_while_a_concurrent_edit_survives(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    flow_id = applied(machine, request)
    with_foreign_selectors(machine, flow_id)
    untouched_before = audience(machine.only_flow(), request["audiences"][1]["id"])
    changed = copy.deepcopy(request)
    changed["audiences"][0]["schedule"].update(startTime="05:00")
    # Someone changes the UI's audience (index 2) just as our PATCH arrives.
    machine.emulator.inject(
        machine_edit := _edit_at_patch(
            [
                {
                    "op": "replace",
                    "path": f"{SELECTORS}/2",
                    "value": foreign_selector("ONCE", "23:00"),
                }
            ]
        )
    )
    machine.emulator.clear_requests()

    result = machine.run(changed)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine_edit.hits == 1
    assert [c.status for c in patches(machine)] == [412, 200]
    first, second = (c.body for c in patches(machine))
    replaced = {"op": "replace", "path": f"{SELECTORS}/0"}
    assert [{k: op[k] for k in ("op", "path")} for op in second] == [replaced]
    assert [{k: op[k] for k in ("op", "path")} for op in first] == [replaced]
    flow = machine.only_flow()
    assert audience(flow, request["audiences"][0]["id"])["schedule"]["startTime"] == "05:00"
    assert audience(flow, FOREIGN_AUDIENCE)["schedule"]["startTime"] == "23:00"  # theirs
    assert audience(flow, FOREIGN_AUDIENCE)["schedule"]["frequency"] == "ONCE"
    assert audience(flow, request["audiences"][1]["id"]) == untouched_before  # not rewritten
    assert FOREIGN_ATTRIBUTE in flow_attributes(flow)
    assert_flow_holds(flow, changed)
    assert result.output["changes"]["updatedAudiences"] == [request["audiences"][0]["id"]]
    assert any(
        "replace schedule of audience Interested in Mountain Biking" in line
        and "DAILY 17:00 -> DAILY 05:00" in line
        for line in result.output["changes"]["changes"]
    ), result.output["changes"]


def test_a_removed_audience_is_found_at_its_new_index_after_a_concurrent_move(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    flow_id = applied(machine, request)
    machine.emulator.edit_flow(
        flow_id, [{"op": "add", "path": f"{SELECTORS}/-", "value": foreign_selector()}]
    )
    # Keep the second audience and the UI's, drop the first: remove index 0 ...
    pruned = copy.deepcopy(request)
    pruned["audiences"] = pruned["audiences"][1:]
    pruned["prune"] = True
    pruned_but_foreign_kept = foreign_selector()
    # ... but a person moves the first audience to the end just before our PATCH.
    first = machine.only_flow()["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]
    machine.emulator.inject(
        _edit_at_patch(
            [
                {"op": "remove", "path": f"{SELECTORS}/0"},
                {"op": "add", "path": f"{SELECTORS}/-", "value": first},
            ]
        )
    )
    machine.emulator.clear_requests()

    result = machine.run(pruned)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [c.status for c in patches(machine)] == [412, 200]
    stale, fresh = (c.body for c in patches(machine))
    assert {"op": "remove", "path": f"{SELECTORS}/2"} in fresh  # where it is now
    assert {"op": "remove", "path": f"{SELECTORS}/0"} in stale  # where it was
    ids = [a["id"] for a in flow_audiences(machine.only_flow())]
    assert request["audiences"][0]["id"] not in ids
    assert request["audiences"][1]["id"] in ids
    assert FOREIGN_AUDIENCE not in ids  # prune: the request does not list it
    assert pruned_but_foreign_kept["value"]["id"] == FOREIGN_AUDIENCE
    assert set(result.output["changes"]["removedAudiences"]) == {
        request["audiences"][0]["id"],
        FOREIGN_AUDIENCE,
    }
    assert_route(
        result.states,
        (*NEW_DATAFLOW, *FINISH),  # the 412 was a retry of ActivateAudiences
    )
    (visit,) = result.visits_of("ActivateAudiences")
    assert [f.error for f in visit.failures] == ["EtagMismatch"]


def test_without_prune_foreign_selectors_stay_and_with_prune_they_go(machine: Machine) -> None:
    request = example(REQUEST)
    flow_id = applied(machine, request)
    with_foreign_selectors(machine, flow_id)
    narrower = copy.deepcopy(request)
    narrower["audiences"] = narrower["audiences"][:1]
    narrower["profileAttributes"] = ["personalEmail.address"]
    machine.emulator.clear_requests()

    kept = machine.run(narrower)

    assert kept.status == "SUCCEEDED", (kept.error, kept.cause)
    assert patches(machine) == []  # everything it names is there; the rest is not its business
    flow = machine.only_flow()
    assert {a["id"] for a in flow_audiences(flow)} == {
        *(a["id"] for a in request["audiences"]),
        FOREIGN_AUDIENCE,
    }
    assert set(flow_attributes(flow)) == {*request["profileAttributes"], FOREIGN_ATTRIBUTE}

    narrower["prune"] = True
    pruned = machine.run(narrower)

    assert pruned.status == "SUCCEEDED", (pruned.error, pruned.cause)
    assert len(patches(machine)) == 1  # one PATCH for every removal
    flow = machine.only_flow()
    assert [a["id"] for a in flow_audiences(flow)] == [request["audiences"][0]["id"]]
    assert flow_attributes(flow) == ["personalEmail.address"]
    changes = pruned.output["changes"]
    assert set(changes["removedAudiences"]) == {request["audiences"][1]["id"], FOREIGN_AUDIENCE}
    assert set(changes["removedAttributes"]) == {
        "person.name.firstName",
        "person.name.lastName",
        FOREIGN_ATTRIBUTE,
    }
    again = machine.run(narrower)
    assert again.status == "SUCCEEDED"
    assert len(patches(machine)) == 1  # converged: nothing more to send


def test_disable_then_enable_goes_through_the_action_endpoint_only_on_a_difference(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    applied(machine, request)
    disabled = {**request, "dataflowState": "disabled"}
    machine.emulator.clear_requests()

    paused = machine.run(disabled)

    assert paused.status == "SUCCEEDED", (paused.error, paused.cause)
    actions = machine.calls("POST", "/flows/*/action")
    assert [(c.query.get("op"), c.status) for c in actions] == [(["DISABLE"], 200)]
    assert actions[0].header("If-Match")  # guarded by the etag just read
    assert patches(machine) == []
    assert machine.only_flow()["state"] == "disabled"
    assert paused.output["changes"]["stateAction"] == "DISABLE"
    assert paused.output["dataflow"]["state"] == "disabled"

    still = machine.run(disabled)
    assert still.status == "SUCCEEDED"
    assert len(machine.calls("POST", "/flows/*/action")) == 1  # already disabled: no call

    resumed = machine.run(request)

    assert resumed.status == "SUCCEEDED", (resumed.error, resumed.cause)
    actions = machine.calls("POST", "/flows/*/action")
    assert [c.query.get("op") for c in actions] == [["DISABLE"], ["ENABLE"]]
    assert machine.only_flow()["state"] == "enabled"
    assert patches(machine) == []


def _edit_at_patch(operations: list[dict[str, Any]]) -> Any:
    from local.emulator import Fault

    return Fault.edit_flow(operations, method="PATCH", path="/flows/*", times=1)
