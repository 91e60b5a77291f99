"""The drift watch as deployed: template.yaml's schedule (switched on) fires its function in
the local runtime, which plans every ACTIVE activation of the registry against the emulator.

Two activations applied through the state machine (which writes the registry), an audience
removed from one of them behind the stack's back: exactly one ActivationDrifted, for that one,
saying in words what apply would change; nothing for the other; the same drift reported again
at every pass while it lasts; an activation that cannot be planned named and counted while the
pass goes on; nothing written to Adobe; no secret anywhere."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from aep_activation.registry import KEY, NAME, REQUEST, ActivationRegistry
from aep_activation.watch_pass import emf_records
from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime import LocalDeployment
from tests.statemachine.harness import example
from tests.support.flows import flow_audiences
from tests.support.stack import deployed_stack
from tests.watch.registry_seed import register

DRIFT = "DriftWatchFunction"
SCHEDULE = "DriftWatchSchedule"
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"


@pytest.fixture(scope="module")
def stack(_emulator_server: Emulator) -> Iterator[LocalDeployment]:
    with deployed_stack(
        _emulator_server, parameter_overrides={"DriftWatchEnabled": "true"}, skip_sleeps=True
    ) as local:
        yield local


@pytest.fixture(autouse=True)
def empty_registry(stack: LocalDeployment) -> None:
    """Per test: the emulator is reset (by ``emulator``), so the registry starts empty too."""
    dynamodb, table = stack.client("dynamodb"), stack.physical("ActivationRegistryTable")
    for item in dynamodb.scan(TableName=table)["Items"]:
        dynamodb.delete_item(TableName=table, Key={KEY: item[KEY]})


def registry(stack: LocalDeployment) -> ActivationRegistry:
    return ActivationRegistry(
        stack.physical("ActivationRegistryTable"), client=stack.client("dynamodb")
    )


def request(name: str) -> dict[str, Any]:
    base = copy.deepcopy(example("amazon-s3"))
    base["name"] = name
    return base


def drift_events(stack: LocalDeployment) -> list[dict[str, Any]]:
    return [e for e in stack.published_events() if e.get("detail-type") == "ActivationDrifted"]


def drift_lines(stack: LocalDeployment) -> list[str]:
    return [line.text for line in stack.captured_logs if line.function == DRIFT]


def writes_to_adobe(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.requests if r.method != "GET"]


def test_one_drifted_activation_is_reported_in_words_at_every_pass(
    emulator: Emulator, stack: LocalDeployment
) -> None:
    for name in ("steady", "drifting"):
        applied = stack.run(request(name), timeout=120)
        assert applied.status == "SUCCEEDED", applied
    flows = {a.name: str(a.dataflow_id) for a in registry(stack).activations()}
    assert set(flows) == {"steady", "drifting"}
    # Planned right after apply: nothing drifted, nothing published.
    before = len(drift_events(stack))
    quiet = stack.fire_schedule(SCHEDULE)
    assert not quiet.failed, quiet.error_message
    assert quiet.result["planned"] == 2
    assert quiet.result["drifted"] == []
    assert len(drift_events(stack)) == before

    # Someone removes an audience in Adobe's UI.
    (flow,) = [f for f in emulator.list_resources("flows") if f["id"] == flows["drifting"]]
    removed = flow_audiences(flow)[0]
    emulator.edit_flow(flows["drifting"], [{"op": "remove", "path": f"{SELECTORS}/0"}])
    emulator.clear_requests()

    first = stack.fire_schedule(SCHEDULE)

    assert not first.failed, first.error_message
    assert first.result["drifted"] == ["prod/drifting"]
    assert first.result["errors"] == []
    events = drift_events(stack)[before:]
    assert len(events) == 1
    (event,) = events
    assert event["source"] == "aep.activation"
    detail = event["detail"]
    assert (detail["activation"], detail["sandbox"]) == ("drifting", "prod")
    assert detail["dataflowId"] == flows["drifting"]
    assert len(detail["changes"]) == 1
    assert detail["changes"][0].startswith(f"add audience {removed['name']}")
    assert detail["lastExecution"]  # which execution applied what the dataflow drifted from
    assert writes_to_adobe(emulator) == []  # reading only

    # Nothing changed since: the drift lasts, and is reported again, the same.
    again = stack.fire_schedule(SCHEDULE)
    assert again.result["drifted"] == ["prod/drifting"]
    events = drift_events(stack)[before:]
    assert len(events) == 2
    assert events[1]["detail"] == detail
    assert writes_to_adobe(emulator) == []

    # Once apply converges it, the watch is quiet again.
    assert stack.run(request("drifting"), timeout=120).status == "SUCCEEDED"
    converged = stack.fire_schedule(SCHEDULE)
    assert converged.result["drifted"] == []
    assert len(drift_events(stack)) == before + 2

    text = json.dumps(drift_events(stack)) + "\n".join(drift_lines(stack))
    for secret in (DEFAULT_CLIENT.client_secret, *emulator.issued_tokens()):
        assert secret not in text


def test_an_activation_that_cannot_be_planned_is_named_and_counted_and_the_pass_goes_on(
    emulator: Emulator, stack: LocalDeployment
) -> None:
    applied = stack.run(request("kept"), timeout=120)
    assert applied.status == "SUCCEEDED", applied
    kept = str(registry(stack).get("prod", "kept").dataflow_id)  # type: ignore[union-attr]
    emulator.edit_flow(kept, [{"op": "remove", "path": f"{SELECTORS}/0"}])
    dynamodb, table = stack.client("dynamodb"), stack.physical("ActivationRegistryTable")
    # A stored request that no longer validates (no destination), beside the good one.
    register(dynamodb, table, name="broken", dataflow_id=kept, applied_at=emulator.clock())
    # A valid request whose destination secret is gone (its item as an apply writes it).
    gone = request("secret-gone")
    gone["destination"]["auth"]["secretId"] = "aep/destinations/removed-since"
    item = dynamodb.get_item(TableName=table, Key={KEY: {"S": "prod/kept"}})["Item"]
    item.update({KEY: {"S": "prod/secret-gone"}, NAME: {"S": "secret-gone"}})
    item[REQUEST] = {"S": json.dumps(gone)}
    dynamodb.put_item(TableName=table, Item=item)
    lines_before = len(drift_lines(stack))
    before = len(drift_events(stack))

    done = stack.fire_schedule(SCHEDULE)

    assert not done.failed, done.error_message
    assert done.result["errors"] == [
        {"activation": "prod/broken", "error": "InvalidActivationRequest"},
        {"activation": "prod/secret-gone", "error": "SecretUnavailable"},
    ]
    assert done.result["drifted"] == ["prod/kept"]
    assert [e["detail"]["activation"] for e in drift_events(stack)[before:]] == ["kept"]
    lines = drift_lines(stack)[lines_before:]
    assert any("InvalidActivationRequest" in line and "prod/broken" in line for line in lines)
    counted = [m for m in emf_records(lines) if "DriftWatchErrors" in m]
    assert sum(m["DriftWatchErrors"] for m in counted) == 2


def test_the_schedule_fires_the_drift_watch_every_rate_minutes(stack: LocalDeployment) -> None:
    assert stack.schedule_expression(SCHEDULE) == "rate(60 minutes)"
    assert stack.template.schedules[SCHEDULE].function == DRIFT
