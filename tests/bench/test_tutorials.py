"""The tutorials by hand that `make bench` compares activations with: each makes its guide's
calls, in order, and leaves a dataflow activating the request's audiences."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.tutorial import run_new_card_tutorial, run_tutorial
from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime.fake_secrets import fake_destination_secret

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FLOWS = "/data/foundation/flowservice"
CONVERSION = "/data/foundation/conversion"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def _run(
    tutorial: Callable[..., str], emulator: Emulator, example: str
) -> tuple[dict[str, Any], str]:
    """Run a tutorial on an example request against the emulator: the request, the flow id."""
    request = dict(json.loads((EXAMPLES / example).read_text(encoding="utf-8")))
    flow_id = tutorial(
        emulator.platform_url,
        emulator.ims_url,
        DEFAULT_CLIENT.credentials(),
        request,
        dict(fake_destination_secret(request) or {}),
    )
    return request, flow_id


def test_the_seed_tutorial_makes_its_nine_calls(emulator: Emulator) -> None:
    request, flow_id = _run(run_tutorial, emulator, "amazon-s3.json")

    methods = [c.method for c in emulator.requests]
    assert len(emulator.requests) == 9
    assert methods.count("POST") == 6  # token, 4 connections, the flow
    assert [c.method for c in emulator.requests[-2:]] == ["PATCH", "GET"]
    (flow,) = emulator.list_resources("flows", request["sandbox"])
    assert flow["id"] == flow_id
    selectors = flow["transformations"][0]["params"]["segmentSelectors"]["selectors"]
    assert [s["value"]["id"] for s in selectors] == [a["id"] for a in request["audiences"]]


def test_the_new_card_tutorial_makes_the_file_based_guides_calls(emulator: Emulator) -> None:
    request, flow_id = _run(run_new_card_tutorial, emulator, "amazon-s3-new-card.json")

    paths = [(c.method, c.path) for c in emulator.requests]
    assert len(paths) == 12
    assert paths[7:10] == [
        ("POST", f"{CONVERSION}/schemas"),
        ("POST", f"{CONVERSION}/schemas"),
        ("POST", f"{CONVERSION}/mappingSets"),
    ]
    assert paths[-2:] == [
        ("PATCH", f"{FLOWS}/flows/{flow_id}"),
        ("GET", f"{FLOWS}/flows/{flow_id}"),
    ]
    (flow,) = emulator.list_resources("flows", request["sandbox"])
    params = flow["transformations"][0]["params"]
    assert [s["value"]["id"] for s in params["segmentSelectors"]["selectors"]] == [
        a["id"] for a in request["audiences"]
    ]
    (mapping_set,) = emulator.list_resources("mappingSets", request["sandbox"])
    assert params["profileMapping"]["mappingId"] == mapping_set["id"]
