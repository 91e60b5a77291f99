"""Validate Flow Service traffic against Adobe's published OpenAPI contracts.

Two files in ``tests/contract/adobe/`` (Adobe's published contracts, vendored as published
under Adobe's Apache-2.0 licence, ``LICENSE`` beside them) describe the API: ``destinations.openapi.yaml`` (connections,
source/target connections, flows, runs) and ``flow-service.openapi.yaml`` (the only one with
``/connectionSpecs`` and ``/flowSpecs``). Both are read, never edited; the checks here run
openapi-core against an in-memory copy with the errata of ``errata.py`` applied.

Each erratum fixes one place where the spec contradicts its own examples, Adobe's Flow Service
tutorial or itself (``tests/contract/test_spec_errata.py`` proves each contradiction on the untouched
spec, so an erratum that Adobe fixes shows up as a failing test). Everything else is checked
as published.

Server URLs: requests to the emulator are validated as if sent to
``https://platform.adobe.io/data/foundation/flowservice`` (the spec's server); only the path
below the Flow Service base matters.

Public helpers, for the emulator's tests and for the project's own client tests:

- :func:`validate_recorded_request` / :func:`validate_recorded_response` /
  :func:`validate_recorded_exchange` take a :class:`local.emulator.RecordedRequest`;
- :func:`validate_response` takes a ``requests.Response``;
- :func:`request_errors` / :func:`response_errors` return the problems instead of raising.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from local.emulator import RecordedRequest
from tests.contract.errata import ERRATA, SpecName

ADOBE_SPECS = Path(__file__).resolve().parent / "adobe"
ADOBE_HOST = "https://platform.adobe.io"
FLOW_SERVICE_BASE = "/data/foundation/flowservice"
# Paths only flow-service.openapi.yaml covers; everything else is the destinations side.
FLOW_SERVICE_ONLY = ("/connectionSpecs", "/flowSpecs")
_FLOW_ACTION = re.compile(r"/flows/[^/]+/action/?")
# The destinations spec has no PATCH on a target connection; the Flow Service spec has.
_TARGET_CONNECTION = re.compile(r"/targetConnections/[^/]+/?")


class ContractViolation(AssertionError):
    """A request or response that breaks the (corrected) published contract."""


@functools.cache
def raw_spec(name: SpecName) -> dict[str, Any]:
    """The published spec, parsed (do not mutate: it is shared)."""
    with (ADOBE_SPECS / f"{name}.openapi.yaml").open(encoding="utf-8") as handle:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is much faster
        loaded: dict[str, Any] = yaml.load(handle, Loader=loader)
    return loaded


@functools.cache
def corrected_spec(name: SpecName) -> dict[str, Any]:
    spec = copy.deepcopy(raw_spec(name))
    for erratum in ERRATA:
        if erratum.spec == name:
            erratum.apply(spec)
    return spec


@functools.cache
def openapi(name: SpecName, corrected: bool = True) -> OpenAPI:
    return OpenAPI.from_dict(corrected_spec(name) if corrected else copy.deepcopy(raw_spec(name)))


def spec_for(relative_path: str, method: str = "GET") -> SpecName:
    if relative_path.startswith(FLOW_SERVICE_ONLY) or _FLOW_ACTION.fullmatch(relative_path):
        return "flow-service"
    if method.upper() == "PATCH" and _TARGET_CONNECTION.fullmatch(relative_path):
        return "flow-service"
    return "destinations"


def relative(path: str) -> str:
    if path.startswith(FLOW_SERVICE_BASE):
        return path[len(FLOW_SERVICE_BASE) :] or "/"
    return path


def covered(record: RecordedRequest) -> bool:
    """Whether the specs describe this call (IMS and the emulator's admin API are not)."""
    return record.path.startswith(FLOW_SERVICE_BASE)


# --- openapi-core adapters ---------------------------------------------------------------


@dataclass
class ContractRequest:
    """openapi-core's Request protocol, for a call re-addressed to Adobe's server."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None


@dataclass
class ContractResponse:
    status_code: int
    headers: Headers
    content_type: str
    data: bytes | None


def make_request(
    method: str,
    path: str,
    *,
    query: Iterable[tuple[str, str]] = (),
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | None = None,
) -> ContractRequest:
    """``path`` is the full path (``/data/foundation/flowservice/flows``) or the part below it."""
    full = path if path.startswith(FLOW_SERVICE_BASE) else FLOW_SERVICE_BASE + path
    header_list = list(headers)
    content_type = next((v for k, v in header_list if k.lower() == "content-type"), "")
    return ContractRequest(
        host_url=ADOBE_HOST,
        path=full,
        method=method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(query)), header=Headers(header_list)
        ),
        content_type=content_type.lower(),
        body=body,
    )


def make_response(
    status: int, headers: Iterable[tuple[str, str]], data: bytes | None
) -> ContractResponse:
    header_list = list(headers)
    content_type = next((v for k, v in header_list if k.lower() == "content-type"), "")
    return ContractResponse(
        status, Headers(header_list), content_type.lower() if data else "", data
    )


def describe(errors: Iterable[BaseException]) -> list[str]:
    """Readable lines for openapi-core errors, down to the JSON Schema leaf errors."""
    lines: list[str] = []
    for error in errors:
        lines.append(f"{type(error).__name__}: {_short(str(error))}")
        for cause in _causes(error):
            for schema_error in getattr(cause, "schema_errors", []) or []:
                lines.extend(_schema_lines(schema_error, "  "))
    return lines


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _schema_lines(error: Any, indent: str) -> list[str]:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    lines = [f"{indent}{where}: {error.validator}: {_short(error.message)}"]
    for sub in list(error.context or [])[:12]:
        lines.extend(_schema_lines(sub, indent + "  "))
    return lines


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- checks -------------------------------------------------------------------------------


def request_errors(request: ContractRequest, *, corrected: bool = True) -> list[str]:
    spec = openapi(spec_for(relative(request.path), request.method), corrected)
    return describe(spec.request_validator.iter_errors(request))


def response_errors(
    request: ContractRequest, response: ContractResponse, *, corrected: bool = True
) -> list[str]:
    spec = openapi(spec_for(relative(request.path), request.method), corrected)
    return describe(spec.response_validator.iter_errors(request, response))


def _raise(kind: str, method: str, path: str, errors: list[str]) -> None:
    if errors:
        raise ContractViolation(
            f"{kind} {method.upper()} {path} breaks the contract:\n" + "\n".join(errors)
        )


def record_request(record: RecordedRequest) -> ContractRequest:
    """A recorded request (secrets already redacted) in openapi-core's terms."""
    body = None if record.body is None else json.dumps(record.body).encode("utf-8")
    return make_request(
        record.method,
        record.path,
        query=[(k, v) for k, values in record.query.items() for v in values],
        headers=record.headers.items(),
        body=body,
    )


def record_response(record: RecordedRequest) -> ContractResponse:
    if record.status is None:
        raise ContractViolation(f"{record.method} {record.path}: no response (connection reset)")
    body = record.response_body
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    return make_response(record.status, record.response_headers.items(), data)


def validate_recorded_request(record: RecordedRequest) -> None:
    """Raise :class:`ContractViolation` if a request the emulator recorded breaks the spec."""
    if not covered(record):
        raise ValueError(f"{record.path} is not described by Adobe's Flow Service specs")
    _raise("request", record.method, record.path, request_errors(record_request(record)))


def validate_recorded_response(record: RecordedRequest) -> None:
    if not covered(record):
        raise ValueError(f"{record.path} is not described by Adobe's Flow Service specs")
    errors = response_errors(record_request(record), record_response(record))
    _raise("response to", record.method, record.path, errors)


def validate_recorded_exchange(record: RecordedRequest) -> None:
    validate_recorded_request(record)
    validate_recorded_response(record)


def validate_response(answer: requests.Response) -> None:
    """Validate a live ``requests`` answer (and the request that produced it)."""
    prepared = answer.request
    url = urlsplit(prepared.url or "")
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    request = make_request(
        prepared.method or "GET",
        url.path,
        query=parse_qsl(url.query, keep_blank_values=True),
        headers=prepared.headers.items(),
        body=body,
    )
    response = make_response(answer.status_code, answer.headers.items(), answer.content or None)
    _raise("response to", request.method, url.path, response_errors(request, response))
