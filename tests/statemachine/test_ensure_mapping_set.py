"""EnsureMappingSet: a new card's Data Prep as its own step, beside the connection branches.

Through the real state machine and handler: the step makes the input and output schemas and
the mapping set, carries only their ids and version, and ActivateAudiences attaches that
version in the one PATCH it sends. A legacy card passes the branch through without a call.
The counts are the activation's floor: a regression that puts Data Prep back on the chain, or
reads the set again, fails here.
"""

from __future__ import annotations

import copy
from typing import Any

from aep_activation.naming import default_resource_names
from bench.activations import adding_audience, observed_chain
from local.emulator import Fault, RecordedRequest
from tests.statemachine.harness import (
    ONE_OF_EACH,
    PROFILE_STORE_SPEC_ID,
    Machine,
    assert_flow_holds,
    example,
)
from tests.statemachine.test_lifecycle_plan import as_plan

NEW_CARD = "amazon-s3-new-card"
LEGACY_CARD = "amazon-s3"
CONVERSION = "/data/foundation/conversion"
# Seconds per Adobe answer: concurrency shows in the request log. Longer than the bench's 0.2 s
# so that a thread the OS schedules late on a loaded machine still sends its call before the
# calls it runs beside are answered: the phases' depths are then the design's, not the load's.
LATENCY = 1.0


def _collection(path: str) -> str:
    """``flows``, ``mappingSets``, ``ims``: what a call addresses, without ids."""
    return (path[len(CONVERSION) :] if path.startswith(CONVERSION) else path).split("/")[1]


def conversion_calls(machine: Machine) -> list[str]:
    return [
        f"{r.method} {r.path[len(CONVERSION) :].split('/')[1]}"
        for r in machine.emulator.requests
        if r.path.startswith(CONVERSION)
    ]


def test_a_new_card_s_data_prep_runs_as_its_own_step_and_carries_only_ids(
    machine: Machine,
) -> None:
    request = example(NEW_CARD)

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (step,) = result.visits_of("EnsureMappingSet")
    prepared = step.result
    assert set(prepared) == {"mappingId", "mappingVersion", "created", "leftBehind"}
    assert prepared["created"] == ["inputSchema", "outputSchema", "mappingSet"]
    assert prepared["leftBehind"] == []
    # ActivateAudiences attaches that version in its one PATCH, and reads no Data Prep.
    (patch,) = machine.calls("PATCH", "/flows/*")
    attach = [op for op in patch.body if op["path"].endswith("/profileMapping")]
    assert [op["value"] for op in attach] == [
        {"mappingId": prepared["mappingId"], "mappingVersion": prepared["mappingVersion"]}
    ]
    reference = machine.only_flow()["transformations"][0]["params"]["profileMapping"]
    assert reference == attach[0]["value"]
    assert_flow_holds(machine.only_flow(), request)
    assert machine.census() == {"prod": ONE_OF_EACH}
    # Looked up by name once (ResolveSpecs, beside the connections), created once each,
    # never read back: ValidateDataflow trusts the version this execution attached.
    assert sorted(conversion_calls(machine)) == [
        "GET mappingSets",
        "GET schemas",
        "GET schemas",
        "POST mappingSets",
        "POST schemas",
        "POST schemas",
    ]
    assert result.output["mappingSet"]["mappingId"] == prepared["mappingId"]


def test_a_legacy_card_s_data_prep_step_answers_null_without_a_call(machine: Machine) -> None:
    result = machine.run(example(LEGACY_CARD))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (step,) = result.visits_of("EnsureMappingSet")
    assert step.result is None
    assert conversion_calls(machine) == []
    assert "mappingSet" not in result.output


def test_changed_attributes_make_a_new_version_in_the_step_and_activate_only_attaches_it(
    machine: Machine,
) -> None:
    request = example(NEW_CARD)
    assert machine.run(request).status == "SUCCEEDED"
    before = machine.only_flow()["transformations"][0]["params"]["profileMapping"]
    changed = copy.deepcopy(request)
    changed["profileAttributes"] = [*request["profileAttributes"], "homeAddress.city"]
    machine.emulator.clear_requests()

    result = machine.run(changed)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (step,) = result.visits_of("EnsureMappingSet")
    assert step.result["created"] == ["inputSchema", "outputSchema", "mappingVersion"]
    assert step.result["mappingId"] == before["mappingId"]
    assert step.result["mappingVersion"] == before["mappingVersion"] + 1
    after = machine.only_flow()["transformations"][0]["params"]["profileMapping"]
    assert after == {
        "mappingId": before["mappingId"],
        "mappingVersion": before["mappingVersion"] + 1,
    }
    assert [c for c in conversion_calls(machine) if c.startswith("PUT")] == ["PUT mappingSets"]
    assert_flow_holds(machine.only_flow(), changed)


def test_a_fresh_new_card_activation_is_seven_dependent_calls_deep(machine: Machine) -> None:
    """The floor of a fresh activation: the token; the look-ups, side by side; three branches
    two calls deep (base -> source; base -> target; both schemas side by side -> mapping
    set); the flow; the PATCH; the read-back: 2 + 2 + 3 = 7.

    Asserted phase by phase from the request log: the whole log's longest run of calls each
    sent after the one before was answered also strings independent calls of parallel
    branches together whenever the local runtime starts a branch's next Lambda late (~0.5 s
    here, tens of milliseconds on AWS), so it is the bench's figure, not a test's."""
    machine.cold()
    machine.emulator.inject(Fault.latency(LATENCY, times=None))

    result = machine.run(example(NEW_CARD))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls = sorted(machine.emulator.requests, key=lambda c: c.received_at or c.timestamp)
    # 1 token; 10 look-ups (4 connections and the flow by name, 3 Data Prep names, 2 specs);
    # 4 connections, 2 schemas, 1 mapping set; the flow; the PATCH; the read-back.
    assert len(calls) == 21
    assert sum(1 for c in calls if c.path == "/ims/token/v3") == 1
    first_write = next(
        i for i, c in enumerate(calls) if c.method != "GET" and "/ims/" not in c.path
    )
    (flow_create,) = [c for c in calls if c.method == "POST" and c.relative_path == "/flows"]
    last = calls.index(flow_create)
    before, branches, after = calls[:first_write], calls[first_write:last], calls[last:]
    assert observed_chain(before) == 2  # the token, then every look-up at once
    assert all(c.method == "POST" for c in branches)
    assert len(branches) == 7
    assert max(c.timestamp for c in before) <= min(c.received_at or 0 for c in branches)
    assert max(c.timestamp for c in branches) <= (flow_create.received_at or 0)

    def kind(call: RecordedRequest) -> str:
        body = call.body if isinstance(call.body, dict) else {}
        if call.relative_path == "/connections":
            spec = (body.get("connectionSpec") or {}).get("id")
            return "profile" if spec == PROFILE_STORE_SPEC_ID else "destination"
        return {"/sourceConnections": "profile", "/targetConnections": "destination"}.get(
            call.relative_path, "dataPrep"
        )

    for branch in ("profile", "destination", "dataPrep"):
        assert observed_chain([c for c in branches if kind(c) == branch]) == 2, branch
    data_prep = [c.path.rsplit("/", 1)[1] for c in branches if kind(c) == "dataPrep"]
    assert sorted(data_prep) == ["mappingSets", "schemas", "schemas"]
    assert [f"{c.method} {_collection(c.relative_path)}" for c in after] == [
        "POST flows",
        "PATCH flows",
        "GET flows",
    ]
    assert observed_chain(after) == 3


def test_adding_an_audience_to_a_new_card_flow_is_four_dependent_calls_deep(
    machine: Machine,
) -> None:
    """The legacy card's floor: the token; the flow, with the mapping set the activation's
    last apply attached read beside it (the registry says which; the flow confirms it); the
    PATCH; the read-back of the flow (the set's version was just read: not again)."""
    request = example(NEW_CARD)
    assert machine.run(request).status == "SUCCEEDED"
    flow = machine.only_flow()
    attached = flow["transformations"][0]["params"]["profileMapping"]
    machine.cold()
    machine.emulator.clear_requests()
    machine.emulator.inject(Fault.latency(LATENCY, times=None))

    result = machine.run(adding_audience(request, flow["id"], 1))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls = sorted(machine.emulator.requests, key=lambda c: c.received_at or c.timestamp)
    assert [f"{c.method} {_collection(c.relative_path)}" for c in calls[:1] + calls[3:]] == [
        "POST ims",
        "PATCH flows",
        "GET flows",
    ]
    assert sorted(f"{c.method} {_collection(c.relative_path)}" for c in calls[1:3]) == [
        "GET flows",
        "GET mappingSets",
    ]
    (read,) = [c for c in calls if _collection(c.relative_path) == "mappingSets"]
    assert read.path.endswith(f"/mappingSets/{attached['mappingId']}")
    assert read.query["version"] == [str(attached["mappingVersion"])]
    assert observed_chain(calls) == 4
    # The set was reused as read: no new version, the flow names the same one.
    assert [c for c in conversion_calls(machine) if not c.startswith("GET")] == []
    assert machine.only_flow()["transformations"][0]["params"]["profileMapping"] == attached
    assert result.output["mappingSet"]["mappingVersion"] == attached["mappingVersion"]
    assert_flow_holds(machine.only_flow(), adding_audience(request, flow["id"], 1))


def test_a_plan_lists_what_the_step_would_make_and_makes_nothing(machine: Machine) -> None:
    request = example(NEW_CARD)

    fresh = machine.run(as_plan(request))

    assert fresh.status == "SUCCEEDED", (fresh.error, fresh.cause)
    assert adobe_writes(machine) == []
    planned = fresh.output["plan"]["wouldCreate"]
    assert [c["resource"] for c in planned] == [
        "profileBaseConnection",
        "sourceConnection",
        "destinationBaseConnection",
        "targetConnection",
        "inputSchema",
        "outputSchema",
        "mappingSet",
        "dataflow",
    ]
    (prepared,) = [c for c in planned if c["resource"] == "mappingSet"]
    assert prepared["name"] == f"{machine_names(request)} - mapping set"
    assert f"create mapping set {prepared['name']!r}" in fresh.output["plan"]["changes"]

    assert machine.run(request).status == "SUCCEEDED"
    (mapping,) = machine.emulator.list_resources("mappingSets")
    changed = copy.deepcopy(request)
    changed["profileAttributes"] = [*request["profileAttributes"], "homeAddress.city"]
    machine.emulator.clear_requests()

    again = machine.run(as_plan(changed))

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert adobe_writes(machine) == []
    assert [c["resource"] for c in again.output["plan"]["wouldCreate"]] == [
        "inputSchema",
        "outputSchema",
        "mappingVersion",
    ]
    assert again.output["plan"]["wouldCreate"][-1]["name"] == mapping["id"]
    assert machine.run(as_plan(request)).output["plan"]["wouldCreate"] == []


def machine_names(request: dict[str, Any]) -> str:
    """The dataflow's name for ``request``: Data Prep's names start with it."""
    return default_resource_names(str(request["name"])).dataflow.name


def adobe_writes(machine: Machine) -> list[str]:
    """Every write to Flow Service or Data Prep (an IMS token is not one)."""
    return [
        f"{r.method} {r.path}"
        for r in machine.emulator.requests
        if r.method != "GET" and not r.path.startswith("/ims/")
    ]
