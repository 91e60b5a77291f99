"""Apply after a change of the destination's target params (where and how files land).

The target connection is found by its deterministic name; when its params differ from the
request's, Adobe's ``PATCH /targetConnections/{id}`` under its etag brings them in line
(help/destinations/api/edit-destination.md), and the plan reports the change.
"""

from __future__ import annotations

import copy
from typing import Any

from local.emulator import Fault
from tests.statemachine.harness import Machine, example

REQUEST = "amazon-s3"
NEW_CARD = "amazon-s3-new-card"


def applied(machine: Machine, request: dict[str, Any]) -> dict[str, Any]:
    result = machine.run(request)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


def with_target(request: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(request)
    changed["destination"]["target"].update(changes)
    return changed


def only_target(machine: Machine) -> dict[str, Any]:
    (target,) = machine.emulator.list_resources("targetConnections")
    return dict(target)


def test_a_new_path_is_patched_onto_the_target_connection(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    before = only_target(machine)
    flow = machine.only_flow()
    machine.emulator.clear_requests()

    applied(machine, with_target(request, path="aep/autumn-sale"))

    after = only_target(machine)
    assert after["id"] == before["id"]
    assert after["params"] == {**before["params"], "path": "aep/autumn-sale"}
    assert after["etag"] != before["etag"]
    (patch,) = machine.calls("PATCH", "/targetConnections/*")
    assert patch.relative_path == f"/targetConnections/{before['id']}"
    assert patch.header("If-Match") == before["etag"]
    assert patch.body == [{"op": "replace", "path": "/params", "value": after["params"]}]
    assert machine.calls("POST", "/targetConnections") == []
    assert machine.only_flow()["targetConnectionIds"] == flow["targetConnectionIds"]


def test_new_card_file_options_are_patched_too(machine: Machine) -> None:
    request = example(NEW_CARD)
    applied(machine, request)
    machine.emulator.clear_requests()

    applied(
        machine,
        with_target(request, bucketName="acme-archive", compression="NONE", fileType="JSON"),
    )

    params = only_target(machine)["params"]
    assert (params["bucketName"], params["compression"], params["fileType"]) == (
        "acme-archive",
        "NONE",
        "JSON",
    )
    assert len(machine.calls("PATCH", "/targetConnections/*")) == 1


def test_an_unchanged_target_is_not_patched(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    before = only_target(machine)
    machine.emulator.clear_requests()

    applied(machine, request)

    assert machine.calls("PATCH", "/targetConnections/*") == []
    assert machine.calls("GET", "/targetConnections/*") == []
    assert only_target(machine) == before


def test_a_target_edited_in_between_is_patched_after_one_fresh_read(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    target = only_target(machine)
    machine.emulator.clear_requests()
    # Someone edited the connection after the look-up read it: its first PATCH meets a 412.
    machine.emulator.inject(
        Fault.status_code(412, method="PATCH", path=f"/targetConnections/{target['id']}")
    )

    applied(machine, with_target(request, path="aep/autumn-sale"))

    assert only_target(machine)["params"]["path"] == "aep/autumn-sale"
    assert len(machine.calls("PATCH", "/targetConnections/*")) == 2
    assert len(machine.calls("GET", f"/targetConnections/{target['id']}")) == 1


def as_plan(request: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(request), "operation": "plan"}


def test_a_plan_reports_a_changed_path_and_writes_nothing(machine: Machine) -> None:
    request = example(REQUEST)
    applied(machine, request)
    before = only_target(machine)
    machine.emulator.clear_requests()

    output = applied(machine, as_plan(with_target(request, path="aep/autumn-sale")))

    plan = output["plan"]
    assert plan["converged"] is False
    assert plan["changes"] == [
        "target connection params: path 'aep/summer-sale' -> 'aep/autumn-sale'"
    ]
    assert plan["wouldCreate"] == []
    writes = [c for c in machine.flow_service_calls() if c.method in ("POST", "PATCH", "DELETE")]
    assert writes == []
    assert only_target(machine) == before
