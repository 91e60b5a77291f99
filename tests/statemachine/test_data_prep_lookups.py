"""Data Prep look-ups that hold with Adobe's documented list answers, on every new card.

Adobe's Data Prep pages show list items without a ``name`` (``help/data-prep/api/schemas.md``,
``mapping-set.md``) and document ``name`` as a query filter. The emulator answers so by default
("documented") and, with ``data_prep_list_names``, with the name in each item ("named"); every
test runs in both shapes, through the real state machine:

- a re-run creates nothing and sends no PATCH (the flow's ``profileMapping`` leads to the set);
- a changed attribute list makes exactly one new mapping-set version;
- a create (mapping set, input schema, output schema) applied but whose answer was lost, then
  retried, leaves the flow pointing at one mapping set and every orphan reported (at most one);
- a set found under the activation's name that does not map what the request wants is never
  attached: it is reported in ``leftBehind``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from local.emulator import Emulator, Fault
from local.runtime import ExecutionResult
from tests.statemachine.harness import ONE_OF_EACH, Machine, assert_flow_holds, example
from tests.statemachine.test_new_cards import NEW_CARD_EXAMPLES

CONVERSION = "/data/foundation/conversion"
SHAPES = ["documented", "named"]
CREATES = {
    # what is created: (path, text only its create and its look-up carry)
    "mappingSet": (f"{CONVERSION}/mappingSets", None),
    "inputSchema": (f"{CONVERSION}/schemas", " - input schema "),
    "outputSchema": (f"{CONVERSION}/schemas", " - output schema "),
}
LATE = 2.0


def use_shape(emulator: Emulator, shape: str) -> None:
    emulator.configure(data_prep_list_names=shape == "named")


def applied_in_shape(machine: Machine, name: str, shape: str) -> dict[str, Any]:
    """The example ``name`` applied once, with Data Prep lists in ``shape``: the request."""
    use_shape(machine.emulator, shape)
    request = example(name)
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    return request


def conversion_writes(machine: Machine) -> list[str]:
    return [
        f"{r.method} {r.path[len(CONVERSION) :]}"
        for r in machine.emulator.requests
        if r.path.startswith(CONVERSION) and r.method != "GET"
    ]


def flow_writes(machine: Machine) -> list[str]:
    return [f"{r.method} {r.relative_path}" for r in machine.calls() if r.method != "GET"]


def attached(machine: Machine) -> dict[str, Any]:
    reference = machine.only_flow()["transformations"][0]["params"]["profileMapping"]
    assert isinstance(reference, dict)
    return reference


def assert_one_set_and_orphans_reported(machine: Machine, result: ExecutionResult) -> None:
    """The flow names one mapping set; any other set or schema is in ``leftBehind``: at most
    one mapping set, with at most its two schemas."""
    reference = attached(machine)
    reported = {(o["kind"], o["id"]) for o in result.output["leftBehind"]}
    others = {
        ("mappingSets", m["id"])
        for m in machine.emulator.list_resources("mappingSets")
        if m["id"] != reference["mappingId"]
    }
    in_use = machine.only_flow()["__mappingSet"]
    schema_ids = {in_use["inputSchema"]["id"], in_use["outputSchema"]["id"]}
    others |= {
        ("schemas", s["id"])
        for s in machine.emulator.list_resources("schemas")
        if s["id"] not in schema_ids
    }
    assert others == reported
    assert sum(1 for kind, _ in reported if kind == "mappingSets") <= 1
    assert sum(1 for kind, _ in reported if kind == "schemas") <= 2


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NEW_CARD_EXAMPLES)
def test_a_rerun_creates_nothing_and_sends_no_patch(
    machine: Machine, name: str, shape: str
) -> None:
    request = applied_in_shape(machine, name, shape)
    reference, etag = attached(machine), machine.only_flow()["etag"]
    machine.emulator.clear_requests()

    second = machine.run(request)

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert conversion_writes(machine) == []
    assert [w for w in flow_writes(machine) if "PATCH" in w or "POST" in w] == []
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert len(machine.emulator.list_resources("mappingSets")) == 1
    assert len(machine.emulator.list_resources("schemas")) == 2
    assert attached(machine) == reference
    assert machine.only_flow()["etag"] == etag
    # The flow named its set: that set is the one read, once, and kept. The Data Prep names
    # are only looked up in ResolveSpecs' one round of look-ups (beside the connections, before
    # anyone knows the flow exists); no list answer chooses the set.
    reads = [
        r.path
        for r in machine.emulator.requests
        if r.path.startswith(CONVERSION) and r.method == "GET"
    ]
    assert reads.count(f"{CONVERSION}/mappingSets") == 1
    assert reads.count(f"{CONVERSION}/schemas") == 2
    assert [p for p in reads if p.startswith(f"{CONVERSION}/mappingSets/")] == [
        f"{CONVERSION}/mappingSets/{reference['mappingId']}"
    ]
    assert second.output["leftBehind"] == []
    assert second.output["mappingSet"]["created"] == []


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NEW_CARD_EXAMPLES)
def test_a_changed_attribute_list_makes_exactly_one_new_version(
    machine: Machine, name: str, shape: str
) -> None:
    request = applied_in_shape(machine, name, shape)
    (before,) = machine.emulator.list_resources("mappingSets")
    request["profileAttributes"] = [*request["profileAttributes"], "homeAddress.city"]
    machine.emulator.clear_requests()

    second = machine.run(request)

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert conversion_writes(machine) == [
        "POST /schemas",
        "POST /schemas",
        f"PUT /mappingSets/{before['id']}",
    ]
    (after,) = machine.emulator.list_resources("mappingSets")
    assert (after["id"], after["version"]) == (before["id"], 1)
    assert attached(machine) == {"mappingId": before["id"], "mappingVersion": 1}
    assert_flow_holds(machine.only_flow(), request)
    assert second.output["leftBehind"] == []
    machine.emulator.clear_requests()

    third = machine.run(request)

    assert third.status == "SUCCEEDED", (third.error, third.cause)
    assert conversion_writes(machine) == []
    assert machine.emulator.list_resources("mappingSets")[0]["version"] == 1


def lost_then_retried(target: str) -> list[Fault]:
    """The create is applied but its answer lost; the step's look-up for it then fails too,
    so the state machine retries the step, which must find the set (or schema) it made."""
    path, contains = CREATES[target]
    return [
        Fault.latency(0, method="GET", path=path, contains=contains),  # the first look-up
        Fault.apply_then_reset(method="POST", path=path, contains=contains),
        Fault.status_code(503, method="GET", path=path, contains=contains),  # the next one
    ]


@pytest.mark.parametrize("target", list(CREATES))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NEW_CARD_EXAMPLES)
def test_a_lost_create_retried_leaves_one_mapping_set(
    machine: Machine, name: str, shape: str, target: str
) -> None:
    use_shape(machine.emulator, shape)
    request = example(name)
    machine.emulator.inject(*lost_then_retried(target))

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.emulator.pending_faults() == []
    (prepare,) = result.visits_of("EnsureMappingSet")  # Data Prep's own step, retried
    assert prepare.retries >= 1
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert_one_set_and_orphans_reported(machine, result)
    # Adobe's documented answers carry what confirms the set and schemas: nothing is orphaned.
    assert len(machine.emulator.list_resources("mappingSets")) == 1
    assert len(machine.emulator.list_resources("schemas")) == 2
    assert_flow_holds(machine.only_flow(), request)
    machine.emulator.clear_requests()

    again = machine.run(request)

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert conversion_writes(machine) == []


@pytest.mark.parametrize("target", list(CREATES))
@pytest.mark.parametrize("shape", SHAPES)
def test_a_create_applied_late_is_found_not_made_twice(
    machine: Machine, shape: str, target: str
) -> None:
    use_shape(machine.emulator, shape)
    request = example("amazon-s3-new-card")
    path, contains = CREATES[target]
    late = Fault.apply_late(LATE, method="POST", path=path, contains=contains)
    machine.emulator.inject(late)

    result = machine.run(request)
    time.sleep(LATE + 0.5)  # anything still due has landed by now

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.emulator.pending_faults() == []
    assert_one_set_and_orphans_reported(machine, result)
    assert len(machine.emulator.list_resources("mappingSets")) == 1
    assert len(machine.emulator.list_resources("schemas")) == 2


@pytest.mark.parametrize("shape", SHAPES)
def test_a_set_under_our_name_that_maps_otherwise_is_reported_never_attached(
    machine: Machine, shape: str
) -> None:
    use_shape(machine.emulator, shape)
    request = example("amazon-s3-new-card")
    # The first run makes its mapping set, then Adobe refuses the PATCH that would attach it.
    machine.emulator.inject(Fault.status_code(400, method="PATCH", path="/flows/*"))
    refused = machine.run(request)
    assert refused.status == "FAILED"
    (orphan,) = machine.emulator.list_resources("mappingSets")
    assert attached(machine) == {}
    request["profileAttributes"] = [*request["profileAttributes"], "homeAddress.city"]

    result = machine.run(request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    reference = attached(machine)
    assert reference["mappingId"] != orphan["id"]
    assert [(o["kind"], o["id"], o.get("version")) for o in result.output["leftBehind"]] == [
        ("mappingSets", orphan["id"], 0),
        ("schemas", orphan["inputSchema"]["id"], None),
        ("schemas", orphan["outputSchema"]["id"], None),
    ]
    assert "no flow points at it" in result.output["leftBehind"][0]["reason"]
    assert_one_set_and_orphans_reported(machine, result)
    assert_flow_holds(machine.only_flow(), request)
    machine.emulator.clear_requests()

    again = machine.run(request)

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert conversion_writes(machine) == []  # the orphan is not made again
    assert again.output["leftBehind"] == []
    assert len(machine.emulator.list_resources("mappingSets")) == 2
