"""The connection spec and flow spec catalogue the emulator serves.

The facts come from docs/internals.md (the destination catalog) and, behind it, Adobe's Flow
Service tutorial and ``destinations.openapi.yaml``. Auth spec names and their required params are
copied exactly from internals.md; the emulator validates requests against the JSON schemas
below, the way Flow Service validates them against its own specs.

Target specs with one mode list every param of that mode in ``spec.required``; the cards
that offer several modes (Campaign, Eloqua, Responsys, Salesforce Marketing Cloud) require
``mode`` and state the per-mode params with draft-07 ``if``/``then`` clauses.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Final

JSON_SCHEMA_DRAFT7: Final = "http://json-schema.org/draft-07/schema#"
WORKFLOW_FIELD: Final = "flowSpec.attributes._workflow"

PROFILE_STORE_SPEC_ID: Final = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DATA_LAKE_SPEC_ID: Final = "23598e46-f560-407b-88d5-ea6207e49db0"
DESTINATIONS_PROVIDER_ID: Final = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
SOURCES_PROVIDER_ID: Final = "0ed90a81-07f4-4586-8190-b40eccef1c5a"

# Auth params whose values are secrets: stored, never returned (see masking.py).
SECRET_PARAM_NAMES: Final = frozenset(
    {
        "password",
        "secretKey",
        "s3SecretKey",
        "sshKey",
        "connectionString",
        "secretAccessKey",
        "servicePrincipalKey",
        "privateKey",
        "clientSecret",
        "accessToken",
        "token",
    }
)

# What each legacy target mode needs (Adobe's Flow Service tutorial: "Specify storage location
# and data format").
LEGACY_MODE_PARAMS: Final[dict[str, tuple[str, ...]]] = {
    "S3": ("bucketName", "path", "format"),
    "AZURE_BLOB": ("container", "path", "format"),
    "FTP": ("remotePath",),
}
NEW_CARD_MODE: Final = "Server-to-server"
FILE_TYPES: Final = ("CSV", "JSON", "PARQUET")
COMPRESSIONS: Final = ("GZIP", "NONE")

_PARAM_DESCRIPTIONS: Final[dict[str, str]] = {
    "s3AccessKey": "The access key that grants access to your Amazon S3 bucket.",
    "s3SecretKey": "The secret key that grants access to your Amazon S3 bucket.",
    "accessId": "The access ID of your Amazon S3 storage.",
    "secretKey": "The secret key of your Amazon S3 storage.",
    "domain": "The domain (IP address or host name) of your SFTP server.",
    "host": "The host of your SFTP server.",
    "username": "The user name of the SFTP account.",
    "password": "The password of the SFTP account.",
    "sshKey": "The private SSH key, Base64 encoded.",
    "connectionString": "The connection string of your Azure Blob storage.",
    "accessKeyId": "The HMAC access key ID of your Google Cloud Storage account.",
    "secretAccessKey": "The HMAC secret of your Google Cloud Storage account.",
    "url": "The endpoint of your Azure Data Lake Storage Gen2 account.",
    "servicePrincipalId": "The application (client) ID of the service principal.",
    "servicePrincipalKey": "The secret key of the service principal.",
    "tenant": "The tenant of the service principal.",
}


def _param_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": _PARAM_DESCRIPTIONS.get(name, name)}
    if name in SECRET_PARAM_NAMES:
        schema["format"] = "password"
    return schema


def auth_spec(name: str, auth_type: str, *required: str) -> dict[str, Any]:
    """One ``authSpec[]`` entry: a draft-07 schema whose ``required`` lists every param."""
    return {
        "name": name,
        "type": auth_type,
        "spec": {
            "$schema": JSON_SCHEMA_DRAFT7,
            "type": "object",
            "description": f"Defines auth params required for '{name}'.",
            "properties": {param: _param_schema(param) for param in required},
            "required": list(required),
        },
    }


_S3_KEYS = auth_spec("Access Key", "KeyBased", "s3AccessKey", "s3SecretKey")
# The new S3 card's Access Key spec as the file-based tutorial shows it, with AWS's key patterns.
S3_ACCESS_KEY_PATTERN: Final = r"^[A-Z2-7]{20}$"
S3_SECRET_KEY_PATTERN: Final = r"^[A-Za-z0-9/\+]{40}$"
_NEW_S3_KEYS = copy.deepcopy(_S3_KEYS)
_NEW_S3_KEYS["spec"]["properties"]["s3AccessKey"]["pattern"] = S3_ACCESS_KEY_PATTERN
_NEW_S3_KEYS["spec"]["properties"]["s3SecretKey"]["pattern"] = S3_SECRET_KEY_PATTERN
_SFTP_PASSWORD = auth_spec(
    "SFTP with Password", "BasicAuthentication", "domain", "host", "username", "password"
)
_SFTP_SSH_KEY = auth_spec("SFTP with SSH Key", "KeyBased", "domain", "host", "username", "sshKey")


def _legacy_target_spec(name: str, *modes: str) -> dict[str, Any]:
    params: set[str] = {p for mode in modes for p in LEGACY_MODE_PARAMS[mode]}
    properties: dict[str, Any] = {
        "mode": {"type": "string", "enum": list(modes), "description": "The export mode."}
    }
    for param in sorted(params):
        properties[param] = {"type": "string", "description": param}
    properties["format"] = {"type": "string", "enum": ["CSV"], "description": "File format."}
    spec: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DRAFT7,
        "type": "object",
        "properties": properties,
    }
    if len(modes) == 1:
        spec["required"] = ["mode", *LEGACY_MODE_PARAMS[modes[0]]]
    else:
        spec["required"] = ["mode"]
        spec["allOf"] = [
            {
                "if": {"properties": {"mode": {"const": mode}}, "required": ["mode"]},
                "then": {"required": list(LEGACY_MODE_PARAMS[mode])},
            }
            for mode in modes
        ]
    return {"name": name, "type": "CloudStorage", "spec": spec}


# The new cards' targetSpec as Adobe's file-based destinations tutorial shows it ("Create a
# target connection"; excerpt: tests/contract/adobe/docs/file-based-target-specs.md): location
# params with Adobe's patterns, then the same file options on every card. ``conditional`` is
# Adobe's extension to draft-07 (see ``schema_check.applicable``): ``datasetFileType`` is listed
# in ``required`` but applies to dataset exports only, ``csvOptions`` to CSV files only.
_FOR_DATASETS: Final = {"field": WORKFLOW_FIELD, "operator": "CONTAINS", "value": "DATASETS"}
_NOT_FOR_DATASETS: Final = {**_FOR_DATASETS, "operator": "NOT_CONTAINS"}
_IF_CSV: Final = {"field": "fileType", "operator": "EQUALS", "value": "CSV"}

S3_BUCKET_PATTERN: Final = (
    r"(?=^.{3,63}$)(?!^(\d+\.)+\d+$)"
    r"(^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$)"
)
FOLDER_PATH_PATTERN: Final = r"^[0-9a-zA-Z/\!\-_\.\*\''\(\)]*((\%SEGMENT_(NAME|ID)\%)?/?)+$"
"""Amazon S3's and Google Cloud Storage's ``path``: ``%SEGMENT_NAME%``/``%SEGMENT_ID%`` allowed."""
BLOB_PATH_PATTERN: Final = r"^[0-9a-zA-Z/\!\-_\.\*\'\(\)]+$"
BLOB_CONTAINER_PATTERN: Final = r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$"
GCS_BUCKET_PATTERN: Final = (
    r"(?!^goog.*$)(?!^.*g(o|0)(o|0)gle.*$)(((?=^.{3,63}$)(^([a-z0-9]|[a-z0-9][a-z0-9\-_]*)"
    r"[a-z0-9]$))|((?=^.{3,222}$)(?!^(\d+\.)+\d+$)(^(([a-z0-9]{1,63}|[a-z0-9][a-z0-9\-_]"
    r"{1,61}[a-z0-9])\.)*([a-z0-9]{1,63}|[a-z0-9][a-z0-9\-_]{1,61}[a-z0-9])$)))"
)
CSV_OPTION_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "quote": ('"', ""),
    "escape": ("\\", "'"),
    "delimiter": (",", "\t", "|", ";", ":"),
    "nullValue": ("null", '""', ""),
    "emptyValue": ("null", '""', ""),
}


def _new_card_target_spec(**location: str | None) -> dict[str, Any]:
    """``location``: each location param and its pattern (None: Adobe shows none)."""
    properties: dict[str, Any] = {}
    for param, pattern in location.items():
        properties[param] = {"type": "string", "description": param}
        if pattern is not None:
            properties[param]["pattern"] = pattern
    properties["fileType"] = {
        "conditional": _NOT_FOR_DATASETS,
        "type": "string",
        "enum": list(FILE_TYPES),
    }
    properties["datasetFileType"] = {
        "conditional": _FOR_DATASETS,
        "type": "string",
        "enum": ["JSON", "PARQUET"],
    }
    properties["csvOptions"] = {
        "conditional": _IF_CSV,
        "type": "object",
        "properties": {
            option: {"type": "string", "enum": list(values)}
            for option, values in CSV_OPTION_VALUES.items()
        },
    }
    properties["compression"] = {"type": "string", "enum": list(COMPRESSIONS)}
    return {
        "name": "User based target",
        "type": "UserNamespace",
        "spec": {
            "$schema": JSON_SCHEMA_DRAFT7,
            "type": "object",
            "properties": properties,
            "required": [*location, "datasetFileType", "compression", "fileType"],
        },
    }


@dataclass(frozen=True)
class ConnectionSpec:
    """A connection spec; ``document()`` is what ``GET /connectionSpecs`` answers."""

    id: str
    name: str
    auth_specs: tuple[dict[str, Any], ...] = ()
    target_spec: dict[str, Any] | None = None
    category: str = "cloudStorage"

    @property
    def is_source(self) -> bool:
        return self.target_spec is None

    @property
    def auth_spec_names(self) -> tuple[str, ...]:
        return tuple(a["name"] for a in self.auth_specs)

    def auth_spec_named(self, name: str) -> dict[str, Any] | None:
        return next((a for a in self.auth_specs if a["name"] == name), None)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "providerId": SOURCES_PROVIDER_ID if self.is_source else DESTINATIONS_PROVIDER_ID,
            "version": "1.0",
            "attributes": {
                "category": self.category,
                "connectorName": self.name,
                "isSource": self.is_source,
                "isDestination": not self.is_source,
            },
            "authSpec": copy.deepcopy(list(self.auth_specs)),
        }
        if self.target_spec is not None:
            doc["targetSpec"] = copy.deepcopy(self.target_spec)
        else:
            doc["sourceSpec"] = {
                "name": self.name,
                "type": "Platform",
                "spec": {"$schema": JSON_SCHEMA_DRAFT7, "type": "object", "properties": {}},
            }
        return doc


@dataclass(frozen=True)
class FlowSpec:
    """A flow spec; ``document()`` is what ``GET /flowSpecs`` answers."""

    id: str
    name: str
    source_spec_ids: tuple[str, ...]
    target_spec_ids: tuple[str, ...]
    mapping_based: bool = False
    """New-card audience flows: attributes come from a Data Prep mapping set
    (``profileMapping``); ``profileSelectors`` are ignored, as Adobe does."""

    @property
    def is_dataset_flow(self) -> bool:
        return DATA_LAKE_SPEC_ID in self.source_spec_ids

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "providerId": DESTINATIONS_PROVIDER_ID,
            "version": "1.0",
            "sourceConnectionSpecIds": list(self.source_spec_ids),
            "targetConnectionSpecIds": list(self.target_spec_ids),
            "attributes": {
                "isSourceFlow": False,
                "isDestinationFlow": True,
                "frequency": "batch",
            },
        }


# --- Sources: the Experience Platform stores a destination dataflow reads from -------------

SOURCE_SPECS: Final = (
    ConnectionSpec(PROFILE_STORE_SPEC_ID, "Profile Store", category="platform"),
    ConnectionSpec(DATA_LAKE_SPEC_ID, "Data Lake", category="platform"),
)

# --- Legacy cards (Adobe's Flow Service tutorial's table) --------------------------------

CAMPAIGN = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
AMAZON_S3 = "4890fc95-5a1f-4983-94bb-e060c08e3f81"
AZURE_BLOB = "e258278b-a4cf-43ac-b158-4fa0ca0d948b"
ELOQUA = "c1e44b6b-e7c8-404b-9031-58f0ef760604"
RESPONSYS = "a5e28ddf-e265-426e-83a1-9d03a3a6822b"
SALESFORCE_MC = "f599a5b3-60a7-4951-950a-cc4115c7ea27"
SFTP = "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0"

LEGACY_SPECS: Final = (
    ConnectionSpec(
        CAMPAIGN,
        "Adobe Campaign",
        (
            auth_spec("S3", "KeyBased", "accessId", "secretKey"),
            _SFTP_PASSWORD,
            _SFTP_SSH_KEY,
            auth_spec("Azure Blob", "KeyBased", "connectionString"),
        ),
        _legacy_target_spec("Adobe Campaign", "S3", "AZURE_BLOB", "FTP"),
        category="emailMarketing",
    ),
    ConnectionSpec(AMAZON_S3, "Amazon S3", (_S3_KEYS,), _legacy_target_spec("Amazon S3", "S3")),
    ConnectionSpec(
        AZURE_BLOB,
        "Azure Blob",
        (auth_spec("ConnectionString", "ConnectionString", "connectionString"),),
        _legacy_target_spec("Azure Blob", "AZURE_BLOB"),
    ),
    # The three email-marketing cards take the same auth specs and target modes.
    *(
        ConnectionSpec(
            spec_id,
            name,
            (_SFTP_PASSWORD, _SFTP_SSH_KEY),
            _legacy_target_spec(name, "S3", "FTP"),
            category="emailMarketing",
        )
        for spec_id, name in (
            (ELOQUA, "Oracle Eloqua"),
            (RESPONSYS, "Oracle Responsys"),
            (SALESFORCE_MC, "Salesforce Marketing Cloud"),
        )
    ),
    ConnectionSpec(
        SFTP,
        "SFTP",
        (
            auth_spec(
                "Basic Authentication for sftp",
                "BasicAuthentication",
                "host",
                "username",
                "password",
            ),
            auth_spec(
                "SSH PublicKey Authentication for sftp", "KeyBased", "host", "username", "sshKey"
            ),
        ),
        _legacy_target_spec("SFTP", "FTP"),
    ),
)

# --- Newer cloud-storage cards (destinations.openapi.yaml) ------------------------------

NEW_S3 = "4fce964d-3f37-408f-9778-e597338a21ee"
NEW_SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"
NEW_AZURE_BLOB = "6d6b59bf-fb58-4107-9064-4d246c0e5bb2"
GCS = "c5d93acb-ea8b-4b14-8f53-02138444ae99"
DLZ = "10440537-2a7b-4583-ac39-ed38d4b848e8"
ADLS_GEN2 = "be2c3209-53bc-47e7-ab25-145db8b873e1"

NEW_CARD_SPECS: Final = (
    ConnectionSpec(
        NEW_S3,
        "Amazon S3 (new)",
        (_NEW_S3_KEYS, auth_spec("Assumed Role", "S3Role", "s3Role")),
        _new_card_target_spec(bucketName=S3_BUCKET_PATTERN, path=FOLDER_PATH_PATTERN),
    ),
    ConnectionSpec(
        NEW_SFTP,
        "SFTP (new)",
        (
            # Types as Adobe's connection spec shows them (file-based tutorial): both "SFTP".
            auth_spec("SFTP with Password", "SFTP", "domain", "username", "password"),
            auth_spec("SFTP with SSH Key", "SFTP", "domain", "username", "sshKey"),
        ),
        _new_card_target_spec(remotePath=None),
    ),
    ConnectionSpec(
        NEW_AZURE_BLOB,
        "Azure Blob (new)",
        (auth_spec("ConnectionString", "ConnectionString", "connectionString"),),
        _new_card_target_spec(container=BLOB_CONTAINER_PATTERN, path=BLOB_PATH_PATTERN),
    ),
    ConnectionSpec(
        GCS,
        "Google Cloud Storage",
        (
            # Name and type as Adobe's connection spec (file-based tutorial, auth spec tabs).
            auth_spec(
                "Google Cloud Storage authentication credentials",
                "GoogleCloudStorageAuth",
                "accessKeyId",
                "secretAccessKey",
            ),
        ),
        _new_card_target_spec(bucketName=GCS_BUCKET_PATTERN, path=FOLDER_PATH_PATTERN),
    ),
    ConnectionSpec(
        DLZ,
        "Data Landing Zone",
        (),  # Adobe: "The Data Landing Zone destination does not require an auth spec."
        _new_card_target_spec(path=None),
    ),
    ConnectionSpec(
        ADLS_GEN2,
        "Azure Data Lake Gen2",
        (
            # Name and type as Adobe's connection spec (file-based tutorial, auth spec tabs).
            auth_spec(
                "Azure Service Principal Auth",
                "AzureServicePrincipal",
                "url",
                "servicePrincipalId",
                "servicePrincipalKey",
                "tenant",
            ),
        ),
        _new_card_target_spec(path=None),
    ),
)

CONNECTION_SPECS: Final[tuple[ConnectionSpec, ...]] = SOURCE_SPECS + LEGACY_SPECS + NEW_CARD_SPECS

# --- Flow specs -------------------------------------------------------------------------

FILE_STORAGE_FLOW_SPEC_ID: Final = "71471eba-b620-49e4-90fd-23f1fa0174d8"
RESPONSYS_FLOW_SPEC_ID: Final = "51d675ce-e270-408d-91fc-22717bdf2148"
SALESFORCE_FLOW_SPEC_ID: Final = "493b2bd6-26e4-4167-ab3b-5e910bba44f0"
# The tutorial names no id for Campaign's flow spec ("look for upsToCampaign"): the emulator's own.
CAMPAIGN_FLOW_SPEC_ID: Final = "0c3e7b6d-5b42-4b5e-9f0a-6f1d2f8a3c71"

_PROFILE = (PROFILE_STORE_SPEC_ID,)
_DATA_LAKE = (DATA_LAKE_SPEC_ID,)

LEGACY_FLOW_SPECS: Final = (
    FlowSpec(
        FILE_STORAGE_FLOW_SPEC_ID,
        "upsToFileStorage",
        _PROFILE,
        (AMAZON_S3, AZURE_BLOB, SFTP, ELOQUA),
    ),
    FlowSpec(RESPONSYS_FLOW_SPEC_ID, "upsToResponsys", _PROFILE, (RESPONSYS,)),
    FlowSpec(SALESFORCE_FLOW_SPEC_ID, "upsToSalesforceMarketingCloud", _PROFILE, (SALESFORCE_MC,)),
    FlowSpec(CAMPAIGN_FLOW_SPEC_ID, "upsToCampaign", _PROFILE, (CAMPAIGN,)),
)

# (connection spec, card name as in the spec's FlowSpec_V2, segment flow spec, dataset flow spec)
_NEW_CARD_FLOWS: Final = (
    (
        NEW_S3,
        "Amazon S3",
        "1a0514a6-33d4-4c7f-aff8-594799c47549",
        "269ba276-16fc-47db-92b0-c1049a3c131f",
    ),
    (
        NEW_SFTP,
        "SFTP",
        "fd36aaa4-bf2b-43fb-9387-43785eeeb799",
        "354d6aad-4754-46e4-a576-1b384561c440",
    ),
    (
        NEW_AZURE_BLOB,
        "Azure Blob Storage",
        "752d422f-b16f-4f0d-b1c6-26e448e3b388",
        "95bd8965-fc8a-4119-b9c3-944c2c2df6d2",
    ),
    (
        GCS,
        "Google Cloud Storage",
        "976d663b-80b4-4193-be6b-2d0487516623",
        "585c15c4-6cbf-4126-8f87-e26bff78b657",
    ),
    (
        DLZ,
        "Data Landing Zone",
        "7e635b9f-e59b-4546-8ba8-fce6496693c8",
        "cd2fc47e-e838-4f38-a581-8fff2f99b63a",
    ),
    (
        ADLS_GEN2,
        "Azure Data Lake Gen2",
        "db060570-a155-418a-a6d3-b4d97698e5dc",
        "17be2013-2549-41ce-96e7-a70363bec293",
    ),
)

NEW_CARD_FLOW_SPECS: Final = tuple(
    flow_spec
    for spec_id, card, segment_id, dataset_id in _NEW_CARD_FLOWS
    for flow_spec in (
        FlowSpec(segment_id, f"{card} - Segment", _PROFILE, (spec_id,), mapping_based=True),
        FlowSpec(dataset_id, f"{card} - Dataset", _DATA_LAKE, (spec_id,)),
    )
)

FLOW_SPECS: Final[tuple[FlowSpec, ...]] = LEGACY_FLOW_SPECS + NEW_CARD_FLOW_SPECS

_CONNECTION_SPECS_BY_ID: Final = {spec.id: spec for spec in CONNECTION_SPECS}
_FLOW_SPECS_BY_ID: Final = {spec.id: spec for spec in FLOW_SPECS}


def connection_spec(spec_id: str) -> ConnectionSpec | None:
    return _CONNECTION_SPECS_BY_ID.get(spec_id)


def flow_spec(spec_id: str) -> FlowSpec | None:
    return _FLOW_SPECS_BY_ID.get(spec_id)


def secret_params(spec: ConnectionSpec | None, spec_name: str | None) -> frozenset[str]:
    """Params to mask: those the auth spec marks ``format: password``, plus known secret names."""
    names = set(SECRET_PARAM_NAMES)
    auth = spec.auth_spec_named(spec_name) if spec is not None and spec_name else None
    if auth is not None:
        for param, schema in auth["spec"].get("properties", {}).items():
            if schema.get("format") == "password":
                names.add(param)
    return frozenset(names)
