"""The application's stack deployed in the local runtime against the emulator, secrets seeded.

:func:`deployed_stack` is the one way tests deploy ``template.yaml``: the Adobe credentials
secret holds the emulator's client and every example's destination secret holds fake values
shaped as its auth spec requires (the CLI's own seeding helper). Options are the local
runtime's (``skip_sleeps``, ``env_overrides``, ``parameter_overrides``, ``cold_starts``...).

:func:`reset_stack` puts a shared stack back as a test expects to find it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime import LocalDeployment
from local.runtime.fake_secrets import fake_destination_secret
from tests.statemachine.harness import REPOSITORY, example, example_names

TEMPLATE = REPOSITORY / "template.yaml"
QUEUES = ("AudienceRequestQueue", "AudienceRequestDLQ", "RejectedRequestQueue")


def adobe_credentials_secret_name(stack: LocalDeployment) -> str:
    """The secret the template's functions read the Adobe credentials from."""
    names = {
        stack.function_environment(function).get("ADOBE_CREDENTIALS_SECRET")
        for function in stack.template.functions
    } - {None}
    assert len(names) == 1, names
    return str(names.pop())


def seed_credentials(stack: LocalDeployment) -> None:
    """The emulator's default client in the Adobe credentials secret."""
    stack.seed_secret(adobe_credentials_secret_name(stack), DEFAULT_CLIENT.credentials())


def seed_destination_secrets(stack: LocalDeployment) -> None:
    """Fake values, shaped as its auth spec requires, in every example's destination secret."""
    for name in example_names():
        request = example(name)
        secret_id = request["destination"]["auth"].get("secretId")
        fake = fake_destination_secret(request)
        if secret_id and fake:
            stack.seed_secret(secret_id, fake)


@contextmanager
def deployed_stack(emulator: Emulator, **options: Any) -> Iterator[LocalDeployment]:
    """``template.yaml`` deployed against ``emulator``, every secret it reads seeded."""
    with LocalDeployment.against(emulator, TEMPLATE, **options) as stack:
        seed_credentials(stack)
        seed_destination_secrets(stack)
        yield stack


def empty_queues(stack: LocalDeployment) -> None:
    """The request queue, its dead-letter queue and the rejected-requests queue emptied."""
    # Receive and delete: moto, like SQS, allows one PurgeQueue a minute.
    for queue in QUEUES:
        url = stack.physical(queue)
        while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def reset_stack(stack: LocalDeployment) -> None:
    """Queues empty, the credentials secret seeded again (a test may have swapped it) and the
    events earlier tests left on the bus read.

    Warm containers may still hold the default credentials in their parameter cache: that is
    what the secret holds again here. A test that swaps a secret cold-starts the stack.
    """
    empty_queues(stack)
    seed_credentials(stack)
    stack.published_events()
