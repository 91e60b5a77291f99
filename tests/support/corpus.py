"""The invalid-request corpus and the valid request it is made from.

Every invalid request is a JSON file under ``tests/reliability/invalid_requests/``, the one
place it is kept: ``id`` (the file's name), the whole ``request``, and ``errors``, every error
the request must produce, each an exact field ``path`` and a phrase of its ``rule``. Each is
:func:`valid_request` with a mistake or two. The model's tests parse every file; the
reliability suite sends every file through the console, EventBridge and SQS. A new case is a
new file.

Dates in the corpus are chosen so that every case is invalid (and the base valid) whatever
the real date is, from 2026 to 2029: past dates are in 2020, future ones in 2030.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from aep_activation.errors import InvalidActivationRequest
from aep_activation.request import parse_activation_request

TODAY = date(2026, 1, 15)
"""The "today" the model tests validate against: results never depend on the real date."""

FILES = Path(__file__).resolve().parents[1] / "reliability" / "invalid_requests"

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


def refusals(data: Any, today: date = TODAY) -> list[dict[str, str]]:
    """The errors (``path``, ``message``) the model refuses ``data`` with; it must refuse it."""
    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(data, today=today)
    return caught.value.errors


@dataclass(frozen=True)
class BadRequest:
    id: str
    request: Any
    errors: tuple[tuple[str, str], ...]
    """(exact field path, phrase of the rule's message) for every error it must produce."""


def load_cases() -> list[BadRequest]:
    """Every file of the corpus, in the order of their names."""
    cases = []
    for path in sorted(FILES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        errors = tuple((e["path"], e["rule"]) for e in document["errors"])
        cases.append(BadRequest(document["id"], document["request"], errors))
    return cases
