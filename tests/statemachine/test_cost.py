"""What a run costs in Step Functions' own units, and how big the definition is: counted from
the ASL and from runs through the local runtime, so a change that adds transitions, Lambda
calls or states fails here. (A 412's cost and an hour's run watch are in
test_etag_conflicts.py and test_export_now.py.)"""

from __future__ import annotations

import pytest

from tests.statemachine.asl import ASL_PATH, states
from tests.statemachine.harness import Machine, example, lambda_calls, transitions, with_dataflow
from tests.statemachine.paths import HAPPY_EXISTING, HAPPY_NEW, assert_route

# A fresh apply, on any card: 16 transitions. ValidateRequest takes the input as it comes;
# ChooseOperation sends it to the apply's own acquire state, which goes straight on to
# ResolveSpecs; the Parallel's three branches (two connections each, and EnsureMappingSet, which
# answers a legacy card at once: a Lambda call costs less than the Choice and Pass that would
# skip it); PublishSuccess records the outcome in the registry itself and ends the run.
FRESH_APPLY_TRANSITIONS = 16
FRESH_APPLY_LAMBDA_CALLS = 11
# Adding an audience to the dataflow a request names: ValidateRequest, ChooseOperation, the
# lease, ActivateAudiences, ValidateDataflow, ExportOrWatch, the release and PublishSuccess.
NAMED_DATAFLOW_TRANSITIONS = 8
NAMED_DATAFLOW_LAMBDA_CALLS = 4
# A teardown: ValidateRequest, ChooseOperation, the lease, TeardownActivation (finds and
# deletes in one call), the release and PublishSuccess (which records it).
TEARDOWN_TRANSITIONS = 6
TEARDOWN_LAMBDA_CALLS = 3
# Parallel branches' states included: the steps, the native lease (one acquire per leased
# operation, three releases), the Data Prep branch (2), RequestRefused (a refused request's
# input put back) and ResultNotPublished's three (a run without a dataflow says so without one).
MOST_STATES = 39
MOST_LINES = 831


def test_the_definition_stays_small() -> None:
    assert len(states()) <= MOST_STATES
    assert len(ASL_PATH.read_text(encoding="utf-8").splitlines()) <= MOST_LINES
    assert not [name for name in states() if name.startswith("FailedAt")]


@pytest.mark.parametrize("card", ["amazon-s3", "amazon-s3-new-card"])
def test_a_fresh_apply_costs_its_counted_transitions_and_lambda_calls(
    machine: Machine, card: str
) -> None:
    result = machine.run(example(card))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, HAPPY_NEW)
    assert transitions(result) <= FRESH_APPLY_TRANSITIONS
    # The four connection steps, EnsureMappingSet, ResolveSpecs, EnsureDataflow,
    # ActivateAudiences, ValidateDataflow, ValidateRequest and PublishResult: the lease calls
    # no Lambda.
    assert lambda_calls(result) <= FRESH_APPLY_LAMBDA_CALLS
    print(
        f"fresh apply, {card}: {transitions(result)} transitions, "
        f"{lambda_calls(result)} Lambda calls"
    )


def test_adding_an_audience_to_a_named_dataflow_costs_its_counted_transitions_and_lambda_calls(
    machine: Machine,
) -> None:
    request = example("amazon-s3-new-card")
    applied = machine.run(request)
    assert applied.status == "SUCCEEDED", (applied.error, applied.cause)
    result = machine.run(with_dataflow(request, applied.output["resources"]["dataflowId"]))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert_route(result.states, HAPPY_EXISTING)
    assert transitions(result) <= NAMED_DATAFLOW_TRANSITIONS
    # ValidateRequest, ActivateAudiences, ValidateDataflow and PublishResult.
    assert lambda_calls(result) <= NAMED_DATAFLOW_LAMBDA_CALLS
    print(f"named dataflow: {transitions(result)} transitions, {lambda_calls(result)} Lambda calls")


def test_a_teardown_costs_its_counted_transitions_and_lambda_calls(machine: Machine) -> None:
    request = example("amazon-s3")
    applied = machine.run(request)
    assert applied.status == "SUCCEEDED", (applied.error, applied.cause)
    dataflow_id = applied.output["resources"]["dataflowId"]

    result = machine.run({**request, "operation": "teardown", "confirmDataflowId": dataflow_id})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.census() == {}
    assert transitions(result) <= TEARDOWN_TRANSITIONS
    # ValidateRequest, TeardownActivation and PublishResult.
    assert lambda_calls(result) <= TEARDOWN_LAMBDA_CALLS
    print(f"teardown: {transitions(result)} transitions, {lambda_calls(result)} Lambda calls")
