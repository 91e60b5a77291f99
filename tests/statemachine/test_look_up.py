"""ResolveSpecs looks every resource up side by side; the ensure steps then skip their finds."""

from __future__ import annotations

from tests.statemachine.harness import PROFILE_STORE_SPEC_ID, Machine, example

REQUEST = "amazon-s3"


def test_a_fresh_activation_finds_each_resource_once_then_only_creates(machine: Machine) -> None:
    result = machine.run(example(REQUEST))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    finds = [c for c in machine.flow_service_calls() if c.method == "GET" and "property" in c.query]
    assert sorted(c.relative_path for c in finds) == [
        "/connections",
        "/connections",
        "/flows",
        "/sourceConnections",
        "/targetConnections",
    ]
    creates = [c.relative_path for c in machine.flow_service_calls() if c.method == "POST"]
    assert sorted(creates) == [
        "/connections",
        "/connections",
        "/flows",
        "/sourceConnections",
        "/targetConnections",
    ]


def test_a_namesake_that_is_not_ours_fails_before_anything_is_created(machine: Machine) -> None:
    request = example(REQUEST)
    first = machine.run(request)
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    # Another request naming its destination base connection as this run's Profile Store
    # base connection: the namesake found is not a connection to its destination.
    (profile,) = [
        c
        for c in machine.emulator.list_resources("connections")
        if c["connectionSpec"]["id"] == PROFILE_STORE_SPEC_ID
    ]
    census = machine.census()
    machine.emulator.clear_requests()
    other = example(REQUEST)
    other["resources"] = {"destinationBaseConnection": {"name": profile["name"]}}
    other["name"] = "another-activation"

    result = machine.run(other)

    assert result.status == "FAILED"
    assert result.error == "ResourceConflict", result.cause
    assert "ResolveSpecs" in result.states
    assert "ConnectProfileAndDestination" not in result.states
    assert [c for c in machine.flow_service_calls() if c.method != "GET"] == []
    assert machine.census() == census
