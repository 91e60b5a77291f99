"""Validate Data Prep ("conversion") traffic against Adobe's published mapping-set contract.

The contract is ``tests/contract/adobe/data-prep.openapi.yaml``: an excerpt of Adobe's
``data-prep.yaml`` (Apache-2.0, provenance in its header) plus the project's description of
``/schemas``, which Adobe documents in a guide but not in the OpenAPI file.

Errata (each proven on the untouched excerpt by ``test_conversion_contract.py``):

- ``createdDate``/``modifiedDate`` are declared ``string``/``date-time`` but every example of
  the same file (and of the tutorials) shows epoch milliseconds (``1614901254724``). The
  project follows the examples: integers are accepted.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI

from local.emulator import RecordedRequest
from tests.contract.openapi_contract import (
    ContractRequest,
    ContractViolation,
    describe,
    record_response,
)
from tests.contract.openapi_contract import make_request as _flow_request

SPEC_FILE = Path(__file__).resolve().parent / "adobe" / "data-prep.openapi.yaml"
CONVERSION_BASE = "/data/foundation/conversion"
_DATES = ("createdDate", "modifiedDate")


@functools.cache
def raw_spec() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def _epoch_millis_dates(spec: dict[str, Any]) -> None:
    for schema in spec["components"]["schemas"].values():
        properties = schema.get("properties") or {}
        for name in _DATES:
            if name in properties:
                properties[name] = {"oneOf": [properties[name], {"type": "integer"}]}


ERRATA: tuple[Callable[[dict[str, Any]], None], ...] = (_epoch_millis_dates,)


@functools.cache
def openapi(corrected: bool = True) -> OpenAPI:
    spec = copy.deepcopy(raw_spec())
    if corrected:
        for erratum in ERRATA:
            erratum(spec)
    return OpenAPI.from_dict(spec)


def covered(record: RecordedRequest) -> bool:
    return record.path.startswith(CONVERSION_BASE + "/")


def make_request(record: RecordedRequest) -> ContractRequest:
    body = None if record.body is None else json.dumps(record.body).encode("utf-8")
    request = _flow_request(
        record.method,
        "/",
        query=[(k, v) for k, values in record.query.items() for v in values],
        headers=record.headers.items(),
        body=body,
    )
    request.path = record.path
    return request


def exchange_errors(record: RecordedRequest, *, corrected: bool = True) -> list[str]:
    spec = openapi(corrected)
    request = make_request(record)
    errors = describe(spec.request_validator.iter_errors(request))
    errors += describe(spec.response_validator.iter_errors(request, record_response(record)))
    return errors


def validate_recorded_exchange(record: RecordedRequest) -> None:
    errors = exchange_errors(record)
    if errors:
        raise ContractViolation(
            f"{record.method} {record.path} breaks the Data Prep contract:\n" + "\n".join(errors)
        )
