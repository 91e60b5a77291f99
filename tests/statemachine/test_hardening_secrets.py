"""A secret Adobe echoes back in another form still never leaves.

The destination secret holds a double quote, a backslash and a newline; Adobe's error quotes
the request body back (so the secret comes JSON-escaped), its first 16 characters, and the
secret in upper case. None of those forms reaches the execution history, its output, the
handlers' logs or the result event.
"""

from __future__ import annotations

import json
import uuid

from aep_activation.credentials import parse_adobe_credentials
from aep_activation.flow_service import FlowServiceClient
from aep_activation.ims import TokenCache, TokenProvider
from aep_activation.request import parse_activation_request
from aep_activation.steps.connections import ensure_profile_base_connection
from local.emulator import DEFAULT_CLIENT, Fault
from tests.statemachine.harness import Machine, example
from tests.statemachine.secrets_scan import as_text

REQUEST = "amazon-s3"


def _escaped(value: str) -> str:
    return json.dumps(value)[1:-1]


def needles(secret: str) -> set[str]:
    """Every form of ``secret`` worth looking for, as it would read inside JSON text too."""
    forms = {secret, secret.upper(), secret.lower(), secret[:16], secret[-16:], _escaped(secret)}
    found = set()
    for form in forms:
        found |= {
            form,
            _escaped(form),
            _escaped(_escaped(form)),
            _escaped(_escaped(_escaped(form))),
        }
    return {needle.lower() for needle in found}


def test_a_secret_echoed_escaped_truncated_or_in_another_case_never_leaves(
    machine: Machine,
) -> None:
    secret = f'Sec"ret\\with\nbreaks-{uuid.uuid4().hex}'
    destination = {"s3AccessKey": "AKIA" + uuid.uuid4().hex[:16].upper(), "s3SecretKey": secret}
    secret_id = f"aep/destinations/echo-{uuid.uuid4().hex[:8]}"
    machine.stack.seed_secret(secret_id, destination)
    machine.stack.cold_start()  # warm containers would keep cached secrets
    request = example(REQUEST)
    request["destination"]["auth"]["secretId"] = secret_id
    precreate_profile_base_connection(machine, request)  # the one POST is then the destination's
    echoed_body = json.dumps({"auth": {"specName": "Access Key", "params": destination}})
    machine.emulator.inject(
        Fault.status_code(
            400,
            method="POST",
            path="/connections",
            body={
                "type": "https://ns.adobe.com/aep/errors/FLOW-1000-400",
                "title": "Bad Request",
                "status": 400,
                "detail": f"Invalid auth params in request {echoed_body}",
                "errorDetails": (
                    f"key starts {secret[:16]}; as typed {secret.upper()}; "
                    f"escaped {_escaped(secret)}"
                ),
            },
        )
    )

    result = machine.run(request)

    assert result.status == "FAILED"
    assert result.error == "FlowServiceRejected"
    assert "Invalid auth params" in (result.cause or "")  # Adobe's own words are kept
    texts = {
        "history": as_text(list(result.events)),
        "output": as_text([result.output, result.error, result.cause]),
        "logs": "\n".join(machine.log_lines()),
        "result events": as_text(machine.stack.published_events()),
    }
    assert all(texts.values())
    assert any(result.arn in text for text in texts.values())
    leaks = [
        f"{where}: {needle[:4]}…"
        for where, text in texts.items()
        for needle in needles(secret)
        if needle in text.lower()
    ]
    assert leaks == []


def precreate_profile_base_connection(machine: Machine, raw: dict[str, object]) -> None:
    request = parse_activation_request(raw)
    credentials = parse_adobe_credentials(DEFAULT_CLIENT.credentials(), secret_name="test")
    client = FlowServiceClient(
        machine.emulator.platform_url,
        TokenProvider(machine.emulator.ims_url, credentials, cache=TokenCache()),
        api_key=credentials.client_id,
        org_id=credentials.org_id,
        sandbox=request.sandbox,
    )
    assert ensure_profile_base_connection(request, client).created
