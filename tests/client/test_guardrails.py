"""Issue 9: a change that would take a dataflow past Adobe's soft limits stops before its PATCH."""

from __future__ import annotations

import uuid

import pytest

from aep_activation.errors import GuardrailExceeded, ResourceNotFound
from aep_activation.flow_service import FlowServiceClient
from aep_activation.model import parse_activation_request
from aep_activation.selectors import DataflowSnapshot
from aep_activation.steps.dataflow import activate
from local.emulator import Emulator
from tests.model.invalid_requests import TODAY
from tests.statemachine.harness import example

FLOW_ID = "3f1b0a4e-8d7c-4b5a-9e6f-1a2b3c4d5e6f"


def full_snapshot() -> DataflowSnapshot:
    """A dataflow already holding 249 audiences (ids only: what activation decides on)."""
    audiences = [{"id": str(uuid.uuid4()), "fingerprint": "x"} for _ in range(249)]
    return DataflowSnapshot(
        id=FLOW_ID, etag='"1"', transform_index=0, audiences=audiences, attributes=[]
    )


def test_two_more_audiences_on_a_249_audience_dataflow_stop_before_the_patch(
    client: FlowServiceClient, emulator: Emulator
) -> None:
    request = parse_activation_request(example("amazon-s3"), today=TODAY)

    with pytest.raises(GuardrailExceeded) as caught:
        activate(request, client, full_snapshot())

    assert "would hold 251 audiences" in caught.value.message
    assert "audiencesPerDataflow" in caught.value.message
    assert [r for r in emulator.requests if r.method == "PATCH"] == []


def test_the_override_lets_the_patch_go(client: FlowServiceClient, emulator: Emulator) -> None:
    body = example("amazon-s3")
    body["overrideSoftLimits"] = ["audiencesPerDataflow"]
    request = parse_activation_request(body, today=TODAY)

    with pytest.raises(ResourceNotFound):  # the PATCH went out; the flow is imaginary
        activate(request, client, full_snapshot())

    assert [r.method for r in emulator.requests if r.method == "PATCH"] == ["PATCH"]
