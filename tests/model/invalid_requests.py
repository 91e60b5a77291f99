"""A corpus of invalid activation requests, kept as data.

Each case mutates a valid base request and names every error it must produce: the exact
field path and a phrase of the message. The corpus is meant to grow, and to be reused by
other suites (for example to prove that a bad request fails before any API call):

    from tests.model.invalid_requests import INVALID_REQUESTS, valid_request
    for case in INVALID_REQUESTS:
        body = case.apply(valid_request())

Dates in the corpus are chosen so that every case is invalid (and the base valid) whatever
the real date is, from 2026 to 2029: past dates are in 2020, future ones in 2030.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

TODAY = date(2026, 1, 15)
"""The "today" the model tests validate against: results never depend on the real date."""

AUDIENCE_A = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"
AUDIENCE_B = "25768be6-ebd5-45cc-8913-12fb3f348613"
S3_SECRET = "aep/destinations/amazon-s3"

_BASE: dict[str, Any] = {
    "name": "summer-sale-s3",
    "sandbox": "prod",
    "destination": {
        "type": "Amazon S3",
        "auth": {"specName": "Access Key", "secretId": S3_SECRET},
        "target": {
            "mode": "S3",
            "bucketName": "acme-exports",
            "path": "aep/summer",
            "format": "CSV",
        },
    },
    "audiences": [
        {
            "id": AUDIENCE_A,
            "name": "Interested in Mountain Biking",
            "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",
            "exportMode": "DAILY_FULL_EXPORT",
            "schedule": {
                "frequency": "DAILY",
                "triggerType": "SCHEDULED",
                "startDate": "2030-06-01",
                "startTime": "17:00",
                "endDate": "2030-08-31",
            },
        },
        {
            "id": AUDIENCE_B,
            "name": "Loyalty Members",
            "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%TIMESTAMP%",
            "exportMode": "FIRST_FULL_THEN_INCREMENTAL",
            "schedule": {
                "frequency": "EVERY_6_HOURS",
                "triggerType": "SCHEDULED",
                "startDate": "2030-06-01",
                "startTime": "06:00",
                "endDate": "2030-12-31",
            },
        },
    ],
    "profileAttributes": ["person.name.firstName", "person.name.lastName", "personalEmail.address"],
    "mandatoryFields": ["personalEmail.address"],
    "deduplicationKeys": ["personalEmail.address"],
}


def valid_request() -> dict[str, Any]:
    """A fresh copy of the valid base request (Amazon S3, two audiences, three attributes)."""
    return copy.deepcopy(_BASE)


# --- Mutations ----------------------------------------------------------------------------


def _split(path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in path.split(".")]


def _parent(body: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = _split(path)
    node = body
    for part in parents:
        node = node[part]
    return node, last


@dataclass(frozen=True)
class Set:
    """Set (or add) the value at a dotted path such as ``audiences.0.schedule.startTime``."""

    path: str
    value: Any

    def __call__(self, body: dict[str, Any]) -> None:
        node, last = _parent(body, self.path)
        node[last] = copy.deepcopy(self.value)


@dataclass(frozen=True)
class Delete:
    """Remove the key (or list item) at a dotted path."""

    path: str

    def __call__(self, body: dict[str, Any]) -> None:
        node, last = _parent(body, self.path)
        del node[last]


@dataclass(frozen=True)
class Copy:
    """Copy the value at one path to another (e.g. to duplicate an id)."""

    source: str
    path: str

    def __call__(self, body: dict[str, Any]) -> None:
        node, last = _parent(body, self.source)
        Set(self.path, node[last])(body)


Mutation = Set | Delete | Copy


@dataclass(frozen=True)
class InvalidCase:
    id: str
    mutations: tuple[Mutation, ...]
    expected: tuple[tuple[str, str], ...]
    """Every error the request must produce: (exact path, phrase found in its message)."""

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        for mutation in self.mutations:
            mutation(body)
        return body


def case(case_id: str, *mutations: Mutation, expect: list[tuple[str, str]]) -> InvalidCase:
    return InvalidCase(case_id, tuple(mutations), tuple(expect))


USE_A_SECRET = "store them in a Secrets Manager secret"
ALWAYS_PAST = "2020-01-01"

_CAMPAIGN = {
    "type": "Adobe Campaign",
    "auth": {"specName": "S3", "secretId": "aep/destinations/adobe-campaign-s3"},
    "target": {"mode": "S3", "bucketName": "acme-campaign", "path": "in", "format": "CSV"},
}
_DATA_LANDING_ZONE = {
    "type": "Data Landing Zone",
    "auth": {"specName": "Data Landing Zone"},
    "target": {"mode": "Server-to-server", "path": "x", "fileType": "CSV", "compression": "GZIP"},
}
_S3_NEW = {
    "type": "Amazon S3 (new)",
    "auth": {"specName": "Access Key", "secretId": "aep/destinations/amazon-s3-new"},
    "target": {
        "mode": "Server-to-server",
        "bucketName": "acme-exports",
        "path": "aep",
        "fileType": "CSV",
        "compression": "GZIP",
    },
}

A0 = "audiences.0"
A1 = "audiences.1"
S0 = "audiences.0.schedule"
S1 = "audiences.1.schedule"
T = "destination.target"

INVALID_REQUESTS: tuple[InvalidCase, ...] = (
    # --- top level ---------------------------------------------------------------------
    case("name-missing", Delete("name"), expect=[("name", "is required")]),
    case("name-empty", Set("name", ""), expect=[("name", "must be 1-64")]),
    case("name-too-long", Set("name", "a" * 65), expect=[("name", "must be 1-64")]),
    case("name-slash", Set("name", "summer/sale"), expect=[("name", "letters, digits")]),
    case(
        "name-leading-space",
        Set("name", " summer"),
        expect=[("name", "not starting or ending with a space")],
    ),
    case("name-not-string", Set("name", 42), expect=[("name", "must be a string")]),
    case("sandbox-missing", Delete("sandbox"), expect=[("sandbox", "is required")]),
    case("sandbox-uppercase", Set("sandbox", "Prod"), expect=[("sandbox", "lowercase")]),
    case("sandbox-underscore", Set("sandbox", "dev_1"), expect=[("sandbox", "lowercase")]),
    case("field-typo", Set("audience", []), expect=[("audience", "not a known field")]),
    case("dataflow-id-not-uuid", Set("dataflowId", "flow-1"), expect=[("dataflowId", "UUID")]),
    case("dataflow-id-number", Set("dataflowId", 7), expect=[("dataflowId", "must be a string")]),
    case(
        "credentials-top-level",
        Set("credentials", {"password": "x"}),
        expect=[("credentials", USE_A_SECRET)],
    ),
    # --- destination ---------------------------------------------------------------------
    case("destination-missing", Delete("destination"), expect=[("destination", "is required")]),
    case(
        "destination-neither-type-nor-spec",
        Delete("destination.type"),
        expect=[("destination", "needs type")],
    ),
    case(
        "destination-unknown-type",
        Set("destination.type", "Dropbox"),
        expect=[("destination.type", "not a known destination; known: Adobe Campaign")],
    ),
    case(
        "destination-type-and-spec-disagree",
        Set("destination.connectionSpecId", "e258278b-a4cf-43ac-b158-4fa0ca0d948b"),
        expect=[("destination.connectionSpecId", "does not match type 'Amazon S3'")],
    ),
    case(
        "destination-spec-not-uuid",
        Set("destination.connectionSpecId", "amazon-s3"),
        expect=[("destination.connectionSpecId", "UUID")],
    ),
    case(
        "destination-flow-spec-not-uuid",
        Set("destination.flowSpecId", "upsToS3"),
        expect=[("destination.flowSpecId", "UUID")],
    ),
    case(
        "destination-unknown-field",
        Set("destination.region", "us-east-1"),
        expect=[("destination.region", "not a known field")],
    ),
    case("auth-missing", Delete("destination.auth"), expect=[("destination.auth", "is required")]),
    case(
        "auth-spec-name-missing",
        Delete("destination.auth.specName"),
        expect=[("destination.auth.specName", "is required")],
    ),
    case(
        "auth-spec-name-unknown",
        Set("destination.auth.specName", "Basic"),
        expect=[("destination.auth.specName", "use one of: Access Key")],
    ),
    case(
        "auth-secret-id-missing",
        Delete("destination.auth.secretId"),
        expect=[("destination.auth.secretId", "is required: name the secret")],
    ),
    case(
        "auth-secret-id-space",
        Set("destination.auth.secretId", "my secret"),
        expect=[("destination.auth.secretId", "Secrets Manager secret name")],
    ),
    case(
        "auth-secret-id-too-long",
        Set("destination.auth.secretId", "a" * 513),
        expect=[("destination.auth.secretId", "Secrets Manager secret name")],
    ),
    case(
        "auth-secret-arn-short-account",
        Set("destination.auth.secretId", "arn:aws:secretsmanager:us-east-1:123:secret:s3"),
        expect=[("destination.auth.secretId", "or ARN")],
    ),
    case(
        "auth-params-carried",
        Set("destination.auth.params", {"s3AccessKey": "AKIA", "s3SecretKey": "x"}),
        expect=[("destination.auth.params", USE_A_SECRET)],
    ),
    case(
        "auth-inline-secret-key",
        Set("destination.auth.s3SecretKey", "x"),
        expect=[("destination.auth.s3SecretKey", USE_A_SECRET)],
    ),
    case(
        "auth-inline-username",
        Set("destination.auth.username", "bob"),
        expect=[("destination.auth.username", "belong in the Secrets Manager secret")],
    ),
    case("target-missing", Delete(T), expect=[(T, "is required")]),
    case("target-mode-missing", Delete(f"{T}.mode"), expect=[(f"{T}.mode", "is required")]),
    case(
        "target-mode-unknown",
        Set(f"{T}.mode", "FTP"),
        expect=[(f"{T}.mode", "not a target mode of Amazon S3; use one of: S3")],
    ),
    case(
        "target-bucket-missing",
        Delete(f"{T}.bucketName"),
        expect=[(f"{T}.bucketName", "is required for Amazon S3 target mode S3")],
    ),
    case("target-format-missing", Delete(f"{T}.format"), expect=[(f"{T}.format", "is required")]),
    case(
        "target-format-json",
        Set(f"{T}.format", "JSON"),
        expect=[(f"{T}.format", "must be one of: CSV")],
    ),
    case(
        "target-unknown-param",
        Set(f"{T}.region", "eu-west-1"),
        expect=[(f"{T}.region", "not a param of Amazon S3 target mode S3")],
    ),
    case(
        "target-bucket-invalid",
        Set(f"{T}.bucketName", "Acme_Exports"),
        expect=[(f"{T}.bucketName", "valid S3 bucket name")],
    ),
    case("target-path-empty", Set(f"{T}.path", " "), expect=[(f"{T}.path", "must not be empty")]),
    case("target-path-number", Set(f"{T}.path", 5), expect=[(f"{T}.path", "must be a string")]),
    case(
        "target-carries-password",
        Set(f"{T}.password", "x"),
        expect=[(f"{T}.password", USE_A_SECRET)],
    ),
    case(
        "campaign-s3-auth-ftp-mode",
        Set("destination", _CAMPAIGN),
        Set(f"{T}.mode", "FTP"),
        Delete(f"{T}.bucketName"),
        Delete(f"{T}.path"),
        Set(f"{T}.remotePath", "/in"),
        expect=[(f"{T}.mode", "must be S3 for Adobe Campaign with auth spec 'S3'")],
    ),
    case(
        "campaign-sftp-auth-s3-mode",
        Set("destination", _CAMPAIGN),
        Set("destination.auth.specName", "SFTP with SSH Key"),
        expect=[(f"{T}.mode", "must be FTP for Adobe Campaign")],
    ),
    case(
        "campaign-unknown-auth",
        Set("destination", _CAMPAIGN),
        Set("destination.auth.specName", "Access Key"),
        expect=[("destination.auth.specName", "S3, SFTP with Password, SFTP with SSH Key")],
    ),
    case(
        "data-landing-zone-with-secret",
        Set("destination", _DATA_LANDING_ZONE),
        Set("destination.auth.secretId", "aep/destinations/dlz"),
        expect=[("destination.auth.secretId", "must be left out")],
    ),
    case(
        "new-card-file-type-xml",
        Set("destination", _S3_NEW),
        Set(f"{T}.fileType", "XML"),
        expect=[(f"{T}.fileType", "must be one of: CSV, JSON, PARQUET")],
    ),
    case(
        "new-card-compression-missing",
        Set("destination", _S3_NEW),
        Delete(f"{T}.compression"),
        expect=[(f"{T}.compression", "is required")],
    ),
    case(
        "new-card-legacy-mode",
        Set("destination", _S3_NEW),
        Set(f"{T}.mode", "S3"),
        expect=[(f"{T}.mode", "use one of: Server-to-server")],
    ),
    case(
        "legacy-sftp-new-card-auth-name",
        Set("destination.type", "SFTP"),
        Set("destination.auth.specName", "SFTP with Password"),
        Set(T, {"mode": "FTP", "remotePath": "/out"}),
        expect=[("destination.auth.specName", "Basic Authentication for sftp")],
    ),
    # --- audiences -----------------------------------------------------------------------
    case("audiences-missing", Delete("audiences"), expect=[("audiences", "is required")]),
    case("audiences-empty", Set("audiences", []), expect=[("audiences", "at least one audience")]),
    case("audiences-not-list", Set("audiences", {}), expect=[("audiences", "must be a list")]),
    case("audience-id-missing", Delete(f"{A0}.id"), expect=[(f"{A0}.id", "is required")]),
    case("audience-id-not-uuid", Set(f"{A0}.id", "mountain-bikers"), expect=[(f"{A0}.id", "UUID")]),
    case(
        "audience-id-repeated",
        Copy(f"{A0}.id", f"{A1}.id"),
        expect=[(f"{A1}.id", "repeats audiences.0.id")],
    ),
    case(
        "audience-id-repeated-other-case",
        Set(f"{A1}.id", AUDIENCE_A.upper()),
        expect=[(f"{A1}.id", "repeats audiences.0.id")],
    ),
    case(
        "audience-unknown-field",
        Set(f"{A0}.segmentId", AUDIENCE_A),
        expect=[(f"{A0}.segmentId", "not a known field")],
    ),
    case(
        "audience-name-empty", Set(f"{A0}.name", ""), expect=[(f"{A0}.name", "must not be empty")]
    ),
    case(
        "export-mode-missing",
        Delete(f"{A0}.exportMode"),
        expect=[(f"{A0}.exportMode", "is required")],
    ),
    case(
        "export-mode-unknown",
        Set(f"{A0}.exportMode", "INCREMENTAL"),
        expect=[(f"{A0}.exportMode", "DAILY_FULL_EXPORT or FIRST_FULL_THEN_INCREMENTAL")],
    ),
    case("schedule-missing", Delete(f"{A0}.schedule"), expect=[(f"{A0}.schedule", "is required")]),
    case(
        "schedule-unknown-field",
        Set(f"{S0}.timezone", "UTC"),
        expect=[(f"{S0}.timezone", "not a known field")],
    ),
    case(
        "frequency-missing",
        Delete(f"{S0}.frequency"),
        expect=[(f"{S0}.frequency", "is required")],
    ),
    case(
        "frequency-unknown",
        Set(f"{S0}.frequency", "HOURLY"),
        expect=[(f"{S0}.frequency", "must be one of: ONCE, DAILY, EVERY_3_HOURS")],
    ),
    case(
        "full-export-every-3-hours",
        Set(f"{S0}.frequency", "EVERY_3_HOURS"),
        expect=[
            (f"{S0}.frequency", "ONCE, DAILY, WEEKLY, MONTHLY with exportMode DAILY_FULL_EXPORT")
        ],
    ),
    case(
        "incremental-once",
        Set(f"{S1}.frequency", "ONCE"),
        expect=[(f"{S1}.frequency", "with exportMode FIRST_FULL_THEN_INCREMENTAL")],
    ),
    case(
        "full-export-without-trigger",
        Delete(f"{S0}.triggerType"),
        expect=[(f"{S0}.triggerType", "is required with exportMode DAILY_FULL_EXPORT")],
    ),
    case(
        "trigger-type-unknown",
        Set(f"{S0}.triggerType", "MANUAL"),
        expect=[(f"{S0}.triggerType", "SCHEDULED or AFTER_SEGMENT_EVAL")],
    ),
    case(
        "scheduled-without-start-time",
        Delete(f"{S0}.startTime"),
        expect=[(f"{S0}.startTime", "is required when triggerType is SCHEDULED")],
    ),
    case(
        "after-segment-eval-with-start-time",
        Set(f"{S0}.triggerType", "AFTER_SEGMENT_EVAL"),
        expect=[(f"{S0}.startTime", "must be left out when triggerType is AFTER_SEGMENT_EVAL")],
    ),
    case(
        "incremental-after-segment-eval",
        Set(f"{S1}.triggerType", "AFTER_SEGMENT_EVAL"),
        Delete(f"{S1}.startTime"),
        expect=[(f"{S1}.triggerType", "applies only to exportMode DAILY_FULL_EXPORT")],
    ),
    case(
        "incremental-without-start-time",
        Delete(f"{S1}.triggerType"),
        Delete(f"{S1}.startTime"),
        expect=[(f"{S1}.startTime", "is required with exportMode FIRST_FULL_THEN_INCREMENTAL")],
    ),
    case("start-time-24", Set(f"{S0}.startTime", "24:00"), expect=[(f"{S0}.startTime", "HH:MM")]),
    case(
        "start-time-minute-60",
        Set(f"{S0}.startTime", "17:60"),
        expect=[(f"{S0}.startTime", "HH:MM")],
    ),
    case(
        "start-time-no-colon", Set(f"{S0}.startTime", "1700"), expect=[(f"{S0}.startTime", "HH:MM")]
    ),
    case(
        "start-time-seconds",
        Set(f"{S0}.startTime", "17:00:00"),
        expect=[(f"{S0}.startTime", "HH:MM")],
    ),
    case(
        "start-time-one-digit",
        Set(f"{S0}.startTime", "7:00"),
        expect=[(f"{S0}.startTime", "HH:MM")],
    ),
    case(
        "start-date-missing",
        Delete(f"{S0}.startDate"),
        expect=[(f"{S0}.startDate", "is required")],
    ),
    case(
        "start-date-us-format",
        Set(f"{S0}.startDate", "06/01/2030"),
        expect=[(f"{S0}.startDate", "YYYY-MM-DD")],
    ),
    case(
        "start-date-with-time",
        Set(f"{S0}.startDate", "2030-06-01T00:00:00Z"),
        expect=[(f"{S0}.startDate", "YYYY-MM-DD")],
    ),
    case(
        "start-date-impossible",
        Set(f"{S0}.startDate", "2030-02-30"),
        expect=[(f"{S0}.startDate", "real calendar date")],
    ),
    case(
        "start-date-number",
        Set(f"{S0}.startDate", 1900000000),
        expect=[(f"{S0}.startDate", "YYYY-MM-DD")],
    ),
    case(
        "start-date-in-the-past",
        Set(f"{S0}.startDate", ALWAYS_PAST),
        expect=[(f"{S0}.startDate", "must not be in the past")],
    ),
    case(
        "end-date-before-start-date",
        Set(f"{S0}.endDate", "2030-05-31"),
        expect=[(f"{S0}.endDate", "must not be before startDate")],
    ),
    case(
        "end-date-in-the-past",
        Set(f"{S0}.endDate", ALWAYS_PAST),
        expect=[(f"{S0}.endDate", "must not be in the past")],
    ),
    case(
        "end-date-with-full-export-once",
        Set(f"{S0}.frequency", "ONCE"),
        expect=[(f"{S0}.endDate", "DAILY_FULL_EXPORT and frequency ONCE")],
    ),
    case(
        "template-without-destination-name",
        Set(f"{A0}.filenameTemplate", "%SEGMENT_ID%_%TIMESTAMP%"),
        expect=[(f"{A0}.filenameTemplate", "must contain %DESTINATION_NAME%")],
    ),
    case(
        "template-without-segment-id",
        Set(f"{A0}.filenameTemplate", "%DESTINATION_NAME%_%SEGMENT_NAME%"),
        expect=[(f"{A0}.filenameTemplate", "must contain %SEGMENT_ID%")],
    ),
    case(
        "template-two-time-tokens",
        Set(
            f"{A0}.filenameTemplate",
            "%DESTINATION_NAME%_%SEGMENT_ID%_%TIMESTAMP%_%DATETIME(YYYYMMdd_HHmmss)%",
        ),
        expect=[
            (f"{A0}.filenameTemplate", "only one of %DATETIME(YYYYMMdd_HHmmss)% and %TIMESTAMP%")
        ],
    ),
    case(
        "template-unknown-token",
        Set(f"{A0}.filenameTemplate", "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_DESCRIPTION%"),
        expect=[(f"{A0}.filenameTemplate", "unknown token %SEGMENT_DESCRIPTION%")],
    ),
    case(
        "template-other-datetime-format",
        Set(f"{A0}.filenameTemplate", "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYY)%"),
        expect=[(f"{A0}.filenameTemplate", "unknown token %DATETIME(YYYY)%")],
    ),
    case(
        "template-lone-percent",
        Set(f"{A0}.filenameTemplate", "%DESTINATION_NAME%_%SEGMENT_ID%_100%"),
        expect=[(f"{A0}.filenameTemplate", "does not close a token")],
    ),
    case(
        "template-custom-text-space",
        Set(f"{A0}.filenameTemplate", "%DESTINATION_NAME%_%SEGMENT_ID% summer"),
        expect=[(f"{A0}.filenameTemplate", "custom text may use only")],
    ),
    case(
        "template-custom-text-slash",
        Set(f"{A0}.filenameTemplate", "exports/%DESTINATION_NAME%_%SEGMENT_ID%"),
        expect=[(f"{A0}.filenameTemplate", "custom text may use only")],
    ),
    case(
        "template-repeated-token",
        Set(f"{A0}.filenameTemplate", "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_ID%"),
        expect=[(f"{A0}.filenameTemplate", "uses %SEGMENT_ID% more than once")],
    ),
    # --- profile attributes --------------------------------------------------------------
    case(
        "profile-attributes-missing",
        Delete("profileAttributes"),
        expect=[("profileAttributes", "is required")],
    ),
    case(
        "profile-attributes-empty",
        Set("profileAttributes", []),
        Set("mandatoryFields", []),
        Set("deduplicationKeys", []),
        expect=[("profileAttributes", "at least one profile attribute")],
    ),
    case(
        "profile-attribute-double-dot",
        Set("profileAttributes.1", "person..lastName"),
        expect=[("profileAttributes.1", "XDM path")],
    ),
    case(
        "profile-attribute-leading-digit",
        Set("profileAttributes.1", "1st.name"),
        expect=[("profileAttributes.1", "XDM path")],
    ),
    case(
        "profile-attribute-slash",
        Set("profileAttributes.1", "person/name/lastName"),
        expect=[("profileAttributes.1", "XDM path")],
    ),
    case(
        "profile-attribute-repeated",
        Copy("profileAttributes.0", "profileAttributes.1"),
        expect=[("profileAttributes.1", "repeats profileAttributes.0")],
    ),
    case(
        "profile-attribute-number",
        Set("profileAttributes.1", 7),
        expect=[("profileAttributes.1", "must be a string")],
    ),
    case(
        "mandatory-field-not-an-attribute",
        Set("mandatoryFields", ["homeAddress.city"]),
        expect=[("mandatoryFields.0", "must be one of profileAttributes")],
    ),
    case(
        "mandatory-field-repeated",
        Set("mandatoryFields", ["personalEmail.address", "personalEmail.address"]),
        expect=[("mandatoryFields.1", "repeats mandatoryFields.0")],
    ),
    case(
        "deduplication-key-not-an-attribute",
        Set("deduplicationKeys", ["identityMap.email"]),
        expect=[("deduplicationKeys.0", "must be one of profileAttributes")],
    ),
    case(
        "deduplication-key-bad-path",
        Set("deduplicationKeys", ["personalEmail.address", "email address"]),
        expect=[("deduplicationKeys.1", "XDM path")],
    ),
    # --- resources -----------------------------------------------------------------------
    case(
        "resources-unknown-kind",
        Set("resources", {"flow": {"name": "x"}}),
        expect=[("resources.flow", "not a known field")],
    ),
    case(
        "resource-name-empty",
        Set("resources", {"dataflow": {"name": ""}}),
        expect=[("resources.dataflow.name", "1-256 characters")],
    ),
    case(
        "resource-name-newline",
        Set("resources", {"dataflow": {"name": "summer\nsale"}}),
        expect=[("resources.dataflow.name", "no control characters")],
    ),
    case(
        "resource-description-too-long",
        Set("resources", {"dataflow": {"description": "d" * 1025}}),
        expect=[("resources.dataflow.description", "at most 1024 characters")],
    ),
    case(
        "resource-base-connection-names-collide",
        Set(
            "resources",
            {
                "profileBaseConnection": {"name": "shared"},
                "destinationBaseConnection": {"name": "shared"},
            },
        ),
        expect=[("resources.destinationBaseConnection.name", "must differ")],
    ),
    # --- lifecycle fields ---
    case(
        "operation-unknown",
        Set("operation", "destroy"),
        expect=[("operation", "must be one of: apply, plan or teardown")],
    ),
    case("prune-not-boolean", Set("prune", "yes"), expect=[("prune", "must be true or false")]),
    # --- who may do what: a teardown names the dataflow it deletes; a requester's own id ---
    case(
        "teardown-without-confirm-dataflow-id",
        Set("operation", "teardown"),
        expect=[("confirmDataflowId", "is required for a teardown")],
    ),
    case(
        "teardown-confirm-dataflow-id-not-uuid",
        Set("operation", "teardown"),
        Set("confirmDataflowId", "summer-sale-s3"),
        expect=[("confirmDataflowId", "must be a UUID")],
    ),
    case(
        "teardown-confirm-differs-from-dataflow-id",
        Set("operation", "teardown"),
        Set("dataflowId", "d8a2a5e1-4f8f-4d7e-9d55-7a4c2d0b9e31"),
        Set("confirmDataflowId", "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"),
        expect=[("confirmDataflowId", "must equal dataflowId")],
    ),
    case(
        "confirm-dataflow-id-on-apply",
        Set("confirmDataflowId", "d8a2a5e1-4f8f-4d7e-9d55-7a4c2d0b9e31"),
        expect=[("confirmDataflowId", "applies only to operation teardown")],
    ),
    case(
        "request-id-with-spaces",
        Set("requestId", "order 42"),
        expect=[("requestId", "must be 1-128 letters")],
    ),
    case(
        "request-id-too-long",
        Set("requestId", "r" * 129),
        expect=[("requestId", "must be 1-128 letters")],
    ),
    case(
        "dataflow-state-unknown",
        Set("dataflowState", "paused"),
        expect=[("dataflowState", "must be one of: enabled or disabled")],
    ),
    case(
        "wait-for-first-run-without-timeout",
        Set("waitForFirstRun", {}),
        expect=[("waitForFirstRun.timeoutMinutes", "is required")],
    ),
    case(
        "wait-for-first-run-zero-minutes",
        Set("waitForFirstRun", {"timeoutMinutes": 0}),
        expect=[("waitForFirstRun.timeoutMinutes", "must be at least 1")],
    ),
    case(
        "wait-for-first-run-over-a-day",
        Set("waitForFirstRun", {"timeoutMinutes": 1441}),
        expect=[("waitForFirstRun.timeoutMinutes", "must be at most 1440")],
    ),
    case(
        "wait-for-first-run-minutes-as-text",
        Set("waitForFirstRun", {"timeoutMinutes": "5"}),
        expect=[("waitForFirstRun.timeoutMinutes", "must be a whole number")],
    ),
)
