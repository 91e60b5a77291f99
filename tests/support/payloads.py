"""Flow Service request bodies from Adobe's tutorial for a legacy card (Amazon S3, with the
Profile Store as source), the one copy the tests build Adobe calls from: the client's tests
send them through the project's client, the emulator's and the contract tests over plain HTTP.

Names and descriptions are defaults a test may override; ids are Adobe's.
"""

from __future__ import annotations

import copy
from typing import Any

PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
AMAZON_S3 = "4890fc95-5a1f-4983-94bb-e060c08e3f81"
AMAZON_S3_NEW = "4fce964d-3f37-408f-9778-e597338a21ee"
DATA_LAKE = "23598e46-f560-407b-88d5-ea6207e49db0"
FILE_STORAGE_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"
S3_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
S3_SECRET_KEY = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12"  # 40 chars, as the spec wants
SEGMENT_ID = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"
FILENAME_TEMPLATE = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"


def spec_ref(spec_id: str) -> dict[str, str]:
    return {"id": spec_id, "version": "1.0"}


def profile_base(name: str = "profile base") -> dict[str, Any]:
    return {"name": name, "connectionSpec": spec_ref(PROFILE_STORE)}


def profile_source(base_id: str, name: str = "profile source") -> dict[str, Any]:
    return {
        "name": name,
        "description": "Connecting to Profile Store",
        "connectionSpec": spec_ref(PROFILE_STORE),
        "baseConnectionId": base_id,
        "data": {"format": "CSV", "schema": None},
        "params": {},
    }


def s3_base(name: str = "s3 base", secret_key: str = S3_SECRET_KEY) -> dict[str, Any]:
    return {
        "name": name,
        "description": "summer advertising campaign",
        "connectionSpec": spec_ref(AMAZON_S3),
        "auth": {
            "specName": "Access Key",
            "params": {"s3AccessKey": S3_ACCESS_KEY, "s3SecretKey": secret_key},
        },
    }


def s3_target(base_id: str, name: str = "s3 target") -> dict[str, Any]:
    return {
        "name": name,
        "description": "Connection to Amazon S3",
        "baseConnectionId": base_id,
        "connectionSpec": spec_ref(AMAZON_S3),
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {
            "mode": "S3",
            "bucketName": "acme-exports",
            "path": "aep/summer",
            "format": "CSV",
        },
    }


def flow(
    source_id: str,
    target_id: str,
    flow_spec_id: str = FILE_STORAGE_FLOW_SPEC,
    name: str = "s3 flow",
) -> dict[str, Any]:
    return {
        "name": name,
        "description": "activate audiences to S3",
        "flowSpec": spec_ref(flow_spec_id),
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "transformations": [
            {
                "name": "GeneralTransform",
                "params": {
                    "segmentSelectors": {"selectors": []},
                    "profileSelectors": {"selectors": []},
                },
            }
        ],
    }


def new_card_transform() -> dict[str, Any]:
    """The one transformation a new card's segment flow is created with (file-based guide):
    empty mandatory and primary fields, no mapping set yet, no audience yet."""
    return {
        "name": "GeneralTransform",
        "params": {
            "mandatoryFields": [],
            "primaryFields": [],
            "profileMapping": {},
            "segmentSelectors": {"selectors": []},
        },
    }


def segment_value(segment_id: str = SEGMENT_ID, **overrides: Any) -> dict[str, Any]:
    """An audience's selector value; ``schedule`` overrides are merged into the default one."""
    value: dict[str, Any] = {
        "name": "Interested in Mountain Biking",
        "description": "Segment description",
        "id": segment_id,
        "filenameTemplate": FILENAME_TEMPLATE,
        "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {
            "frequency": "ONCE",
            "triggerType": "SCHEDULED",
            "startDate": "2021-12-20",
            "startTime": "17:00",
        },
    }
    for key, item in overrides.items():
        if key == "schedule":
            value["schedule"] = {**value["schedule"], **item}
        else:
            value[key] = item
    return value


def add_segment(value: dict[str, Any] | None = None) -> dict[str, Any]:
    """The PATCH operation adding an audience (:func:`segment_value`'s unless given)."""
    return {
        "op": "add",
        "path": "/transformations/0/params/segmentSelectors/selectors/-",
        "value": {
            "type": "PLATFORM_SEGMENT",
            "value": segment_value() if value is None else copy.deepcopy(value),
        },
    }


def add_attribute(path: str = "person.name.firstName") -> dict[str, Any]:
    return {
        "op": "add",
        "path": "/transformations/0/params/profileSelectors/selectors/-",
        "value": {"type": "JSON_PATH", "value": {"path": path}},
    }


def bad_request(detail: str, **more: Any) -> dict[str, Any]:
    """Flow Service's 400 answer (problem details) saying ``detail``, with ``more`` fields."""
    return {
        "type": "https://ns.adobe.com/aep/errors/FLOW-1000-400",
        "title": "Bad Request",
        "status": 400,
        "detail": detail,
        **more,
    }
