"""One IMS token per activation with cold containers, none while a valid one is shared."""

from __future__ import annotations

from tests.statemachine.harness import IMS_TOKEN_PATH, Machine, example, with_dataflow


def token_fetches(machine: Machine) -> int:
    return len(machine.calls("POST", IMS_TOKEN_PATH))


def test_a_cold_activation_fetches_one_token_for_every_function(machine: Machine) -> None:
    machine.cold()

    result = machine.run(example("amazon-s3"))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert token_fetches(machine) == 1


def test_new_containers_use_the_valid_token_another_function_fetched(machine: Machine) -> None:
    machine.cold()
    first = machine.run(example("amazon-s3"))
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    machine.stack.cold_start()  # new containers; the shared token is still valid

    again = machine.run(with_dataflow(example("amazon-s3"), machine.only_flow()["id"]))

    assert again.status == "SUCCEEDED", (again.error, again.cause)
    assert token_fetches(machine) == 1
