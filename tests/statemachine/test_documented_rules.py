"""Every example request and every new-card auth kind, through the emulator holding Adobe's
documented rules (``local/emulator/documented.py``).

The emulator refuses anything that breaks a rule of Adobe's documents, whoever sends it, and
names the rule and its source in the refusal. Here each example (``examples/*.json`` and
``examples/lifecycle/*.json``) and each auth spec of each new card runs end to end through
the real state machine: any refusal citing a documented rule fails the test with the rule, its
source and the call that broke it, and so does a run that fails for any other reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from aep_activation.catalog import all_destinations
from local.runtime.fake_secrets import fake_destination_secret
from tests.statemachine.harness import Machine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALL_EXAMPLES = sorted(
    str(path.relative_to(EXAMPLES).with_suffix(""))
    for path in [*EXAMPLES.glob("*.json"), *EXAMPLES.glob("lifecycle/*.json")]
)
_RULE = re.compile(r"[^\"]*\[rule [a-z-]+; Adobe: [^\]]+\]")

# Each new card's auth specs, with the example that carries it (None: derived from the
# card's example by changing the auth spec and naming a secret the test seeds).
NEW_CARD_AUTH_KINDS: dict[tuple[str, str], tuple[str, bool]] = {
    ("Amazon S3 (new)", "Access Key"): ("amazon-s3-new-card", False),
    ("Amazon S3 (new)", "Assumed Role"): ("amazon-s3-assumed-role", False),
    ("Azure Blob (new)", "ConnectionString"): ("azure-blob-new-card", False),
    ("Azure Data Lake Gen2", "Azure Service Principal Auth"): ("adls-gen2", False),
    ("Data Landing Zone", "Data Landing Zone"): ("data-landing-zone", False),
    (
        "Google Cloud Storage",
        "Google Cloud Storage authentication credentials",
    ): ("google-cloud-storage", False),
    ("SFTP (new)", "SFTP with Password"): ("sftp-new-card", False),
    ("SFTP (new)", "SFTP with SSH Key"): ("sftp-new-card", True),
}


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))


def broken_rules(machine: Machine) -> list[str]:
    """Each refusal of the run that cites a documented rule: the call and Adobe's words."""
    found = []
    for call in machine.emulator.requests:
        if call.status is None or call.status < 400:
            continue
        words = json.dumps(call.response_body)
        for match in _RULE.findall(words):
            words = f"{call.method} {call.relative_path} -> {call.status}: {match.strip()}"
            if words not in found:  # a retried call refused again says nothing new
                found.append(words)
    return found


def assert_holds_the_documented_rules(machine: Machine, request: dict[str, Any]) -> None:
    if "dataflowId" in request:  # it names a flow of its own: make one, as apply would
        setup = {k: v for k, v in request.items() if k not in ("dataflowId", "operation")}
        made = machine.run(setup)
        assert made.status == "SUCCEEDED", (made.error, made.cause)
        request["dataflowId"] = machine.only_flow()["id"]
    result = machine.run(request)
    broken = broken_rules(machine)
    assert not broken, "broke Adobe's documented rules:\n" + "\n".join(broken)
    assert result.status == "SUCCEEDED", (result.error, result.cause)


def test_every_new_card_auth_kind_is_covered() -> None:
    kinds = {
        (entry.name, auth.name)
        for entry in all_destinations()
        if not entry.is_legacy and entry.card == "new"
        for auth in entry.auth_specs
    }
    assert kinds == set(NEW_CARD_AUTH_KINDS)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_an_example_request_holds_the_documented_rules(machine: Machine, name: str) -> None:
    assert_holds_the_documented_rules(machine, load(name))


@pytest.mark.parametrize(
    "kind", sorted(NEW_CARD_AUTH_KINDS), ids=lambda kind: f"{kind[0]}/{kind[1]}"
)
def test_a_new_card_auth_kind_holds_the_documented_rules(
    machine: Machine, kind: tuple[str, str]
) -> None:
    name, derived = NEW_CARD_AUTH_KINDS[kind]
    request = load(name)
    assert request["destination"]["type"] == kind[0]
    if derived:
        request["destination"]["auth"] = {
            "specName": kind[1],
            "secretId": f"aep/destinations/documented-rules/{kind[1].lower().replace(' ', '-')}",
        }
        fake = fake_destination_secret(request)
        assert fake is not None
        machine.stack.seed_secret(request["destination"]["auth"]["secretId"], fake)
    assert request["destination"]["auth"]["specName"] == kind[1]
    assert_holds_the_documented_rules(machine, request)
