"""The batch destinations this project knows, with the facts the request is checked against.

Sources: the seed tutorial's tables (legacy cards) and Adobe's ``destinations.openapi.yaml``
(newer cloud-storage cards); docs/internals.md holds the same facts as tables. What a card
holds (auth specs, target modes) is defined in :mod:`aep_activation.cards`. The catalog is
a known default: specs are still resolved at runtime, and a request may name a destination
by a connection spec id the catalog does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from aep_activation.cards import (
    PROFILE_STORE_CONNECTION_SPEC_ID as PROFILE_STORE_CONNECTION_SPEC_ID,  # re-exported
)
from aep_activation.cards import AuthSpec, Destination, ParamPattern, TargetMode, frozen_map

DATA_LAKE_CONNECTION_SPEC_ID = "23598e46-f560-407b-88d5-ea6207e49db0"
"""Source of dataset exports; audience activation never uses it."""

LEGACY_FILE_STORAGE_FLOW_SPEC_ID = "71471eba-b620-49e4-90fd-23f1fa0174d8"
"""The seed's one flow spec for S3, Azure Blob, SFTP and Oracle Eloqua (legacy cards)."""

NEW_CARD_MODE = "Server-to-server"

# Adobe's own pattern for S3 bucket names (destinations.openapi.yaml, bucketName).
_S3_BUCKET_PATTERN = (
    r"(?=^.{3,63}$)(?!^(\d+\.)+\d+$)"
    r"(^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$)"
)
_S3_BUCKET_RULE = "must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"

# The new cards' location patterns, as their targetSpec shows them (file-based destinations
# tutorial, "Create a target connection"): checked before any call, not at the target
# connection's create, after the base connections exist.
_FOLDER_PATH = ParamPattern(
    r"^[0-9a-zA-Z/\!\-_\.\*\''\(\)]*((\%SEGMENT_(NAME|ID)\%)?/?)+$",
    "may hold letters, digits and / ! - _ . * ' ( ), and %SEGMENT_NAME% or %SEGMENT_ID% "
    "only at its end",
)
_BLOB_PATH = ParamPattern(
    r"^[0-9a-zA-Z/\!\-_\.\*\'\(\)]+$", "may hold only letters, digits and / ! - _ . * ' ( )"
)
_BLOB_CONTAINER = ParamPattern(
    r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$",
    "must be 3-63 lowercase letters, digits and single hyphens, starting and ending with a "
    "letter or digit",
)
_GCS_BUCKET = ParamPattern(
    r"(?!^goog.*$)(?!^.*g(o|0)(o|0)gle.*$)(((?=^.{3,63}$)(^([a-z0-9]|[a-z0-9][a-z0-9\-_]*)"
    r"[a-z0-9]$))|((?=^.{3,222}$)(?!^(\d+\.)+\d+$)(^(([a-z0-9]{1,63}|[a-z0-9][a-z0-9\-_]"
    r"{1,61}[a-z0-9])\.)*([a-z0-9]{1,63}|[a-z0-9][a-z0-9\-_]{1,61}[a-z0-9])$)))",
    "must be a valid Cloud Storage bucket name (3-63 lowercase letters, digits, hyphens, "
    "underscores, or dotted up to 222), not starting with 'goog' nor containing 'google'",
)


# --- Auth specs ----------------------------------------------------------------------

_SFTP_PASSWORD_WITH_DOMAIN = AuthSpec(
    "SFTP with Password", ("domain", "host", "username", "password"), frozenset({"password"})
)
_SFTP_SSH_KEY_WITH_DOMAIN = AuthSpec(
    "SFTP with SSH Key", ("domain", "host", "username", "sshKey"), frozenset({"sshKey"})
)
_S3_ACCESS_KEY = AuthSpec(
    "Access Key", ("s3AccessKey", "s3SecretKey"), frozenset({"s3AccessKey", "s3SecretKey"})
)
_S3_ASSUMED_ROLE = AuthSpec("Assumed Role", ("s3Role",), request_params=("s3Role",))
"""Adobe assumes a role of the customer's account: the request names it; nothing is secret."""
_AZURE_CONNECTION_STRING = AuthSpec(
    "ConnectionString", ("connectionString",), frozenset({"connectionString"})
)

# --- Legacy target modes (the seed's targetConnections examples) -------------------------

_CSV_ONLY = frozen_map({"format": ("CSV",)})
_S3_BUCKET = MappingProxyType({"bucketName": ParamPattern(_S3_BUCKET_PATTERN, _S3_BUCKET_RULE)})

_LEGACY_S3 = TargetMode(
    "S3", ("bucketName", "path", "format"), allowed_values=_CSV_ONLY, value_patterns=_S3_BUCKET
)
_LEGACY_AZURE_BLOB = TargetMode(
    "AZURE_BLOB", ("container", "path", "format"), allowed_values=_CSV_ONLY
)
_LEGACY_FTP = TargetMode("FTP", ("remotePath",), ("format",), allowed_values=_CSV_ONLY)

# --- New-card target mode: location params + file type + compression ---------------------

_NEW_CARD_VALUES = frozen_map(
    {"fileType": ("CSV", "JSON", "PARQUET"), "compression": ("GZIP", "NONE")}
)
NEW_CARD_FILE_OPTIONS = ("csvOptions", "includeFileManifest")
"""Structured target params of the new cards (an object and a boolean, not strings)."""
CSV_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "delimiter": (",", "\t", "|", ";", ":"),
        "quote": ('"', ""),
        "escape": ("\\", "'"),
        "nullValue": ("null", '""', ""),
        "emptyValue": ("null", '""', ""),
    }
)
"""``csvOptions`` keys and values (destinations OpenAPI, ``SegmentTargetConnectionParams_V2``)."""


def _new_card_mode(
    *location_params: str, patterns: Mapping[str, ParamPattern] | None = None
) -> TargetMode:
    return TargetMode(
        NEW_CARD_MODE,
        (*location_params, "fileType", "compression"),
        NEW_CARD_FILE_OPTIONS,
        allowed_values=_NEW_CARD_VALUES,
        value_patterns=MappingProxyType(dict(patterns or {})),
    )


# --- The cards ---------------------------------------------------------------------------

_LEGACY: tuple[Destination, ...] = (
    Destination(
        name="Adobe Campaign",
        aliases=("campaign", "adobe-campaign"),
        connection_spec_id="0b23e41a-cb4a-4321-a78f-3b654f5d7d97",
        flow_spec_id=None,
        flow_spec_name="upsToCampaign",
        card="legacy",
        auth_specs=(
            AuthSpec("S3", ("accessId", "secretKey"), frozenset({"accessId", "secretKey"})),
            _SFTP_PASSWORD_WITH_DOMAIN,
            _SFTP_SSH_KEY_WITH_DOMAIN,
            AuthSpec("Azure Blob", ("connectionString",), frozenset({"connectionString"})),
        ),
        target_modes=(_LEGACY_S3, _LEGACY_AZURE_BLOB, _LEGACY_FTP),
        mode_for_auth=MappingProxyType(
            {
                "S3": "S3",
                "SFTP with Password": "FTP",
                "SFTP with SSH Key": "FTP",
                "Azure Blob": "AZURE_BLOB",
            }
        ),
    ),
    Destination(
        name="Amazon S3",
        aliases=("s3", "amazon-s3", "aws-s3"),
        connection_spec_id="4890fc95-5a1f-4983-94bb-e060c08e3f81",
        successor="Amazon S3 (new)",
        flow_spec_id=LEGACY_FILE_STORAGE_FLOW_SPEC_ID,
        flow_spec_name="upsToFileStorage",
        card="legacy",
        auth_specs=(_S3_ACCESS_KEY,),
        target_modes=(_LEGACY_S3,),
    ),
    Destination(
        name="Azure Blob",
        aliases=("azure-blob", "azure-blob-storage", "blob"),
        connection_spec_id="e258278b-a4cf-43ac-b158-4fa0ca0d948b",
        successor="Azure Blob (new)",
        flow_spec_id=LEGACY_FILE_STORAGE_FLOW_SPEC_ID,
        flow_spec_name="upsToFileStorage",
        card="legacy",
        auth_specs=(_AZURE_CONNECTION_STRING,),
        target_modes=(_LEGACY_AZURE_BLOB,),
    ),
    Destination(
        name="Oracle Eloqua",
        aliases=("eloqua", "oracle-eloqua"),
        connection_spec_id="c1e44b6b-e7c8-404b-9031-58f0ef760604",
        flow_spec_id=LEGACY_FILE_STORAGE_FLOW_SPEC_ID,
        flow_spec_name="upsToFileStorage",
        card="legacy",
        auth_specs=(_SFTP_PASSWORD_WITH_DOMAIN, _SFTP_SSH_KEY_WITH_DOMAIN),
        target_modes=(_LEGACY_S3, _LEGACY_FTP),
    ),
    Destination(
        name="Oracle Responsys",
        aliases=("responsys", "oracle-responsys"),
        connection_spec_id="a5e28ddf-e265-426e-83a1-9d03a3a6822b",
        flow_spec_id="51d675ce-e270-408d-91fc-22717bdf2148",
        flow_spec_name="upsToResponsys",
        card="legacy",
        auth_specs=(_SFTP_PASSWORD_WITH_DOMAIN, _SFTP_SSH_KEY_WITH_DOMAIN),
        target_modes=(_LEGACY_S3, _LEGACY_FTP),
    ),
    Destination(
        name="Salesforce Marketing Cloud",
        aliases=("sfmc", "salesforce", "salesforce-marketing-cloud"),
        connection_spec_id="f599a5b3-60a7-4951-950a-cc4115c7ea27",
        flow_spec_id="493b2bd6-26e4-4167-ab3b-5e910bba44f0",
        flow_spec_name="upsToSalesforceMarketingCloud",
        card="legacy",
        auth_specs=(_SFTP_PASSWORD_WITH_DOMAIN, _SFTP_SSH_KEY_WITH_DOMAIN),
        target_modes=(_LEGACY_S3, _LEGACY_FTP),
    ),
    Destination(
        name="SFTP",
        aliases=("sftp",),
        connection_spec_id="64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0",
        successor="SFTP (new)",
        flow_spec_id=LEGACY_FILE_STORAGE_FLOW_SPEC_ID,
        flow_spec_name="upsToFileStorage",
        card="legacy",
        auth_specs=(
            AuthSpec(
                "Basic Authentication for sftp",
                ("host", "username", "password"),
                frozenset({"password"}),
            ),
            AuthSpec(
                "SSH PublicKey Authentication for sftp",
                ("host", "username", "sshKey"),
                frozenset({"sshKey"}),
            ),
        ),
        target_modes=(_LEGACY_FTP,),
    ),
)

_OPENAPI_SEGMENT_NOT_TUTORIAL = (
    "the destinations OpenAPI's FlowSpec_V2 '<card> - Segment' (Profile Store source); the "
    "file-based tutorial's table lists the card's '- Dataset' flow spec (Data Lake source), "
    "which does not take audiences"
)

_NEW_SFTP_NO_HOST: Mapping[str, str] = MappingProxyType(
    {"host": "is the legacy SFTP card's param; the new SFTP card takes domain instead"}
)

_S3_LOCATION_PATTERNS = {
    "bucketName": ParamPattern(_S3_BUCKET_PATTERN, _S3_BUCKET_RULE),
    "path": _FOLDER_PATH,
}

_NEW: tuple[Destination, ...] = (
    Destination(
        name="Amazon S3 (new)",
        aliases=("amazon-s3-new", "s3-new", "s3-v2"),
        connection_spec_id="4fce964d-3f37-408f-9778-e597338a21ee",
        flow_spec_id="1a0514a6-33d4-4c7f-aff8-594799c47549",
        flow_spec_name="Amazon S3 - Segment",
        dataset_flow_spec_id="269ba276-16fc-47db-92b0-c1049a3c131f",
        dataset_flow_spec_name="Amazon S3 - Dataset",
        flow_spec_source=_OPENAPI_SEGMENT_NOT_TUTORIAL,
        card="new",
        auth_specs=(_S3_ACCESS_KEY, _S3_ASSUMED_ROLE),
        target_modes=(_new_card_mode("bucketName", "path", patterns=_S3_LOCATION_PATTERNS),),
    ),
    Destination(
        name="SFTP (new)",
        aliases=("sftp-new", "sftp-v2"),
        connection_spec_id="36965a81-b1c6-401b-99f8-22508f1e6a26",
        flow_spec_id="fd36aaa4-bf2b-43fb-9387-43785eeeb799",
        flow_spec_name="SFTP - Segment",
        dataset_flow_spec_id="354d6aad-4754-46e4-a576-1b384561c440",
        dataset_flow_spec_name="SFTP - Dataset",
        flow_spec_source=_OPENAPI_SEGMENT_NOT_TUTORIAL,
        card="new",
        auth_specs=(
            AuthSpec(
                "SFTP with Password",
                ("domain", "username", "password"),
                frozenset({"password"}),
                refused_secret_params=_NEW_SFTP_NO_HOST,
            ),
            AuthSpec(
                "SFTP with SSH Key",
                ("domain", "username", "sshKey"),
                frozenset({"sshKey"}),
                # A port is welcome (Adobe's tutorial sends one with either auth spec); only
                # the params of the live auth spec are sent.
                refused_secret_params=_NEW_SFTP_NO_HOST,
            ),
        ),
        target_modes=(_new_card_mode("remotePath"),),
    ),
    Destination(
        name="Azure Blob (new)",
        aliases=("azure-blob-new", "azure-blob-v2", "azure-blob-storage-new"),
        connection_spec_id="6d6b59bf-fb58-4107-9064-4d246c0e5bb2",
        flow_spec_id="752d422f-b16f-4f0d-b1c6-26e448e3b388",
        flow_spec_name="Azure Blob Storage - Segment",
        dataset_flow_spec_id="95bd8965-fc8a-4119-b9c3-944c2c2df6d2",
        dataset_flow_spec_name="Azure Blob Storage - Dataset",
        flow_spec_source=_OPENAPI_SEGMENT_NOT_TUTORIAL,
        card="new",
        auth_specs=(_AZURE_CONNECTION_STRING,),
        target_modes=(
            _new_card_mode(
                "container", "path", patterns={"container": _BLOB_CONTAINER, "path": _BLOB_PATH}
            ),
        ),
    ),
    Destination(
        name="Google Cloud Storage",
        aliases=("gcs", "google-cloud-storage"),
        connection_spec_id="c5d93acb-ea8b-4b14-8f53-02138444ae99",
        flow_spec_id="976d663b-80b4-4193-be6b-2d0487516623",
        flow_spec_name="Google Cloud Storage - Segment",
        dataset_flow_spec_id="585c15c4-6cbf-4126-8f87-e26bff78b657",
        dataset_flow_spec_name="Google Cloud Storage - Dataset",
        flow_spec_source=_OPENAPI_SEGMENT_NOT_TUTORIAL,
        card="new",
        auth_specs=(
            AuthSpec(
                "Google Cloud Storage authentication credentials",
                ("accessKeyId", "secretAccessKey"),
                frozenset({"accessKeyId", "secretAccessKey"}),
            ),
        ),
        target_modes=(
            _new_card_mode(
                "bucketName", "path", patterns={"bucketName": _GCS_BUCKET, "path": _FOLDER_PATH}
            ),
        ),
    ),
    Destination(
        name="Data Landing Zone",
        aliases=("dlz", "data-landing-zone"),
        connection_spec_id="10440537-2a7b-4583-ac39-ed38d4b848e8",
        flow_spec_id="7e635b9f-e59b-4546-8ba8-fce6496693c8",
        flow_spec_name="Data Landing Zone - Segment",
        dataset_flow_spec_id="cd2fc47e-e838-4f38-a581-8fff2f99b63a",
        dataset_flow_spec_name="Data Landing Zone - Dataset",
        flow_spec_source=_OPENAPI_SEGMENT_NOT_TUTORIAL,
        card="new",
        auth_specs=(AuthSpec("Data Landing Zone", ()),),
        target_modes=(_new_card_mode("path"),),
    ),
    Destination(
        name="Azure Data Lake Gen2",
        aliases=("adls", "adls-gen2", "azure-data-lake-gen2", "azure-data-lake-storage-gen2"),
        connection_spec_id="be2c3209-53bc-47e7-ab25-145db8b873e1",
        flow_spec_id="db060570-a155-418a-a6d3-b4d97698e5dc",
        flow_spec_name="Azure Data Lake Gen2 - Segment",
        dataset_flow_spec_id="17be2013-2549-41ce-96e7-a70363bec293",
        dataset_flow_spec_name="Azure Data Lake Gen2 - Dataset",
        flow_spec_source=_OPENAPI_SEGMENT_NOT_TUTORIAL,
        card="new",
        auth_specs=(
            AuthSpec(
                "Azure Service Principal Auth",
                ("url", "servicePrincipalId", "servicePrincipalKey", "tenant"),
                frozenset({"servicePrincipalKey"}),
            ),
        ),
        target_modes=(_new_card_mode("path"),),
    ),
)

_ALL: tuple[Destination, ...] = _LEGACY + _NEW


def normalize_destination_name(text: str) -> str:
    """Case- and punctuation-insensitive key: "Amazon S3 (new)" == "amazon-s3-new"."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _build_name_index() -> Mapping[str, Destination]:
    index: dict[str, Destination] = {}
    for destination in _ALL:
        for key in (destination.name, *destination.aliases):
            normalized = normalize_destination_name(key)
            owner = index.setdefault(normalized, destination)
            if owner is not destination:
                # Two cards sharing a key would make lookups depend on declaration order.
                raise RuntimeError(
                    f"catalog key {key!r} names both {owner.name} and {destination.name}"
                )
    return MappingProxyType(index)


_BY_NAME = _build_name_index()
_BY_CONNECTION_SPEC: Mapping[str, Destination] = MappingProxyType(
    {destination.connection_spec_id: destination for destination in _ALL}
)


def all_destinations() -> tuple[Destination, ...]:
    """Every known card, legacy ones first."""
    return _ALL


def known_destination_names() -> tuple[str, ...]:
    return tuple(destination.name for destination in _ALL)


def find_destination(name_or_alias: str) -> Destination | None:
    """The card with this friendly name or alias (case, spaces and punctuation ignored)."""
    return _BY_NAME.get(normalize_destination_name(name_or_alias))


def destination_by_connection_spec(connection_spec_id: str) -> Destination | None:
    return _BY_CONNECTION_SPEC.get(connection_spec_id.lower())


_SECRET_PARAMS = frozenset(
    name for destination in _ALL for spec in destination.auth_specs for name in spec.secret_params
)


def secret_param_names() -> frozenset[str]:
    """Every auth param any known card treats as secret (for spotting credentials in requests)."""
    return _SECRET_PARAMS


def retirement_warning(connection_spec_id: str | None) -> str | None:
    """The warning for a card Adobe retired, by connection spec id; None for current cards."""
    if connection_spec_id is None:
        return None
    entry = destination_by_connection_spec(connection_spec_id)
    return entry.retirement_warning() if entry is not None else None
