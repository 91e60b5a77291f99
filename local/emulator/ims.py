"""Adobe IMS, the part this project talks to: ``POST /ims/token/v3`` (OAuth server-to-server).

Client credentials travel in a form body, never in the query string; the token is opaque and
lives ``expires_in`` seconds (or until :meth:`TokenRegistry.expire_all`). No refresh token.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

from local.emulator import errors
from local.emulator.exchange import Call, Reply

TOKEN_PATH: Final = "/ims/token/v3"
DEFAULT_EXPIRES_IN: Final = 86399
DEFAULT_SCOPES: Final = (
    "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
)
FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
_CREDENTIAL_FIELDS: Final = ("client_id", "client_secret")


@dataclass(frozen=True)
class ImsClient:
    """An OAuth server-to-server credential, as the Developer Console shows it."""

    client_id: str
    client_secret: str = field(repr=False)
    org_id: str

    def credentials(self, scopes: str = DEFAULT_SCOPES) -> dict[str, str]:
        """The JSON the project keeps in its Adobe credentials secret (docs/internals.md)."""
        return {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "orgId": self.org_id,
            "scopes": scopes,
        }


DEFAULT_CLIENT: Final = ImsClient(
    client_id="local-client-id",
    client_secret="local-client-secret",
    org_id="LOCALORG0000000000000000@AdobeOrg",
)


@dataclass
class IssuedToken:
    client: ImsClient
    expires_at: float
    revoked: bool = False

    @property
    def expired(self) -> bool:
        return self.revoked or time.monotonic() >= self.expires_at


class TokenRegistry:
    """Known clients and the tokens handed out to them."""

    def __init__(self, expires_in: int = DEFAULT_EXPIRES_IN) -> None:
        self.expires_in = expires_in
        self._lock = threading.Lock()
        self._clients: dict[str, ImsClient] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self.reset_clients()

    def reset_clients(self) -> None:
        with self._lock:
            self._clients = {DEFAULT_CLIENT.client_id: DEFAULT_CLIENT}

    def register(self, client: ImsClient) -> ImsClient:
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def client(self, client_id: str) -> ImsClient | None:
        with self._lock:
            return self._clients.get(client_id)

    def issue(self, client: ImsClient) -> tuple[str, int]:
        token = "emu-" + secrets.token_urlsafe(32)
        expires_in = self.expires_in
        with self._lock:
            self._tokens[token] = IssuedToken(client, time.monotonic() + expires_in)
        return token, expires_in

    def lookup(self, token: str) -> IssuedToken | None:
        with self._lock:
            return self._tokens.get(token)

    def issued(self) -> list[str]:
        """Every token handed out so far (for tests that prove none of them leaked)."""
        with self._lock:
            return list(self._tokens)

    def expire_all(self) -> int:
        """Expire every token handed out so far; clients must fetch a new one."""
        with self._lock:
            for issued in self._tokens.values():
                issued.revoked = True
            return len(self._tokens)


def handle_token(call: Call, registry: TokenRegistry) -> Reply:
    """``POST /ims/token/v3``: answer ``{access_token, token_type, expires_in}`` or an OAuth error."""
    if any(name in call.query for name in _CREDENTIAL_FIELDS):
        raise errors.ims_error(
            400,
            "invalid_request",
            "client credentials must be sent in the request body, not in the query string",
        )
    if call.content_type != FORM_CONTENT_TYPE:
        raise errors.ims_error(400, "invalid_request", f"Content-Type must be {FORM_CONTENT_TYPE}")
    form = _parse_form(call.body)
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise errors.ims_error(400, "invalid_request", "missing grant_type parameter")
    if grant_type != "client_credentials":
        raise errors.ims_error(400, "unsupported_grant_type", "grant_type is not supported")
    client_id = form.get("client_id")
    if not client_id:
        raise errors.ims_error(400, "invalid_request", "missing client_id parameter")
    client = registry.client(client_id)
    if client is None:
        raise errors.ims_error(400, "invalid_client", "invalid client_id parameter")
    supplied_secret = form.get("client_secret", "")
    if not secrets.compare_digest(supplied_secret.encode(), client.client_secret.encode()):
        raise errors.ims_error(401, "invalid_client", "invalid client_secret parameter")
    if not form.get("scope"):
        raise errors.ims_error(400, "invalid_scope", "missing scope parameter")
    token, expires_in = registry.issue(client)
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
    }
    return Reply(200, body)


def _parse_form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise errors.ims_error(400, "invalid_request", "body is not valid form data") from None
    return {name: values[-1] for name, values in parsed.items()}
