"""The destination catalog: lookups, and the facts docs/internals.md records."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aep_activation import catalog
from aep_activation.catalog import (
    DATA_LAKE_CONNECTION_SPEC_ID,
    PROFILE_STORE_CONNECTION_SPEC_ID,
    all_destinations,
    destination_by_connection_spec,
    find_destination,
)

INTERNALS = Path(__file__).resolve().parents[2] / "docs" / "internals.md"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Amazon S3", "Amazon S3"),
        ("s3", "Amazon S3"),
        ("amazon-s3", "Amazon S3"),
        ("AMAZON S3", "Amazon S3"),
        ("  amazon_s3 ", "Amazon S3"),
        ("Amazon S3 (new)", "Amazon S3 (new)"),
        ("amazon-s3-new", "Amazon S3 (new)"),
        ("adobe campaign", "Adobe Campaign"),
        ("sfmc", "Salesforce Marketing Cloud"),
        ("gcs", "Google Cloud Storage"),
        ("dlz", "Data Landing Zone"),
        ("ADLS Gen2", "Azure Data Lake Gen2"),
        ("sftp", "SFTP"),
        ("SFTP (new)", "SFTP (new)"),
        ("Azure Blob", "Azure Blob"),
        ("azure-blob-new", "Azure Blob (new)"),
    ],
)
def test_find_destination_by_name_or_alias(query: str, expected: str) -> None:
    found = find_destination(query)
    assert found is not None
    assert found.name == expected


@pytest.mark.parametrize("query", ["Dropbox", "", "s4", "amazon"])
def test_unknown_names_find_nothing(query: str) -> None:
    assert find_destination(query) is None


def test_thirteen_cards_with_distinct_ids_and_names() -> None:
    destinations = all_destinations()
    assert len(destinations) == 13
    assert len({d.connection_spec_id for d in destinations}) == 13
    assert len({d.name for d in destinations}) == 13
    assert [d.name for d in destinations if d.is_legacy] == [
        "Adobe Campaign",
        "Amazon S3",
        "Azure Blob",
        "Oracle Eloqua",
        "Oracle Responsys",
        "Salesforce Marketing Cloud",
        "SFTP",
    ]


def test_lookup_by_connection_spec_ignores_case() -> None:
    found = destination_by_connection_spec("E258278B-A4CF-43AC-B158-4FA0CA0D948B")
    assert found is not None
    assert found.name == "Azure Blob"
    assert destination_by_connection_spec("00000000-0000-0000-0000-000000000000") is None


def test_every_catalog_id_appears_in_the_internals_doc() -> None:
    text = INTERNALS.read_text(encoding="utf-8")
    ids = {PROFILE_STORE_CONNECTION_SPEC_ID, DATA_LAKE_CONNECTION_SPEC_ID}
    for destination in all_destinations():
        ids.add(destination.connection_spec_id)
        ids.update(i for i in (destination.flow_spec_id, destination.dataset_flow_spec_id) if i)
    missing = {i for i in ids if i not in text and i[:8] + "-..." not in text}
    assert missing == set()


def test_every_connection_spec_in_the_internals_doc_is_in_the_catalog() -> None:
    text = INTERNALS.read_text(encoding="utf-8")
    section = text.split("## Destination catalog", 1)[1].split("## Error names", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    documented = {
        match.group(1)
        for row in rows
        for match in [re.search(r"\|\s*([0-9a-f]{8}-[0-9a-f-]{27})\s*\|", row)]
        if match
    }
    assert len(documented) == 13
    assert documented == {d.connection_spec_id for d in all_destinations()}


def test_adobe_campaign_resolves_its_flow_spec_at_runtime() -> None:
    campaign = find_destination("Adobe Campaign")
    assert campaign is not None
    assert campaign.flow_spec_id is None
    assert campaign.flow_spec_name == "upsToCampaign"


def test_adobe_campaign_pairs_auth_specs_with_modes() -> None:
    campaign = find_destination("Adobe Campaign")
    assert campaign is not None
    assert campaign.modes_for_auth("S3") == ("S3",)
    assert campaign.modes_for_auth("SFTP with Password") == ("FTP",)
    assert campaign.modes_for_auth("SFTP with SSH Key") == ("FTP",)
    assert campaign.modes_for_auth("Azure Blob") == ("AZURE_BLOB",)


def test_other_cards_allow_every_mode_with_every_auth_spec() -> None:
    eloqua = find_destination("Oracle Eloqua")
    assert eloqua is not None
    assert eloqua.modes_for_auth("SFTP with Password") == ("S3", "FTP")


def test_legacy_file_storage_cards_share_one_flow_spec() -> None:
    shared = {
        d.name
        for d in all_destinations()
        if d.flow_spec_id == catalog.LEGACY_FILE_STORAGE_FLOW_SPEC_ID
    }
    assert shared == {"Amazon S3", "Azure Blob", "SFTP", "Oracle Eloqua"}


@pytest.mark.parametrize(
    ("name", "flow_spec"),
    [
        ("Oracle Responsys", "51d675ce-e270-408d-91fc-22717bdf2148"),
        ("Salesforce Marketing Cloud", "493b2bd6-26e4-4167-ab3b-5e910bba44f0"),
        ("Amazon S3 (new)", "1a0514a6-33d4-4c7f-aff8-594799c47549"),
        ("Google Cloud Storage", "976d663b-80b4-4193-be6b-2d0487516623"),
    ],
)
def test_default_flow_specs(name: str, flow_spec: str) -> None:
    found = find_destination(name)
    assert found is not None
    assert found.flow_spec_id == flow_spec


def test_new_cards_have_segment_and_dataset_flow_specs_and_one_mode() -> None:
    for destination in (d for d in all_destinations() if not d.is_legacy):
        assert destination.flow_spec_name.endswith(" - Segment")
        assert destination.dataset_flow_spec_name is not None
        assert destination.dataset_flow_spec_name.endswith(" - Dataset")
        assert destination.dataset_flow_spec_id not in (None, destination.flow_spec_id)
        assert destination.source_connection_spec_id == PROFILE_STORE_CONNECTION_SPEC_ID
        (mode,) = destination.target_modes
        assert mode.name == "Server-to-server"
        assert mode.allowed_values["fileType"] == ("CSV", "JSON", "PARQUET")
        assert mode.allowed_values["compression"] == ("GZIP", "NONE")


def test_auth_spec_params() -> None:
    s3 = find_destination("Amazon S3")
    assert s3 is not None
    access_key = s3.auth_spec("Access Key")
    assert access_key is not None
    assert access_key.required_params == ("s3AccessKey", "s3SecretKey")
    assert access_key.needs_secret
    dlz = find_destination("Data Landing Zone")
    assert dlz is not None
    dlz_auth = dlz.auth_spec("Data Landing Zone")
    assert dlz_auth is not None
    assert not dlz_auth.needs_secret
    assert s3.auth_spec("Missing") is None


def test_secret_params_are_required_params() -> None:
    for destination in all_destinations():
        for spec in destination.auth_specs:
            assert spec.secret_params <= set(spec.required_params), (destination.name, spec.name)


def test_legacy_target_modes() -> None:
    campaign = find_destination("Adobe Campaign")
    assert campaign is not None
    s3_mode, blob_mode, ftp_mode = campaign.target_modes
    assert s3_mode.required_params == ("bucketName", "path", "format")
    assert blob_mode.required_params == ("container", "path", "format")
    assert ftp_mode.required_params == ("remotePath",)
    assert ftp_mode.optional_params == ("format",)
    assert ftp_mode.allowed_values["format"] == ("CSV",)


def test_s3_bucket_names_follow_adobes_pattern() -> None:
    s3 = find_destination("Amazon S3")
    assert s3 is not None
    pattern = s3.target_modes[0].value_patterns["bucketName"]
    assert pattern.matches("acme-exports.eu")
    for bad in ("ab", "Acme", "acme_exports", "192.168.1.1", "-acme", "a" * 64):
        assert not pattern.matches(bad), bad


def test_catalog_entries_are_immutable() -> None:
    s3 = find_destination("s3")
    assert s3 is not None
    with pytest.raises(AttributeError):
        s3.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s3.target_modes[0].allowed_values["format"] = ("JSON",)  # type: ignore[index]


def test_each_new_card_says_where_its_audience_flow_spec_id_comes_from() -> None:
    from aep_activation.catalog import all_destinations

    for entry in all_destinations():
        if entry.card == "new":
            assert "FlowSpec_V2" in entry.flow_spec_source, entry.name
            assert entry.flow_spec_id != entry.dataset_flow_spec_id, entry.name
