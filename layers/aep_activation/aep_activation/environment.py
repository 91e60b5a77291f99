"""Reading the function's environment: a variable is unset when absent or blank."""

from __future__ import annotations

from collections.abc import Mapping

from aep_activation.errors import ConfigurationError


def optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def missing(name: str) -> str:
    return f"environment variable {name} is required but not set"


def required(environ: Mapping[str, str], name: str) -> str:
    value = optional(environ, name)
    if value is None:
        raise ConfigurationError(missing(name))
    return value
