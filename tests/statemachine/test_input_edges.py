"""The SQS starter refuses what
ValidateRequest would, with error attributes; a destination secret's extra keys stay home."""

from __future__ import annotations

from local.runtime.fake_secrets import fake_destination_secret
from tests.statemachine.harness import ONE_OF_EACH, Machine, example

REQUEST = "amazon-s3"


def test_a_queued_request_naming_a_secret_outside_the_prefix_is_dead_lettered(
    machine: Machine,
) -> None:
    request = example(REQUEST)
    request["destination"]["auth"]["secretId"] = "someone-elses/secret"
    stack = machine.stack
    message_id = stack.send_sqs(request)

    drained = stack.drain_queue()

    assert drained.executions == ()  # nothing started that ValidateRequest would refuse
    (dead,) = machine.dead_letters()
    assert dead.attributes["sourceMessageId"] == message_id
    assert dead.attributes["errorName"] == "InvalidActivationRequest"
    assert "destination.auth.secretId" in dead.attributes["errorMessage"]
    assert machine.emulator.requests == []


def test_a_deeply_nested_queued_request_is_dead_lettered_with_its_error(machine: Machine) -> None:
    body = '{"name": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    message_id = machine.stack.send_sqs(body)

    drained = machine.stack.drain_queue()

    assert drained.executions == ()
    assert [batch.failed_ids for batch in drained.batches] == [()]  # not redelivered
    (dead,) = machine.dead_letters()
    assert dead.attributes["sourceMessageId"] == message_id
    assert dead.attributes["errorName"] == "RequestNestedTooDeeply"
    assert "deep" in dead.attributes["errorMessage"]


def test_extra_keys_in_a_destination_secret_are_not_sent_to_adobe(machine: Machine) -> None:
    request = example(REQUEST)
    secret_id = request["destination"]["auth"]["secretId"]
    genuine = fake_destination_secret(request)
    assert genuine
    machine.stack.seed_secret(
        secret_id, {**genuine, "adminPassword": "not-for-adobe", "note": "internal"}
    )
    machine.stack.cold_start()  # warm containers would keep the cached secret
    try:
        result = machine.run(request)
    finally:
        machine.stack.seed_secret(secret_id, genuine)
        machine.stack.cold_start()

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.census() == {"prod": ONE_OF_EACH}
    sent = [
        call.body["auth"]["params"]
        for call in machine.calls("POST", "/connections")
        if isinstance(call.body, dict) and call.body.get("auth", {}).get("params")
    ]
    assert [set(params) for params in sent] == [set(genuine)]
