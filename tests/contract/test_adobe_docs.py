"""The emulator's documented rules agree with the vendored excerpts of Adobe's documents.

``tests/contract/adobe/docs/`` holds verbatim excerpts (source path and commit in each file's
header). These tests read them, not the emulator's own words: the auth spec names, types and
required params of every new card are parsed from the excerpt's connection-spec JSON and
compared with the emulator's connection specs and the layer's catalog; each documented rule
(``local.emulator.documented``) must find its quote in its excerpt, and a rule with no quote
must be explained as a choice in the folder's README.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aep_activation.catalog import destination_by_connection_spec
from aep_activation.columns import column_name
from local.emulator import documented, specs

DOCS = Path(__file__).parent / "adobe" / "docs"
EXCERPTS = sorted(p for p in DOCS.glob("*.md") if p.name != "README.md")
_AUTH_ENTRY = re.compile(
    r'"name":\s*"(?P<name>[^"]+)",\s*"type":\s*"(?P<type>[^"]+)",.*?"required":\s*\[(?P<required>[^\]]*)\]',
    re.DOTALL,
)


def text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def documented_auth_specs() -> dict[str, dict[str, tuple[str, frozenset[str]]]]:
    """{connection spec id: {auth spec name: (type, required params)}} from the excerpt."""
    found: dict[str, dict[str, tuple[str, frozenset[str]]]] = {}
    for block in re.findall(r"```json\n(.*?)```", text("file-based-auth-specs.md"), re.DOTALL):
        spec_id = re.search(r'"id":\s*"([0-9a-f-]{36})"', block)
        assert spec_id is not None, block[:200]
        auth_part = block[block.index('"authSpec"') :]
        found[spec_id.group(1)] = {
            m["name"]: (m["type"], frozenset(json.loads(f"[{m['required']}]")))
            for m in _AUTH_ENTRY.finditer(auth_part)
        }
    return found


def test_every_excerpt_names_its_source_and_commit() -> None:
    assert {p.name for p in EXCERPTS} >= {
        "file-based-auth-specs.md",
        "file-based-mapping.md",
        "data-prep-mapping-sets.md",
        "ad-hoc-activation.md",
    }
    for path in EXCERPTS:
        head = path.read_text(encoding="utf-8")[:800]
        assert re.search(r"Source: AdobeDocs/experience-platform\.en, help/\S+\.md", head), path
        assert re.search(r"Commit: [0-9a-f]{40}", head), path
    assert (DOCS / "LICENSE").is_file()


def test_the_excerpt_shows_the_six_new_cards_auth_specs() -> None:
    parsed = documented_auth_specs()
    assert set(parsed) == {
        specs.NEW_S3,
        specs.NEW_AZURE_BLOB,
        specs.ADLS_GEN2,
        specs.DLZ,
        specs.GCS,
        specs.NEW_SFTP,
    }
    assert parsed[specs.DLZ] == {}  # "does not require an auth spec"
    assert parsed[specs.ADLS_GEN2] == {
        "Azure Service Principal Auth": (
            "AzureServicePrincipal",
            frozenset({"url", "servicePrincipalId", "servicePrincipalKey", "tenant"}),
        )
    }


@pytest.mark.parametrize("spec_id", sorted(documented_auth_specs()))
def test_the_emulator_holds_each_documented_auth_spec(spec_id: str) -> None:
    documented_specs = documented_auth_specs()[spec_id]
    (spec,) = [s for s in specs.NEW_CARD_SPECS if s.id == spec_id]
    held = {a["name"]: (a["type"], frozenset(a["spec"]["required"])) for a in spec.auth_specs}
    # Every auth spec the document shows, with its type and required params. The emulator may
    # hold more (S3's Assumed Role is in the newer destinations reference, not the excerpt).
    for name, (auth_type, required) in documented_specs.items():
        assert name in held, (spec_id, name, sorted(held))
        held_type, held_required = held[name]
        assert held_type == auth_type, (spec_id, name, held_type)
        assert held_required == required, (spec_id, name, sorted(held_required))
    if not documented_specs:
        assert spec.auth_specs == ()


@pytest.mark.parametrize("spec_id", sorted(documented_auth_specs()))
def test_the_catalog_names_each_documented_auth_spec(spec_id: str) -> None:
    entry = destination_by_connection_spec(spec_id)
    assert entry is not None
    for name, (_, required) in documented_auth_specs()[spec_id].items():
        card = entry.auth_spec(name)
        assert card is not None, (entry.name, name, entry.auth_spec_names)
        assert set(card.required_params) == required, (entry.name, name, card.required_params)


def test_each_rule_quotes_its_excerpt_or_is_a_written_choice() -> None:
    readme = text("README.md")
    for rule in documented.RULES:
        assert (DOCS / rule.excerpt).is_file(), rule
        assert rule.source.startswith("help/"), rule
        if rule.quote is None:
            assert f"`{rule.key}`" in readme, f"{rule.key}: no quote and no written choice"
        else:
            assert rule.quote in text(rule.excerpt), (rule.key, rule.quote)


def test_the_no_dots_rule_and_its_example_agree_with_the_column_rule() -> None:
    mapping = text("file-based-mapping.md")
    assert "the `destination` parameter does not accept dots" in mapping
    pairs = re.findall(r'"destination": "([^"]+)",\s*"source": "([^"]+)"', mapping)
    assert ("personalEmail_address", "personalEmail.address") in pairs
    assert ("Email", "identityMap.Email") in pairs
    for destination, _ in pairs:
        assert "." not in destination
    assert column_name("personalEmail.address") == "personalEmail_address"


def test_the_ad_hoc_excerpt_holds_the_limits_the_emulator_enforces() -> None:
    adhoc = text("ad-hoc-activation.md")
    assert "each ad-hoc activation job can activate up to 80 audiences" in adhoc
    assert "at least one hour has passed" in adhoc
    assert "Run already going on for audience" in adhoc
