"""Deployment settings, read once from the environment (see docs/internals.md)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aep_activation.errors import ConfigurationError
from aep_activation.http import Timeout

DEFAULT_PLATFORM_URL = "https://platform.adobe.io/data/foundation/flowservice"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_CONNECT_TIMEOUT = 3.05
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_EVENT_BUS = "default"

# Plain http is only acceptable towards this machine (the local emulator): a bearer token or
# the client secret must never cross a network in clear text.
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


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
        return cls(
            platform_url=_url(environ, "PLATFORM_URL", DEFAULT_PLATFORM_URL),
            ims_url=_url(environ, "IMS_URL", DEFAULT_IMS_URL),
            adobe_credentials_secret=_required(environ, "ADOBE_CREDENTIALS_SECRET"),
            connect_timeout=_seconds(environ, "HTTP_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
            read_timeout=_seconds(environ, "HTTP_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
            result_event_bus=_optional(environ, "RESULT_EVENT_BUS") or DEFAULT_EVENT_BUS,
            state_machine_arn=_optional(environ, "STATE_MACHINE_ARN"),
            ims_token_cache_secret=_optional(environ, "IMS_TOKEN_CACHE_SECRET"),
        )

    def require_state_machine_arn(self) -> str:
        """The starter's target; only the starter needs it, so it is checked on use."""
        if not self.state_machine_arn:
            raise ConfigurationError(_missing("STATE_MACHINE_ARN"))
        return self.state_machine_arn


def _optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _missing(name: str) -> str:
    return f"environment variable {name} is required but not set"


def _required(environ: Mapping[str, str], name: str) -> str:
    value = _optional(environ, name)
    if value is None:
        raise ConfigurationError(_missing(name))
    return value


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = _optional(environ, name)
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


def _url(environ: Mapping[str, str], name: str, default: str) -> str:
    url = (_optional(environ, name) or default).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(f"environment variable {name} must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ConfigurationError(
            f"environment variable {name} must use https (plain http only for localhost), "
            f"got {url!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"environment variable {name} must not carry a query or fragment")
    return url
