"""Deployment settings, read once from the environment (see docs/internals.md)."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aep_activation.environment import missing, optional, required
from aep_activation.errors import ConfigurationError
from aep_activation.http import Timeout

DEFAULT_PLATFORM_URL = "https://platform.adobe.io/data/foundation/flowservice"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_CONNECT_TIMEOUT = 3.05
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_EVENT_BUS = "default"

# The bearer token goes to PLATFORM_URL and the client secret to IMS_URL: both must be
# Adobe's hosts over https, matched exactly on the parsed host (a prefix or "user@host" trick
# must not pass). The only exception is this switch, meant for tests against the local
# emulator: with it, loopback addresses are accepted too (over http or https), nothing else.
ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING = "ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING"
PLATFORM_HOSTS = frozenset({"platform.adobe.io"})
IMS_HOST_SUFFIX = ".adobelogin.com"
_LOOPBACK_NAMES = frozenset({"localhost"})
_URL_FORBIDDEN = frozenset("\\@ \t\r\n")
_DNS_LABELS = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


@dataclass(frozen=True)
class Settings:
    platform_url: str
    ims_url: str
    adobe_credentials_secret: str
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    result_event_bus: str = DEFAULT_EVENT_BUS
    state_machine_arn: str | None = None
    ims_token_cache_secret: str | None = None

    @property
    def http_timeout(self) -> Timeout:
        return (self.connect_timeout, self.read_timeout)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings; a missing or malformed variable raises ConfigurationError naming
        it."""
        testing = _flag(environ, ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING)
        return cls(
            platform_url=adobe_url(optional(environ, "PLATFORM_URL"), "PLATFORM_URL", testing),
            ims_url=adobe_url(optional(environ, "IMS_URL"), "IMS_URL", testing),
            adobe_credentials_secret=required(environ, "ADOBE_CREDENTIALS_SECRET"),
            connect_timeout=_seconds(environ, "HTTP_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
            read_timeout=_seconds(environ, "HTTP_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
            result_event_bus=optional(environ, "RESULT_EVENT_BUS") or DEFAULT_EVENT_BUS,
            state_machine_arn=optional(environ, "STATE_MACHINE_ARN"),
            ims_token_cache_secret=optional(environ, "IMS_TOKEN_CACHE_SECRET"),
        )

    def require_state_machine_arn(self) -> str:
        """The starter's target; only the starter needs it, so it is checked on use."""
        if not self.state_machine_arn:
            raise ConfigurationError(missing("STATE_MACHINE_ARN"))
        return self.state_machine_arn


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = optional(environ, name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(
            f"environment variable {name} must be a number of seconds, got {text!r}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(
            f"environment variable {name} must be a positive number of seconds, got {text!r}"
        )
    return value


def _flag(environ: Mapping[str, str], name: str) -> bool:
    text = (optional(environ, name) or "false").lower()
    if text not in ("true", "false"):
        raise ConfigurationError(f"environment variable {name} must be true or false, got {text!r}")
    return text == "true"


def _is_platform_host(host: str) -> bool:
    return host in PLATFORM_HOSTS


def _is_ims_host(host: str) -> bool:
    return host.endswith(IMS_HOST_SUFFIX) and bool(
        _DNS_LABELS.fullmatch(host.removesuffix(IMS_HOST_SUFFIX))
    )


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: this machine (the local emulator)."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def adobe_url(
    url: str | None,
    endpoint: str,
    testing: bool,
    *,
    field: str | None = None,
    switch: str = ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING,
) -> str:
    """``url`` (Adobe's default when empty) for ``endpoint`` (``PLATFORM_URL`` or ``IMS_URL``),
    if it is https on that endpoint's Adobe hosts (or, with the testing switch only, on this
    machine); a ConfigurationError naming ``field`` (by default the environment variable) and
    the rule otherwise. The CLI checks a stack's parameters with it, naming those instead."""
    default, is_adobe_host, hosts = _ENDPOINTS[endpoint]
    name = field or f"environment variable {endpoint}"
    url = (url or default).rstrip("/")
    if any(c in _URL_FORBIDDEN or not c.isprintable() or not c.isascii() for c in url):
        raise ConfigurationError(
            f"{name} must be a plain URL without user info, spaces, "
            f"backslashes or control characters, got {url!r}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"{name} is not a valid URL: {url!r}") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{name} must be an http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{name} must not carry a query or fragment")
    if is_adobe_host(host) and parts.scheme == "https" and port in (None, 443):
        return url
    if testing and is_loopback(host):
        return url
    raise ConfigurationError(
        f"{name} must be an https URL on Adobe's hosts "
        f"({hosts}), got {url!r}; only tests against a local emulator may set "
        f"{switch}=true to use this machine (loopback) instead"
    )


_ENDPOINTS: dict[str, tuple[str, Callable[[str], bool], str]] = {
    "PLATFORM_URL": (DEFAULT_PLATFORM_URL, _is_platform_host, "platform.adobe.io"),
    "IMS_URL": (DEFAULT_IMS_URL, _is_ims_host, "*.adobelogin.com"),
}
