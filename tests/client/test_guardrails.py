"""A change that would take a dataflow past Adobe's soft limits stops before its PATCH."""

from __future__ import annotations

import uuid

import pytest

from aep_activation.dataflow_diff import DataflowSnapshot
from aep_activation.errors import GuardrailExceeded
from aep_activation.flow_service import FlowServiceClient
from aep_activation.request import parse_activation_request
from aep_activation.steps.activate_audiences import activate
from aep_activation.steps.flow_view import read_dataflow
from local.emulator import Emulator
from tests.client import payloads
from tests.model.invalid_requests import TODAY
from tests.statemachine.harness import example


def full_dataflow(client: FlowServiceClient, emulator: Emulator) -> DataflowSnapshot:
    """A real dataflow already holding 249 audiences (activation reads it afresh)."""
    profile = client.connections.create(payloads.profile_base())
    source = client.source_connections.create(payloads.profile_source(profile.id))
    base = client.connections.create(payloads.s3_base())
    target = client.target_connections.create(payloads.s3_target(base.id))
    created = client.flows.create(payloads.flow(source.id, target.id))
    template = example("amazon-s3")["audiences"][0]
    selectors = [
        {"type": "PLATFORM_SEGMENT", "value": {**template, "id": str(uuid.uuid4())}}
        for _ in range(249)
    ]
    emulator.edit_flow(
        created.id,
        [
            {
                "op": "add",
                "path": "/transformations/0/params/segmentSelectors/selectors",
                "value": selectors,
            }
        ],
    )
    emulator.clear_requests()
    return read_dataflow(client, created.id)


def test_two_more_audiences_on_a_249_audience_dataflow_stop_before_the_patch(
    client: FlowServiceClient, emulator: Emulator
) -> None:
    request = parse_activation_request(example("amazon-s3"), today=TODAY)

    snapshot = full_dataflow(client, emulator)

    with pytest.raises(GuardrailExceeded) as caught:
        activate(request, client, snapshot.id)

    assert "would hold 251 audiences" in caught.value.message
    assert "audiencesPerDataflow" in caught.value.message
    assert [r for r in emulator.requests if r.method == "PATCH"] == []


def test_the_override_lets_the_patch_go(client: FlowServiceClient, emulator: Emulator) -> None:
    body = example("amazon-s3")
    body["overrideSoftLimits"] = ["audiencesPerDataflow"]
    request = parse_activation_request(body, today=TODAY)

    snapshot = full_dataflow(client, emulator)

    outcome = activate(request, client, snapshot.id)

    assert [r.method for r in emulator.requests if r.method == "PATCH"] == ["PATCH"]
    assert len(read_dataflow(client, snapshot.id).audiences) == 251
    assert outcome.patched
