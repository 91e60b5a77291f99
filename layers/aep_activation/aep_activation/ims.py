"""Adobe IMS OAuth server-to-server access tokens: fetched once, cached, refreshed early.

``POST {ims_url}/ims/token/v3`` with a form body (``grant_type=client_credentials``,
``client_id``, ``client_secret``, ``scope``); never in the query string, where proxies and
access logs would keep it. There is no refresh token: a new token is fetched a margin before
the old one expires. Tokens live in a process-wide cache, so warm Lambda invocations reuse them,
and, given a :class:`SharedTokenStore`, in a Secrets Manager secret the stack owns, so every
function of an activation uses the token the first one fetched (one fetch per activation, none
while a valid token exists). The token is never in Step Functions state, history or logs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from aws_lambda_powertools import Logger

from aep_activation.credentials import AdobeCredentials
from aep_activation.errors import (
    AuthenticationFailed,
    FlowServiceRejected,
    FlowServiceThrottled,
    FlowServiceUnavailable,
    SecretUnavailable,
)
from aep_activation.http import (
    DEFAULT_TIMEOUT,
    Timeout,
    error_details,
    json_body,
    parse_retry_after,
    send,
    shared_session,
)

logger = Logger(service="aep-activation", child=True)

TOKEN_PATH = "/ims/token/v3"
DEFAULT_REFRESH_MARGIN_SECONDS = 600.0
_SERVICE = "Adobe IMS"


@dataclass(frozen=True)
class _CachedToken:
    value: str
    refresh_at: float

    def __repr__(self) -> str:
        return f"_CachedToken(value='***', refresh_at={self.refresh_at})"


class TokenCache:
    """Tokens per (IMS URL, client id, org, scopes); thread-safe, values never shown."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, ...], _CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> _CachedToken | None:
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: tuple[str, ...], token: _CachedToken) -> None:
        with self._lock:
            self._tokens[key] = token

    def drop(self, key: tuple[str, ...], value: str | None = None) -> None:
        """Forget the key's token; with ``value``, only if it is still that token."""
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and (value is None or cached.value == value):
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def __repr__(self) -> str:
        return f"TokenCache({len(self._tokens)} token(s))"


SHARED_TOKEN_CACHE = TokenCache()
"""The process-wide cache every TokenProvider uses unless given another."""


SHARED_TOKEN_MAX_AGE = 300
"""Seconds a function may reuse its cached read of the shared token (expiry is checked anyway)."""


class SharedTokenStore:
    """The token shared by every function, in a JSON secret:
    ``{"key": <digest of IMS URL, client id, org, scopes>, "accessToken", "refreshAt": <epoch>}``.

    Written only by a function that fetched a token; read through the secrets cache
    (:mod:`aep_activation.secrets`). A store that cannot be read or written only costs a token fetch: it never fails a step.
    """

    def __init__(
        self,
        secret_name: str,
        *,
        read: Callable[..., dict[str, Any]] | None = None,
        write: Callable[[str, dict[str, Any]], None] | None = None,
        is_cached: Callable[[str], bool] | None = None,
    ) -> None:
        from aep_activation.secrets import get_json_secret, put_json_secret
        from aep_activation.secrets import is_cached as secret_is_cached

        self._name = secret_name
        self._read = read or get_json_secret
        self._write = write or put_json_secret
        self._is_cached = is_cached or secret_is_cached

    def __repr__(self) -> str:
        return f"SharedTokenStore({self._name!r})"

    def reads(self) -> tuple[bool, ...]:
        """The reads worth making, as ``fresh`` flags: the container's cached read, then one
        from Secrets Manager if that is unusable; only the latter when nothing is cached (a
        cold container), as the cached read would fetch the same version."""
        return (False, True) if self._is_cached(self._name) else (True,)

    def load(self, key: tuple[str, ...], *, fresh: bool) -> tuple[str, float] | None:
        """The shared token for ``key`` and the wall-clock time to refresh it, if any."""
        try:
            value = self._read(self._name, max_age=SHARED_TOKEN_MAX_AGE, force_fetch=fresh)
        except SecretUnavailable as exc:
            logger.warning("shared IMS token unreadable", extra={"reason": exc.message})
            return None
        token, refresh_at = value.get("accessToken"), value.get("refreshAt")
        if value.get("key") != _digest(key) or not isinstance(token, str) or not token:
            return None
        if not isinstance(refresh_at, int | float) or isinstance(refresh_at, bool):
            return None
        return token, float(refresh_at)

    def save(self, key: tuple[str, ...], token: str, refresh_at: float) -> None:
        document = {"key": _digest(key), "accessToken": token, "refreshAt": refresh_at}
        try:
            self._write(self._name, document)
        except SecretUnavailable as exc:
            logger.warning("shared IMS token not stored", extra={"reason": exc.message})


def _digest(key: tuple[str, ...]) -> str:
    return hashlib.sha256("\n".join(key).encode()).hexdigest()


class TokenProvider:
    """Hands out a valid IMS access token for one set of credentials."""

    def __init__(
        self,
        ims_url: str,
        credentials: AdobeCredentials,
        *,
        session: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        refresh_margin_seconds: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        cache: TokenCache | None = None,
        shared: SharedTokenStore | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._token_url = ims_url.rstrip("/") + TOKEN_PATH
        self._credentials = credentials
        self._session = session or shared_session()
        self._timeout = timeout
        self._margin = refresh_margin_seconds
        self._clock = clock
        self._cache = SHARED_TOKEN_CACHE if cache is None else cache
        self._shared = shared
        self._wall_clock = wall_clock
        self._rejected: set[str] = set()  # tokens Adobe answered 401 to: never reused
        self._fetching = threading.Lock()  # threads of one step share one fetch
        self._key = (
            ims_url.rstrip("/"),
            credentials.client_id,
            credentials.org_id,
            credentials.scope,
        )

    def __repr__(self) -> str:
        client_id = self._credentials.client_id
        return f"TokenProvider(token_url={self._token_url!r}, client_id={client_id!r})"

    def token(self) -> str:
        """A token valid for at least the refresh margin (or half its lifetime, if shorter)."""
        with self._fetching:
            return self._token()

    def _token(self) -> str:
        cached = self._cache.get(self._key)
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.value
        shared = self._from_shared()
        if shared is not None:
            self._cache.put(self._key, shared)
            return shared.value
        fresh = self._fetch()
        self._cache.put(self._key, fresh)
        if self._shared is not None:
            wall_refresh_at = self._wall_clock() + (fresh.refresh_at - self._clock())
            self._shared.save(self._key, fresh.value, wall_refresh_at)
        return fresh.value

    def _from_shared(self) -> _CachedToken | None:
        """A valid token another function stored: the cached read, then a fresh one."""
        if self._shared is None:
            return None
        for fresh in self._shared.reads():
            found = self._shared.load(self._key, fresh=fresh)
            if found is None:
                continue
            token, wall_refresh_at = found
            left = wall_refresh_at - self._wall_clock()
            if token not in self._rejected and left > 0:
                return _CachedToken(value=token, refresh_at=self._clock() + left)
        return None

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (after a 401). With ``token``, only if it is still cached,
        so a token fetched meanwhile by another caller survives. A token Adobe refused is not
        taken from the shared store again."""
        if token is not None:
            self._rejected.add(token)
        self._cache.drop(self._key, token)

    def _fetch(self) -> _CachedToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret.get_secret_value(),
            "scope": self._credentials.scope,
        }
        started = self._clock()
        response = send(
            self._session,
            "POST",
            self._token_url,
            timeout=self._timeout,
            service=_SERVICE,
            path=TOKEN_PATH,
            data=form,  # form-encoded body, never query parameters
            headers={"Accept": "application/json"},
            allow_redirects=False,  # never replay the client secret to another location
        )
        logger.debug("IMS token request", extra={"status": response.status_code})
        if response.status_code != 200:
            raise _ims_error(response)
        body = json_body(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        expires_in = body.get("expires_in") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token or not _is_seconds(expires_in):
            raise FlowServiceUnavailable(
                "IMS answered 200 without a usable access_token/expires_in",
                status=200,
                method="POST",
                path=TOKEN_PATH,
                request_id=response.headers.get("x-request-id"),
            )
        lifetime = float(expires_in)  # type: ignore[arg-type]  # checked by _is_seconds
        # IMS v3 gives seconds (about 24 h); short-lived tokens get half their lifetime as margin.
        margin = min(self._margin, lifetime / 2)
        return _CachedToken(value=token, refresh_at=started + lifetime - margin)


def _is_seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _ims_error(response: requests.Response) -> Exception:
    status = response.status_code
    details = error_details(response)
    common: dict[str, Any] = {
        "status": status,
        "code": details.code,
        "request_id": details.request_id or response.headers.get("x-debug-id"),
        "method": "POST",
        "path": TOKEN_PATH,
    }
    if status == 429:
        return FlowServiceThrottled(
            "IMS is throttling token requests",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            **common,
        )
    if status >= 500:
        return FlowServiceUnavailable("IMS failed to issue a token", **common)
    if status in (400, 401, 403):
        # invalid_client, unauthorized_client, invalid_scope...: the credentials themselves.
        # IMS's own error_description is left out: it can quote the submitted client id/scope.
        return AuthenticationFailed(
            "IMS refused the client credentials: check clientId, clientSecret and scopes in the "
            "Adobe credentials secret (the OAuth Server-to-Server credential of the Developer "
            "Console project)",
            **common,
        )
    return FlowServiceRejected(f"IMS answered an unexpected status {status}", **common)
