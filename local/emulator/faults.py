"""Fault injection: make the next N matching requests fail the way networks and Adobe fail.

A fault matches on method (``"*"`` for any) and path. The path pattern is a glob
(``/flows``, ``/flows/*``) unless it starts with ``^``, then it is a regular expression
(``re.search``). It is tried against the full path and against the path relative to the
Flow Service base, so ``/flows`` matches ``/data/foundation/flowservice/flows``. IMS
(``/ims/token/v3``) takes faults too. ``times=None`` keeps the fault until cleared.
``contains`` narrows a fault to requests whose decoded query string or body holds that text:
two calls on one path (the finds of the two base connections, say) can then be told apart.

Kinds:
- ``status``: answer ``status`` with an Adobe-shaped body (or ``body``), ``Retry-After``
  when ``retry_after`` is set; nothing is applied.
- ``garbage``: 200 with a body that is not JSON although it says so; nothing is applied.
- ``latency``: wait ``delay`` seconds, then handle the request normally.
- ``reset``: read the request, apply nothing, reset the TCP connection (RST, no answer).
- ``apply_then_reset``: handle the request (the write IS applied), then reset the connection
  instead of answering: the ambiguous failure a retry must survive.
- ``apply_late``: hold the answer ``hold`` seconds (longer than the client's read timeout
  makes it time out), then reset the connection without answering, and apply the write
  ``delay`` seconds after that: Adobe applying a create after the client gave up.
- ``truncated``: handle the request (the write IS applied), then send its real status with
  the first half of its real JSON body: an answer cut off on the way.
- ``bump_etag``: before handling, give the flow in the path a new etag, as a concurrent
  editor would; the request then meets a stale ``If-Match``.
- ``edit_flow``: before handling, apply ``body`` (a JSON Patch) to the flow in the path and
  give it a new etag: a person editing the same flow in the UI at that moment.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Final

FLOW_SERVICE_BASE: Final = "/data/foundation/flowservice"
CONVERSION_BASE: Final = "/data/foundation/conversion"
DEFAULT_GARBAGE: Final = '{"items": [{"id": "'


class FaultKind(StrEnum):
    STATUS = "status"
    GARBAGE = "garbage"
    LATENCY = "latency"
    RESET = "reset"
    APPLY_THEN_RESET = "apply_then_reset"
    APPLY_LATE = "apply_late"
    TRUNCATED = "truncated"
    BUMP_ETAG = "bump_etag"
    EDIT_FLOW = "edit_flow"


@dataclass
class Fault:
    kind: FaultKind
    method: str = "*"
    path: str = "*"
    times: int | None = 1
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    body: Any = None
    hold: float = 0.0
    contains: str | None = None
    hits: int = 0
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        if self.kind is FaultKind.STATUS and self.status is None:
            raise ValueError("a status fault needs a status")
        if self.kind is FaultKind.EDIT_FLOW and not isinstance(self.body, list):
            raise ValueError("an edit_flow fault needs a JSON Patch (a list) as its body")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        if self.path.startswith("^"):
            re.compile(self.path)

    # --- constructors -------------------------------------------------------------------

    @classmethod
    def status_code(
        cls,
        status: int,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        retry_after: float | str | None = None,
        body: Any = None,
        contains: str | None = None,
    ) -> Fault:
        retry = None if retry_after is None else _header_number(retry_after)
        return cls(
            FaultKind.STATUS, method, path, times, status, retry, body=body, contains=contains
        )

    @classmethod
    def garbage(
        cls,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        body: str | None = None,
        contains: str | None = None,
    ) -> Fault:
        return cls(FaultKind.GARBAGE, method, path, times, body=body, contains=contains)

    @classmethod
    def latency(
        cls,
        seconds: float,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        contains: str | None = None,
    ) -> Fault:
        return cls(FaultKind.LATENCY, method, path, times, delay=seconds, contains=contains)

    @classmethod
    def reset(
        cls,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        contains: str | None = None,
    ) -> Fault:
        return cls(FaultKind.RESET, method, path, times, contains=contains)

    @classmethod
    def apply_then_reset(
        cls,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        contains: str | None = None,
    ) -> Fault:
        return cls(FaultKind.APPLY_THEN_RESET, method, path, times, contains=contains)

    @classmethod
    def truncated(
        cls,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        contains: str | None = None,
    ) -> Fault:
        return cls(FaultKind.TRUNCATED, method, path, times, contains=contains)

    @classmethod
    def apply_late(
        cls,
        seconds: float,
        *,
        hold: float = 0.0,
        method: str = "*",
        path: str = "*",
        times: int | None = 1,
        contains: str | None = None,
    ) -> Fault:
        return cls(
            FaultKind.APPLY_LATE,
            method,
            path,
            times,
            delay=seconds,
            hold=hold,
            contains=contains,
        )

    @classmethod
    def bump_etag(
        cls, *, method: str = "PATCH", path: str = "/flows/*", times: int | None = 1
    ) -> Fault:
        return cls(FaultKind.BUMP_ETAG, method, path, times)

    @classmethod
    def edit_flow(
        cls,
        operations: list[dict[str, Any]],
        *,
        method: str = "PATCH",
        path: str = "/flows/*",
        times: int | None = 1,
    ) -> Fault:
        return cls(FaultKind.EDIT_FLOW, method, path, times, body=operations)

    # --- matching and (de)serialisation ---------------------------------------------------

    def matches(self, method: str, path: str, query: str = "", body: str = "") -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self.contains is not None and self.contains not in query and self.contains not in body:
            return False
        candidates = [path]
        if path.startswith(FLOW_SERVICE_BASE):
            candidates.append(path[len(FLOW_SERVICE_BASE) :] or "/")
        if self.path.startswith("^"):
            return any(re.search(self.path, candidate) for candidate in candidates)
        return any(fnmatch.fnmatchcase(candidate, self.path) for candidate in candidates)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from the admin API's JSON (camelCase or snake_case keys)."""
        aliases = {
            "retryAfter": "retry_after",
            "delaySeconds": "delay",
            "seconds": "delay",
            "holdSeconds": "hold",
        }
        fields = {aliases.get(key, key): value for key, value in data.items()}
        fields.pop("hits", None)
        fields.pop("id", None)
        if fields.get("retry_after") is not None:
            fields["retry_after"] = _header_number(fields["retry_after"])
        return cls(**fields)


def _header_number(value: float | str) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FaultRegistry:
    """Pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, query: str = "", body: str = "") -> Fault | None:
        """The first fault matching this request, counted as used (removed when spent).
        ``query`` is the decoded query string, ``body`` the decoded body."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, query, body):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return fault
            return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
