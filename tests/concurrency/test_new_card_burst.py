"""A burst for one new-card activation leaves one mapping set and its two schemas.

The lease makes the executions take turns; each one after the first finds the mapping set
through the dataflow's ``profileMapping``. Run in both Data Prep list shapes: items without
``name`` as Adobe's pages show them, and items with it.
"""

from __future__ import annotations

import json

import pytest

from aep_activation.naming import default_resource_names
from tests.concurrency.races import SANDBOX, audience, run_burst
from tests.statemachine.harness import Machine, example

BURST = 20
CARD = "amazon-s3-new-card"


def new_card_requests(name: str, count: int) -> list[dict[str, object]]:
    """``count`` requests for one new-card activation, each with its own audience."""
    requests = []
    for index in range(count):
        request = json.loads(json.dumps(example(CARD)))
        request["name"] = name
        request["audiences"] = [audience(name, index)]
        requests.append(request)
    return requests


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["documented", "named"])
def test_a_burst_for_one_new_card_activation_makes_one_mapping_set(
    machine: Machine, shape: str
) -> None:
    machine.emulator.configure(data_prep_list_names=shape == "named")
    name = f"burst-new-card-{shape}"
    requests = new_card_requests(name, BURST)

    burst = run_burst("sqs", machine.stack, machine.emulator, requests, timeout=240)

    print(burst.figures())
    assert burst.problems() == []
    (activation,) = burst.activations
    assert activation.executions == BURST
    mapping_set_name = f"{default_resource_names(name).dataflow.name} - mapping set"
    sets = machine.emulator.list_resources("mappingSets", SANDBOX)
    assert [s["name"] for s in sets] == [mapping_set_name]
    assert sets[0]["version"] == 0  # every audience, one mapping: never a second version
    assert len(machine.emulator.list_resources("schemas", SANDBOX)) == 2
    (flow,) = machine.emulator.list_resources("flows", SANDBOX)
    reference = flow["transformations"][0]["params"]["profileMapping"]
    assert reference == {"mappingId": sets[0]["id"], "mappingVersion": 0}
