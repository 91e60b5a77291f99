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
from typing import Any

import pytest

from aep_activation import target_spec
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


_TARGET_PROPERTY = re.compile(r'\n {24}"(\w+)": \{')
_CONDITIONAL = re.compile(
    r'"conditional": \{\s*"field": "([^"]+)",\s*"operator": "([^"]+)",\s*"value": "([^"]+)"'
)


def documented_target_specs() -> dict[str, dict[str, Any]]:
    """{connection spec id: targetSpec.spec} from the excerpt: each property's pattern and
    conditional (the only parts of a property the rules read), and ``required``.

    The excerpt's blocks are cut short (``//...``) and carry comments, so they are read with
    patterns, not parsed as JSON.
    """
    found: dict[str, dict[str, Any]] = {}
    for block in re.findall(
        r"```json[^\n]*\n(.*?)```", text("file-based-target-specs.md"), re.DOTALL
    ):
        spec_id = re.search(r'"id":\s*"([0-9a-f-]{36})"', block)
        assert spec_id is not None, block[:200]
        target = block[block.index('"targetSpec"') :]
        parts = _TARGET_PROPERTY.split(target)
        properties: dict[str, Any] = {}
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            prop: dict[str, Any] = {}
            if pattern := re.search(r'"pattern": "((?:[^"\\]|\\.)*)"', body):
                prop["pattern"] = json.loads(f'"{pattern[1]}"')
            if conditional := _CONDITIONAL.search(body):
                field, operator, value = conditional.groups()
                prop["conditional"] = {"field": field, "operator": operator, "value": value}
            properties[name] = prop
        required = re.findall(r'"required": \[([^\]]*)\]', target)[-1]
        found[spec_id[1]] = {"properties": properties, "required": json.loads(f"[{required}]")}
    return found


def test_the_excerpt_shows_the_six_new_cards_target_specs() -> None:
    parsed = documented_target_specs()
    assert set(parsed) == {spec.id for spec in specs.NEW_CARD_SPECS}
    s3 = parsed[specs.NEW_S3]
    assert s3["required"] == ["bucketName", "path", "datasetFileType", "compression", "fileType"]
    assert s3["properties"]["datasetFileType"]["conditional"]["operator"] == "CONTAINS"
    assert set(s3["properties"]) == {
        "bucketName",
        "path",
        "fileType",
        "datasetFileType",
        "csvOptions",
        "compression",
    }
    # The tutorial's own audience-export request leaves datasetFileType out.
    request = text("file-based-target-specs.md").split("```shell")[1]
    assert '"mode": "Server-to-server"' in request
    assert "datasetFileType" not in request


@pytest.mark.parametrize("spec_id", sorted(documented_target_specs()))
def test_the_emulator_serves_each_documented_target_spec(spec_id: str) -> None:
    documented_spec = documented_target_specs()[spec_id]
    (spec,) = [s for s in specs.NEW_CARD_SPECS if s.id == spec_id]
    assert spec.target_spec is not None
    held = spec.target_spec["spec"]
    assert held["required"] == documented_spec["required"]
    assert set(held["properties"]) == set(documented_spec["properties"])
    for name, prop in documented_spec["properties"].items():
        for key in ("pattern", "conditional"):
            assert held["properties"][name].get(key) == prop.get(key), (name, key)


@pytest.mark.parametrize("spec_id", sorted(documented_target_specs()))
def test_the_layer_reads_each_documented_target_spec_for_an_audience_export(spec_id: str) -> None:
    documented_spec = documented_target_specs()[spec_id]
    location = set(documented_spec["required"]) - {"datasetFileType", "compression", "fileType"}

    required = target_spec.required_params(documented_spec, {"fileType": "CSV"})

    assert required == location | {"compression", "fileType"}  # not datasetFileType
    entry = destination_by_connection_spec(spec_id)
    assert entry is not None
    (mode,) = entry.target_modes
    assert set(mode.required_params) == required
    # Each location pattern Adobe shows is one the catalog checks before any call, verbatim.
    for name, prop in documented_spec["properties"].items():
        if "pattern" in prop:
            assert mode.value_patterns[name].regex == prop["pattern"], (entry.name, name)


def test_every_excerpt_names_its_source_and_commit() -> None:
    assert {p.name for p in EXCERPTS} >= {
        "file-based-auth-specs.md",
        "file-based-mapping.md",
        "data-prep-mapping-sets.md",
        "ad-hoc-activation.md",
        "file-based-target-specs.md",
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


def documented_auth_patterns() -> dict[tuple[str, str, str], str]:
    """{(connection spec id, auth spec name, param): pattern} for each auth param the excerpt
    gives a pattern."""
    found: dict[tuple[str, str, str], str] = {}
    for block in re.findall(r"```json\n(.*?)```", text("file-based-auth-specs.md"), re.DOTALL):
        spec_id = re.search(r'"id":\s*"([0-9a-f-]{36})"', block)
        assert spec_id is not None
        for entry in re.split(r'\n\s*\{\s*\n\s*"name": ', block)[1:]:
            name = json.loads(entry[: entry.index(",")])
            for param, pattern in re.findall(
                r'"(\w+)": \{[^{}]*?"pattern": "((?:[^"\\]|\\.)*)"', entry
            ):
                found[(spec_id[1], name, param)] = json.loads(f'"{pattern}"')
    return found


def test_the_emulator_holds_each_documented_auth_param_pattern() -> None:
    patterns = documented_auth_patterns()
    assert patterns == {
        (specs.NEW_S3, "Access Key", "s3AccessKey"): "^[A-Z2-7]{20}$",
        (specs.NEW_S3, "Access Key", "s3SecretKey"): "^[A-Za-z0-9/\\+]{40}$",
    }
    for (spec_id, name, param), pattern in patterns.items():
        (spec,) = [s for s in specs.NEW_CARD_SPECS if s.id == spec_id]
        (auth,) = [a for a in spec.auth_specs if a["name"] == name]
        assert auth["spec"]["properties"][param]["pattern"] == pattern


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
