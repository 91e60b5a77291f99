"""Every request the emulator answered (or dropped), with secrets redacted, for tests to read."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs

from local.emulator import masking
from local.emulator.faults import FLOW_SERVICE_BASE


@dataclass(frozen=True)
class RecordedRequest:
    """One request. ``status`` is None when the connection was reset instead of answered.

    ``headers`` has ``Authorization`` redacted; ``body`` is the parsed JSON or form body with
    ``client_secret``, tokens and every auth param redacted; ``response_body`` likewise.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None
    request_id: str
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    fault: str | None = None
    timestamp: float = field(default_factory=time.time)
    received_at: float | None = None
    """When the request arrived (``timestamp`` is when it was answered): with both, overlapping
    calls can be told from dependent ones."""

    @property
    def relative_path(self) -> str:
        """The path below the Flow Service base (``/flows/{id}``), else the full path."""
        if self.path.startswith(FLOW_SERVICE_BASE):
            return self.path[len(FLOW_SERVICE_BASE) :] or "/"
        return self.path

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_body(raw: bytes, content_type: str) -> Any:
    """The body as data (JSON, form, or text when neither), secrets redacted."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if content_type == "application/x-www-form-urlencoded":
        form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        return masking.redact(form)
    try:
        return masking.redact(json.loads(text))
    except json.JSONDecodeError:
        return "<unparsed body>"


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []

    def add(self, record: RecordedRequest) -> None:
        with self._lock:
            self._records.append(record)

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
