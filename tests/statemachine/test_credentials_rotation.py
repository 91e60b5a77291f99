"""Apply after the destination secret was rotated (new S3 keys in a new secret version).

Adobe never returns a base connection's credentials, so they cannot be compared: a secret
version created after the base connection's last update (``CreatedDate`` against
``updatedAt``) is what tells a rotation. The found connection then gets the secret's auth
params with Adobe's ``PATCH /connections/{id}`` under its etag
(help/destinations/api/edit-destination.md), and no value reaches the state or the logs.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from local.emulator import Fault
from tests.statemachine.harness import ONE_OF_EACH, Machine, example
from tests.statemachine.secrets_scan import find_leaks, random_s3_credentials
from tests.statemachine.test_secrets import corpora

REQUEST = "amazon-s3"


@pytest.fixture
def request_with_own_secret(machine: Machine) -> tuple[dict[str, Any], str]:
    """The example request on a destination secret of its own, with fresh values."""
    secret_id = f"aep/destinations/rotate-{uuid.uuid4().hex[:8]}"
    machine.stack.seed_secret(secret_id, random_s3_credentials())
    machine.stack.cold_start()  # warm containers would keep other tests' cached secrets
    request = example(REQUEST)
    request["destination"]["auth"]["secretId"] = secret_id
    return request, secret_id


def applied(machine: Machine, request: dict[str, Any]) -> Any:
    result = machine.run(request)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result


def destination_base(machine: Machine) -> dict[str, Any]:
    """The destination's base connection as the emulator stores it (unmasked)."""
    (base,) = [c for c in machine.emulator.list_resources("connections") if "auth" in c]
    return dict(base)


def lambda_outputs(result: Any) -> list[Any]:
    return [
        json.loads(event["lambdaFunctionSucceededEventDetails"]["output"])
        for event in result.events
        if event["type"] == "LambdaFunctionSucceeded"
    ]


def rotate(machine: Machine, secret_id: str) -> dict[str, str]:
    """A new secret version with new values, created after Adobe last got the credentials.

    Secrets Manager's CreatedDate (moto: whole seconds) must be later than the connection's
    updatedAt (milliseconds): wait into the next second first."""
    time.sleep(1.1)
    rotated = random_s3_credentials()
    machine.stack.seed_secret(secret_id, rotated)
    machine.stack.cold_start()  # a warm container sees the new version once its cache expires
    return rotated


def test_a_rotated_secret_is_patched_onto_the_base_connection(
    machine: Machine, request_with_own_secret: tuple[dict[str, Any], str]
) -> None:
    request, secret_id = request_with_own_secret
    applied(machine, request)
    before = destination_base(machine)
    rotated = rotate(machine, secret_id)
    machine.emulator.clear_requests()

    result = applied(machine, request)

    after = destination_base(machine)
    assert after["id"] == before["id"]
    assert after["auth"] == {"specName": before["auth"]["specName"], "params": rotated}
    assert after["etag"] != before["etag"]
    (patch,) = machine.calls("PATCH", "/connections/*")
    assert patch.relative_path == f"/connections/{before['id']}"
    assert patch.header("If-Match") == before["etag"]
    assert machine.calls("POST", "/connections") == []
    assert machine.census() == {"prod": ONE_OF_EACH}
    assert {"id": before["id"], "created": False, "updated": True} in lambda_outputs(result)
    texts = corpora(machine, result)
    assert find_leaks([request["name"]], texts)  # the scan reads what the run left behind
    assert find_leaks(set(rotated.values()), texts) == []
    # The emulator's recording redacts the secret param as it does a create's.
    assert rotated["s3SecretKey"] not in str(patch.body)


def test_an_unchanged_secret_is_not_patched(
    machine: Machine, request_with_own_secret: tuple[dict[str, Any], str]
) -> None:
    request, _ = request_with_own_secret
    applied(machine, request)
    before = destination_base(machine)
    machine.stack.cold_start()  # the secret read afresh: its version is still older
    machine.emulator.clear_requests()

    result = applied(machine, request)

    assert {"id": before["id"], "created": False, "updated": False} in lambda_outputs(result)
    assert machine.calls("PATCH", "/connections/*") == []
    assert machine.calls("GET", "/connections/*") == []
    assert len(machine.calls("GET", "/connections")) == 2  # the look-up's two finds only
    assert destination_base(machine) == before


def test_a_base_connection_edited_in_between_is_patched_after_one_fresh_read(
    machine: Machine, request_with_own_secret: tuple[dict[str, Any], str]
) -> None:
    request, secret_id = request_with_own_secret
    applied(machine, request)
    base = destination_base(machine)
    rotated = rotate(machine, secret_id)
    machine.emulator.clear_requests()
    machine.emulator.inject(
        Fault.status_code(412, method="PATCH", path=f"/connections/{base['id']}")
    )

    applied(machine, request)

    assert destination_base(machine)["auth"]["params"] == rotated
    assert len(machine.calls("PATCH", "/connections/*")) == 2
    assert len(machine.calls("GET", f"/connections/{base['id']}")) == 1
