"""What a handler receives (:class:`Call`) and returns (:class:`Reply`), free of HTTP plumbing."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from local.emulator import errors


@dataclass(frozen=True)
class Tenant:
    """Resources live per IMS org and sandbox; nothing crosses from one tenant to another."""

    org: str
    sandbox: str


@dataclass
class Call:
    """One HTTP request, parsed. ``headers`` keys are lower-case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    request_id: str
    route_params: dict[str, str] = field(default_factory=dict)
    received_at: float = field(default_factory=time.time)
    tenant: Tenant | None = None
    client_id: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def query_all(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON; a 400 in Flow Service's shape when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise errors.bad_request(
                errors.INVALID_BODY,
                f"Unable to parse the request body as JSON: {exc.__class__.__name__}",
                self.request_id,
            ) from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise errors.bad_request(
                errors.INVALID_BODY, "The request body must be a JSON object.", self.request_id
            )
        return body

    @property
    def require_tenant(self) -> Tenant:
        if self.tenant is None:  # the gateway always sets it before a Flow Service handler
            raise RuntimeError("call has no tenant")
        return self.tenant


@dataclass
class Reply:
    """An answer: JSON ``body`` (or ``raw`` bytes), status and extra headers."""

    status: int
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body).encode("utf-8")
