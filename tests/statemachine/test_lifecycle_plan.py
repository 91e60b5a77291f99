"""Plan: the dry run resolves and diffs against the live resources and writes nothing."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example
from tests.statemachine.paths import PLAN, assert_route
from tests.support.flows import (
    flow_attributes,
    flow_audiences,
    flow_mandatory_fields,
    flow_primary_fields,
)

REQUEST = "amazon-s3"
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"
PROFILE = "/transformations/0/params/profileSelectors/selectors"
FOREIGN_AUDIENCE = "0d2b1a4e-5c1f-4f2a-9a0b-3c4d5e6f7a8b"


def as_plan(request: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(request), "operation": "plan"}


def writes(machine: Machine) -> list[Any]:
    return [c for c in machine.flow_service_calls() if c.method in ("POST", "PATCH", "DELETE")]


def applied(machine: Machine, request: dict[str, Any]) -> None:
    result = machine.run(request)
    assert result.status == "SUCCEEDED", (result.error, result.cause)


def test_a_plan_against_a_converged_flow_is_empty_and_says_so(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    before = machine.only_flow()
    machine.emulator.clear_requests()

    result = machine.run(as_plan(request))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, PLAN)
    assert writes(machine) == []
    plan = result.output["plan"]
    assert plan["converged"] is True
    assert "already in the desired state" in plan["summary"]
    assert (plan["patch"], plan["wouldCreate"], plan["changes"]) == ([], [], [])
    assert plan["stateAction"] is None
    assert plan["dataflowId"] == before["id"]
    assert result.output["operation"] == "plan"
    assert machine.only_flow() == before
    (event,) = machine.result_events(result.arn)
    assert event["detail"]["plan"] == plan


def test_a_plan_of_a_new_activation_lists_what_it_would_create_and_creates_nothing(
    machine: Machine,
) -> None:
    request = example(REQUEST)

    result = machine.run(as_plan(request))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert writes(machine) == []
    assert machine.census() == {}
    plan = result.output["plan"]
    assert [c["resource"] for c in plan["wouldCreate"]] == [
        "profileBaseConnection",
        "sourceConnection",
        "destinationBaseConnection",
        "targetConnection",
        "dataflow",
    ]
    assert plan["converged"] is False
    added = [op for op in plan["patch"] if op["path"] == f"{SELECTORS}/-"]
    assert [op["value"]["value"]["id"] for op in added] == [a["id"] for a in request["audiences"]]


def test_a_plan_against_a_drifted_flow_is_the_patch_that_restores_the_desired_state(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    applied(machine, request)
    flow_id = machine.only_flow()["id"]
    # Drift, made in the UI: a schedule changed, an attribute dropped, an audience added.
    drifted_selector = copy.deepcopy(
        machine.only_flow()["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]
    )
    drifted_selector["value"]["schedule"]["startTime"] = "03:00"
    foreign = copy.deepcopy(drifted_selector)
    foreign["value"]["id"] = FOREIGN_AUDIENCE
    machine.emulator.edit_flow(
        flow_id,
        [
            {"op": "replace", "path": f"{SELECTORS}/0", "value": drifted_selector},
            {"op": "add", "path": f"{SELECTORS}/1", "value": foreign},
            {"op": "remove", "path": f"{PROFILE}/1"},
        ],
    )
    wanted = {**copy.deepcopy(request), "prune": True}
    drifted = machine.only_flow()
    machine.emulator.clear_requests()

    result = machine.run(as_plan(wanted))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert writes(machine) == []
    assert machine.only_flow() == drifted  # nothing changed
    plan = result.output["plan"]
    assert plan["converged"] is False
    assert plan["wouldCreate"] == []
    assert any(
        line.startswith("replace schedule of audience Interested in Mountain Biking")
        and line.endswith("DAILY 03:00 -> DAILY 17:00")
        for line in plan["changes"]
    ), plan["changes"]
    assert f"remove audience Interested in Mountain Biking ({FOREIGN_AUDIENCE})" in plan["changes"]
    assert "add attribute person.name.lastName" in plan["changes"]

    by_hand = jsonpatch.apply_patch(copy.deepcopy(drifted), plan["patch"])

    assert [a["id"] for a in flow_audiences(by_hand)] == [a["id"] for a in request["audiences"]]
    assert sorted(flow_attributes(by_hand)) == sorted(request["profileAttributes"])
    assert flow_mandatory_fields(by_hand) == request["mandatoryFields"]
    assert flow_primary_fields(by_hand) == request["deduplicationKeys"]
    assert_flow_holds(by_hand, request)

    # The same patch sent to Flow Service leaves nothing for apply to do.
    machine.emulator.edit_flow(flow_id, plan["patch"])
    machine.emulator.clear_requests()
    converged = machine.run(wanted)
    assert converged.status == "SUCCEEDED", (converged.error, converged.cause)
    assert machine.calls("PATCH", "/flows/*") == []
    assert machine.census() == {"prod": ONE_OF_EACH}


def test_a_plan_names_the_state_action_it_would_take(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    machine.emulator.clear_requests()

    result = machine.run(as_plan({**request, "dataflowState": "disabled"}))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert writes(machine) == []
    plan = result.output["plan"]
    assert plan["stateAction"] == "DISABLE"
    assert plan["patch"] == []
    assert plan["changes"] == ["disable the dataflow (it is enabled)"]
    assert machine.only_flow()["state"] == "enabled"


# --- new cards: the mapping set in plain words -----------------------------------------------

NEW_CARD = "amazon-s3-new-card"


def plan_changes(machine: Machine, request: dict[str, Any]) -> list[str]:
    result = machine.run(as_plan(request))
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    changes: list[str] = result.output["plan"]["changes"]
    return changes


def test_a_plan_attaching_a_mapping_set_for_the_first_time_says_so_plainly(
    machine: Machine,
) -> None:
    request = example(NEW_CARD)  # 3 attributes, identity Email, dedup key Email

    changes = plan_changes(machine, request)

    assert (
        "attach mapping set (new): 3 attributes, identity Email (columns: "
        "person.name.firstName -> person_name_firstName, "
        "person.name.lastName -> person_name_lastName, "
        "personalEmail.address -> personalEmail_address, Email -> Email)"
    ) in changes
    assert "map identity Email" in changes
    assert "set mandatoryFields: (none) -> personalEmail_address" in changes
    assert "set primaryFields: (none) -> identity Email" in changes
    for words in changes:  # nothing reads like a null
        assert "None" not in words, words
        assert "[" not in words, words
        assert "(none) version" not in words, words


def test_a_plan_of_changed_attributes_names_the_set_it_would_replace_and_the_difference(
    machine: Machine,
) -> None:
    request = example(NEW_CARD)
    applied(machine, request)
    (mapping,) = machine.emulator.list_resources("mappingSets")
    changed = copy.deepcopy(request)
    changed["profileAttributes"] = [
        "person.name.firstName",
        "personalEmail.address",
        "homeAddress.city",
    ]

    changes = plan_changes(machine, changed)

    assert (
        f"replace mapping set {mapping['id']} v0 -> new version: "
        "+homeAddress.city -> homeAddress_city, -person.name.lastName"
    ) in changes
    assert "add attribute homeAddress.city -> homeAddress_city" in changes
    assert "remove attribute person.name.lastName" in changes
    assert not [words for words in changes if "identity" in words]  # it did not change


def test_a_plan_of_an_unchanged_new_card_flow_has_no_words_at_all(machine: Machine) -> None:
    request = example(NEW_CARD)
    applied(machine, request)

    result = machine.run(as_plan(request))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    plan = result.output["plan"]
    assert (plan["converged"], plan["changes"], plan["patch"]) == (True, [], [])


def test_a_flow_whose_mapping_set_has_dotted_destinations_gets_a_corrected_version(
    machine: Machine,
) -> None:
    # A set made with the attribute paths as destinations (dots included), as Adobe's rules
    # refuse: the plan says in plain words that the columns are renamed, and apply makes a new
    # version with names without dots and points the flow at it.
    request = example(NEW_CARD)
    applied(machine, request)
    (mapping,) = machine.emulator.list_resources("mappingSets")
    dotted = [*request["profileAttributes"], "Email"]
    machine.emulator.rename_mapping_destinations(mapping["id"], dotted)
    flow_id = machine.only_flow()["id"]
    machine.emulator.edit_flow(
        flow_id,
        [
            {
                "op": "add",
                "path": "/transformations/0/params/mandatoryFields",
                "value": ["personalEmail.address"],
            }
        ],
    )

    changes = plan_changes(machine, request)

    assert (
        f"replace mapping set {mapping['id']} v0 -> new version: rename the exported columns "
        "to names without dots, as Adobe's mapping destinations require: "
        "person.name.firstName -> person_name_firstName, "
        "person.name.lastName -> person_name_lastName, "
        "personalEmail.address -> personalEmail_address"
    ) in changes
    assert "set mandatoryFields: personalEmail.address -> personalEmail_address" in changes

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (again,) = machine.emulator.list_resources("mappingSets")
    assert (again["id"], again["version"]) == (mapping["id"], 1)
    flow = machine.only_flow()
    params = flow["transformations"][0]["params"]
    assert params["profileMapping"] == {"mappingId": mapping["id"], "mappingVersion": 1}
    assert_flow_holds(flow, request)
