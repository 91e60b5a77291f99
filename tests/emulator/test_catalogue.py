"""``/connectionSpecs`` and ``/flowSpecs``: the catalogue of docs/internals.md, served as Adobe does."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import Emulator
from tests.emulator.helpers import Api

PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DATA_LAKE = "23598e46-f560-407b-88d5-ea6207e49db0"
SFTP_PASSWORD = ["domain", "host", "username", "password"]
SFTP_SSH = ["domain", "host", "username", "sshKey"]

# docs/internals.md, "Destination catalog": spec id -> (auth spec name -> required params, modes)
LEGACY: dict[str, tuple[str, dict[str, list[str]], list[str]]] = {
    "0b23e41a-cb4a-4321-a78f-3b654f5d7d97": (
        "Adobe Campaign",
        {
            "S3": ["accessId", "secretKey"],
            "SFTP with Password": SFTP_PASSWORD,
            "SFTP with SSH Key": SFTP_SSH,
            "Azure Blob": ["connectionString"],
        },
        ["S3", "AZURE_BLOB", "FTP"],
    ),
    "4890fc95-5a1f-4983-94bb-e060c08e3f81": (
        "Amazon S3",
        {"Access Key": ["s3AccessKey", "s3SecretKey"]},
        ["S3"],
    ),
    "e258278b-a4cf-43ac-b158-4fa0ca0d948b": (
        "Azure Blob",
        {"ConnectionString": ["connectionString"]},
        ["AZURE_BLOB"],
    ),
    "c1e44b6b-e7c8-404b-9031-58f0ef760604": (
        "Oracle Eloqua",
        {"SFTP with Password": SFTP_PASSWORD, "SFTP with SSH Key": SFTP_SSH},
        ["S3", "FTP"],
    ),
    "a5e28ddf-e265-426e-83a1-9d03a3a6822b": (
        "Oracle Responsys",
        {"SFTP with Password": SFTP_PASSWORD, "SFTP with SSH Key": SFTP_SSH},
        ["S3", "FTP"],
    ),
    "f599a5b3-60a7-4951-950a-cc4115c7ea27": (
        "Salesforce Marketing Cloud",
        {"SFTP with Password": SFTP_PASSWORD, "SFTP with SSH Key": SFTP_SSH},
        ["S3", "FTP"],
    ),
    "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0": (
        "SFTP",
        {
            "Basic Authentication for sftp": ["host", "username", "password"],
            "SSH PublicKey Authentication for sftp": ["host", "username", "sshKey"],
        },
        ["FTP"],
    ),
}

# spec id -> (auth specs, location params, segment flow spec, dataset flow spec)
NEW_CARDS: dict[str, tuple[dict[str, list[str]], list[str], str, str]] = {
    "4fce964d-3f37-408f-9778-e597338a21ee": (
        # Assumed Role (s3Role) next to access keys.
        {"Access Key": ["s3AccessKey", "s3SecretKey"], "Assumed Role": ["s3Role"]},
        ["bucketName", "path"],
        "1a0514a6-33d4-4c7f-aff8-594799c47549",
        "269ba276-16fc-47db-92b0-c1049a3c131f",
    ),
    "36965a81-b1c6-401b-99f8-22508f1e6a26": (
        {
            "SFTP with Password": ["domain", "username", "password"],
            "SFTP with SSH Key": ["domain", "username", "sshKey"],
        },
        ["remotePath"],
        "fd36aaa4-bf2b-43fb-9387-43785eeeb799",
        "354d6aad-4754-46e4-a576-1b384561c440",
    ),
    "6d6b59bf-fb58-4107-9064-4d246c0e5bb2": (
        {"ConnectionString": ["connectionString"]},
        ["container", "path"],
        "752d422f-b16f-4f0d-b1c6-26e448e3b388",
        "95bd8965-fc8a-4119-b9c3-944c2c2df6d2",
    ),
    "c5d93acb-ea8b-4b14-8f53-02138444ae99": (
        {"Google Cloud Storage authentication credentials": ["accessKeyId", "secretAccessKey"]},
        ["bucketName", "path"],
        "976d663b-80b4-4193-be6b-2d0487516623",
        "585c15c4-6cbf-4126-8f87-e26bff78b657",
    ),
    "10440537-2a7b-4583-ac39-ed38d4b848e8": (
        {},  # Adobe: "The Data Landing Zone destination does not require an auth spec."
        ["path"],
        "7e635b9f-e59b-4546-8ba8-fce6496693c8",
        "cd2fc47e-e838-4f38-a581-8fff2f99b63a",
    ),
    "be2c3209-53bc-47e7-ab25-145db8b873e1": (
        {
            "Azure Service Principal Auth": [
                "url",
                "servicePrincipalId",
                "servicePrincipalKey",
                "tenant",
            ]
        },
        ["path"],
        "db060570-a155-418a-a6d3-b4d97698e5dc",
        "17be2013-2549-41ce-96e7-a70363bec293",
    ),
}

LEGACY_FLOW_SPECS = {
    "71471eba-b620-49e4-90fd-23f1fa0174d8": (
        "upsToFileStorage",
        {
            "4890fc95-5a1f-4983-94bb-e060c08e3f81",
            "e258278b-a4cf-43ac-b158-4fa0ca0d948b",
            "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0",
            "c1e44b6b-e7c8-404b-9031-58f0ef760604",
        },
    ),
    "51d675ce-e270-408d-91fc-22717bdf2148": (
        "upsToResponsys",
        {"a5e28ddf-e265-426e-83a1-9d03a3a6822b"},
    ),
    "493b2bd6-26e4-4167-ab3b-5e910bba44f0": (
        "upsToSalesforceMarketingCloud",
        {"f599a5b3-60a7-4951-950a-cc4115c7ea27"},
    ),
}


def one(api: Api, path: str) -> dict[str, Any]:
    answer = api.get(path)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert len(items) == 1
    return dict(items[0])


def auth_table(spec: dict[str, Any]) -> dict[str, list[str]]:
    return {auth["name"]: auth["spec"]["required"] for auth in spec["authSpec"]}


def test_every_catalogue_spec_is_listed(emulator: Emulator) -> None:
    answer = Api(emulator).get("/connectionSpecs")

    assert answer.status_code == 200
    ids = {item["id"] for item in answer.json()["items"]}
    assert ids == {*LEGACY, *NEW_CARDS, PROFILE_STORE, DATA_LAKE}


@pytest.mark.parametrize("spec_id", sorted(LEGACY))
def test_legacy_cards_follow_the_seed(emulator: Emulator, spec_id: str) -> None:
    name, auth, modes = LEGACY[spec_id]

    spec = one(Api(emulator), f"/connectionSpecs/{spec_id}")

    assert spec["name"] == name
    assert auth_table(spec) == auth
    assert spec["targetSpec"]["spec"]["properties"]["mode"]["enum"] == modes
    assert "mode" in spec["targetSpec"]["spec"]["required"]


@pytest.mark.parametrize("spec_id", sorted(NEW_CARDS))
def test_new_cards_follow_the_reference(emulator: Emulator, spec_id: str) -> None:
    auth, location, _, _ = NEW_CARDS[spec_id]

    spec = one(Api(emulator), f"/connectionSpecs/{spec_id}")
    target = spec["targetSpec"]["spec"]

    assert auth_table(spec) == auth
    # Adobe's target spec has no mode (its requests send "Server-to-server" all the same), and
    # lists datasetFileType as required though it applies to dataset exports only.
    assert "mode" not in target["properties"]
    assert target["required"] == [*location, "datasetFileType", "compression", "fileType"]
    assert target["properties"]["datasetFileType"]["conditional"]["operator"] == "CONTAINS"
    assert target["properties"]["fileType"]["enum"] == ["CSV", "JSON", "PARQUET"]
    assert target["properties"]["compression"]["enum"] == ["GZIP", "NONE"]


def test_secret_auth_params_are_marked_as_passwords(emulator: Emulator) -> None:
    spec = one(Api(emulator), "/connectionSpecs/4890fc95-5a1f-4983-94bb-e060c08e3f81")
    properties = spec["authSpec"][0]["spec"]["properties"]

    assert properties["s3SecretKey"]["format"] == "password"
    assert "format" not in properties["s3AccessKey"]


def test_single_mode_cards_require_the_mode_params(emulator: Emulator) -> None:
    spec = one(Api(emulator), "/connectionSpecs/4890fc95-5a1f-4983-94bb-e060c08e3f81")

    assert spec["targetSpec"]["spec"]["required"] == ["mode", "bucketName", "path", "format"]


def test_sources_have_no_target_spec(emulator: Emulator) -> None:
    profile = one(Api(emulator), f"/connectionSpecs/{PROFILE_STORE}")

    assert profile["authSpec"] == []
    assert "targetSpec" not in profile
    assert profile["attributes"]["isSource"] is True


def test_connection_specs_filter_by_name(emulator: Emulator) -> None:
    answer = Api(emulator).get("/connectionSpecs", params={"property": "name==Amazon S3"})

    assert [item["id"] for item in answer.json()["items"]] == [
        "4890fc95-5a1f-4983-94bb-e060c08e3f81"
    ]


def test_unknown_spec_ids_are_404(emulator: Emulator) -> None:
    api = Api(emulator)

    assert api.get("/connectionSpecs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api.get("/flowSpecs/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize("flow_spec_id", sorted(LEGACY_FLOW_SPECS))
def test_legacy_flow_specs(emulator: Emulator, flow_spec_id: str) -> None:
    name, targets = LEGACY_FLOW_SPECS[flow_spec_id]

    spec = one(Api(emulator), f"/flowSpecs/{flow_spec_id}")

    assert spec["name"] == name
    assert set(spec["targetConnectionSpecIds"]) == targets
    assert spec["sourceConnectionSpecIds"] == [PROFILE_STORE]


def test_campaign_has_an_ups_to_campaign_flow_spec(emulator: Emulator) -> None:
    spec = one(Api(emulator), "/flowSpecs?property=name==upsToCampaign")

    assert spec["targetConnectionSpecIds"] == ["0b23e41a-cb4a-4321-a78f-3b654f5d7d97"]


@pytest.mark.parametrize("spec_id", sorted(NEW_CARDS))
def test_new_cards_have_a_segment_and_a_dataset_flow_spec(emulator: Emulator, spec_id: str) -> None:
    _, _, segment_id, dataset_id = NEW_CARDS[spec_id]

    answer = Api(emulator).get(
        "/flowSpecs", params={"property": f"targetConnectionSpecIds=={spec_id}"}
    )
    by_id = {item["id"]: item for item in answer.json()["items"]}

    assert set(by_id) == {segment_id, dataset_id}
    assert by_id[segment_id]["name"].endswith(" - Segment")
    assert by_id[segment_id]["sourceConnectionSpecIds"] == [PROFILE_STORE]
    assert by_id[dataset_id]["name"].endswith(" - Dataset")
    assert by_id[dataset_id]["sourceConnectionSpecIds"] == [DATA_LAKE]


def test_flow_specs_filter_on_target_and_source_together(emulator: Emulator) -> None:
    answer = Api(emulator).get(
        "/flowSpecs",
        params={
            "property": [
                "targetConnectionSpecIds==4fce964d-3f37-408f-9778-e597338a21ee",
                f"sourceConnectionSpecIds=={PROFILE_STORE}",
            ]
        },
    )

    assert [item["id"] for item in answer.json()["items"]] == [
        "1a0514a6-33d4-4c7f-aff8-594799c47549"
    ]
