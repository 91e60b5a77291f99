"""No secret value or access token in anything an execution leaves behind:
history (every event's input, output, error and cause), handler logs, execution output and
the result events published on EventBridge."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from aep_activation.credentials import parse_adobe_credentials
from aep_activation.flow_service import FlowServiceClient
from aep_activation.ims import TokenCache, TokenProvider
from aep_activation.request import parse_activation_request
from aep_activation.steps.connections import ensure_profile_base_connection
from local.emulator import DEFAULT_CLIENT, Fault, ImsClient
from local.runtime import ExecutionResult
from tests.statemachine.conftest import adobe_credentials_secret_name
from tests.statemachine.harness import ONE_OF_EACH, Machine, example
from tests.statemachine.secrets_scan import (
    as_text,
    find_leaks,
    issued_tokens,
    random_s3_credentials,
)

REQUEST = "amazon-s3"


@dataclass(frozen=True)
class Secrets:
    client: ImsClient
    destination: dict[str, str]
    request: dict[str, Any]

    def values(self, tokens: set[str]) -> set[str]:
        return {self.client.client_secret, *self.destination.values(), *tokens}


@pytest.fixture
def unique_secrets(machine: Machine) -> Secrets:
    """A fresh IMS client and destination credentials, so every value is unmistakable."""
    client = machine.emulator.register_client(
        f"scan-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24), DEFAULT_CLIENT.org_id
    )
    machine.stack.seed_secret(adobe_credentials_secret_name(machine.stack), client.credentials())
    destination = random_s3_credentials()
    secret_id = f"aep/destinations/scan-{uuid.uuid4().hex[:8]}"
    machine.stack.seed_secret(secret_id, destination)
    machine.stack.cold_start()  # warm containers would keep the cached secrets
    request = example(REQUEST)
    request["destination"]["auth"]["secretId"] = secret_id
    return Secrets(client, destination, request)


def corpora(machine: Machine, result: ExecutionResult) -> dict[str, str]:
    texts = {
        "history": as_text(list(result.events)),
        "output": as_text([result.output, result.error, result.cause]),
        "logs": "\n".join(machine.log_lines()),
        "result events": as_text(machine.stack.published_events()),
    }
    # The scan must have had something to read, or it proves nothing.
    assert all(texts.values()), {name: len(text) for name, text in texts.items()}
    assert result.arn in texts["history"] or result.name in texts["history"]
    assert result.arn in texts["result events"]
    assert len(machine.log_lines()) > 0
    return texts


def assert_nothing_leaked(machine: Machine, result: ExecutionResult, scan: Secrets) -> None:
    tokens = issued_tokens(machine.emulator)
    fetched = [c for c in machine.calls("POST", "/ims/token/v3") if c.status == 200]
    assert fetched, "no token was issued during the run: the token scan would prove nothing"
    assert len(tokens) >= len(fetched)
    texts = corpora(machine, result)
    # Sanity check of the scanner itself: a value known to be there is found.
    assert find_leaks([scan.request["name"]], texts)
    assert find_leaks(scan.values(tokens), texts) == []


def test_a_successful_run_leaves_no_secret_behind(
    machine: Machine, unique_secrets: Secrets
) -> None:
    result = machine.run(unique_secrets.request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert machine.census() == {"prod": ONE_OF_EACH}
    (destination,) = [c for c in machine.emulator.list_resources("connections") if "auth" in c]
    assert destination["auth"]["params"] == unique_secrets.destination  # they were used
    assert_nothing_leaked(machine, result, unique_secrets)


def test_a_rejected_connection_leaves_no_secret_behind_even_when_adobe_quotes_it(
    machine: Machine, unique_secrets: Secrets
) -> None:
    request = unique_secrets.request
    # The profile side exists already, so the one POST /connections is the destination's.
    precreate_profile_base_connection(machine, unique_secrets)
    quoted = " ".join(f"{k}={v}" for k, v in unique_secrets.destination.items())
    machine.emulator.inject(
        Fault.status_code(
            400,
            method="POST",
            path="/connections",
            body={
                "type": "https://ns.adobe.com/aep/errors/FLOW-1000-400",
                "title": "Bad Request",
                "status": 400,
                "detail": f"Invalid auth params: {quoted}",
                "report": {"detailed-message": f"rejected {quoted}"},
            },
        )
    )

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "FlowServiceRejected"
    assert "Invalid auth params" in (result.cause or "")  # Adobe's words are kept...
    assert [c.status for c in machine.calls("POST", "/connections")] == [201, 400]
    assert_nothing_leaked(machine, result, unique_secrets)  # ...but not the quoted values


def precreate_profile_base_connection(machine: Machine, scan: Secrets) -> None:
    request = parse_activation_request(scan.request)
    credentials = parse_adobe_credentials(scan.client.credentials(), secret_name="test")
    client = FlowServiceClient(
        machine.emulator.platform_url,
        TokenProvider(machine.emulator.ims_url, credentials, cache=TokenCache()),
        api_key=credentials.client_id,
        org_id=credentials.org_id,
        sandbox=request.sandbox,
    )
    assert ensure_profile_base_connection(request, client).created


def test_the_scanner_finds_secrets_and_tokens_where_they_are() -> None:
    texts = {"logs": "sent s3SecretKey=abcd1234 with Bearer emu-" + "x" * 43}

    assert find_leaks(["abcd1234"], texts) == ["logs: abcd…", "logs: an IMS access token emu-xxxx…"]
    assert find_leaks(["not-there"], {"logs": "nothing"}) == []
