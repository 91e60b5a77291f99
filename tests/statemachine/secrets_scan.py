"""Look for secret values everywhere an execution leaves text behind, and make Adobe's answer
to the destination's connection the one a test chooses."""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Iterable, Mapping
from typing import Any

from aep_activation.credentials import parse_adobe_credentials
from aep_activation.flow_service import FlowServiceClient
from aep_activation.ims import TokenCache, TokenProvider
from aep_activation.request import parse_activation_request
from aep_activation.steps.connections import ensure_profile_base_connection
from local.emulator import DEFAULT_CLIENT, Emulator, Fault, ImsClient
from tests.statemachine.harness import Machine

# IMS tokens the emulator hands out: "emu-" + secrets.token_urlsafe(32) (43 characters).
EMULATOR_TOKEN = re.compile(r"emu-[A-Za-z0-9_-]{40,}")
_BASE32 = string.ascii_uppercase + "234567"
_S3_SECRET = string.ascii_letters + string.digits + "/+"


def random_s3_credentials() -> dict[str, str]:
    """Fresh values shaped as Adobe's S3 auth spec requires, unique to one test."""
    return {
        "s3AccessKey": "AKIA" + "".join(secrets.choice(_BASE32) for _ in range(16)),
        "s3SecretKey": "".join(secrets.choice(_S3_SECRET) for _ in range(40)),
    }


def issued_tokens(emulator: Emulator) -> set[str]:
    """Every access token the emulator has issued."""
    return set(emulator.issued_tokens())


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def find_leaks(needles: Iterable[str], corpora: Mapping[str, str]) -> list[str]:
    """``"<corpus>: <what>"`` for every needle found, naming it by a short prefix only."""
    found = []
    for corpus, text in corpora.items():
        for needle in needles:
            if needle in text:
                found.append(f"{corpus}: {needle[:4]}…")
        for token in EMULATOR_TOKEN.findall(text):
            found.append(f"{corpus}: an IMS access token {token[:8]}…")
    return found


def reject_destination_connection(
    machine: Machine, raw: dict[str, Any], body: Any, client: ImsClient = DEFAULT_CLIENT
) -> None:
    """The request's destination base connection answered by Adobe's 400 ``body``: the profile
    side is made beforehand, so the run's one POST /connections is the destination's."""
    precreate_profile_base_connection(machine, raw, client)
    machine.emulator.inject(Fault.status_code(400, method="POST", path="/connections", body=body))


def precreate_profile_base_connection(
    machine: Machine, raw: dict[str, Any], client: ImsClient = DEFAULT_CLIENT
) -> None:
    """The request's Profile Store base connection made beforehand, so that the run's one
    POST /connections is the destination's (the one a fault can answer)."""
    request = parse_activation_request(raw)
    credentials = parse_adobe_credentials(client.credentials(), secret_name="test")
    flow_service = FlowServiceClient(
        machine.emulator.platform_url,
        TokenProvider(machine.emulator.ims_url, credentials, cache=TokenCache()),
        api_key=credentials.client_id,
        org_id=credentials.org_id,
        sandbox=request.sandbox,
    )
    assert ensure_profile_base_connection(request, flow_service).created
