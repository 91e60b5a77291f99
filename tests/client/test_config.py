"""Settings.from_env: defaults, required variables, and refusals that name the variable."""

from __future__ import annotations

import dataclasses

import pytest

from aep_activation.config import DEFAULT_IMS_URL, DEFAULT_PLATFORM_URL, Settings
from aep_activation.errors import ConfigurationError

MINIMAL = {"ADOBE_CREDENTIALS_SECRET": "aep/credentials"}


def test_defaults_follow_the_documented_table() -> None:
    settings = Settings.from_env(MINIMAL)

    assert settings.platform_url == DEFAULT_PLATFORM_URL
    assert settings.ims_url == DEFAULT_IMS_URL
    assert settings.adobe_credentials_secret == "aep/credentials"
    assert settings.http_timeout == (3.05, 30.0)
    assert settings.result_event_bus == "default"
    assert settings.state_machine_arn is None


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "PLATFORM_URL": "http://127.0.0.1:8080/data/foundation/flowservice/",
            "IMS_URL": "https://ims-eu1.adobelogin.com",
            "ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING": "true",
            "ADOBE_CREDENTIALS_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:x",
            "HTTP_CONNECT_TIMEOUT": "1.5",
            "HTTP_READ_TIMEOUT": "12",
            "RESULT_EVENT_BUS": "activations",
            "STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:1:stateMachine:a",
        }
    )

    assert settings.platform_url == "http://127.0.0.1:8080/data/foundation/flowservice"
    assert settings.ims_url == "https://ims-eu1.adobelogin.com"
    assert settings.http_timeout == (1.5, 12.0)
    assert settings.result_event_bus == "activations"
    assert settings.require_state_machine_arn().endswith(":a")


def test_settings_are_frozen() -> None:
    settings = Settings.from_env(MINIMAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.read_timeout = 1  # type: ignore[misc]


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_credentials_secret_is_named(value: str | None) -> None:
    environ = {} if value is None else {"ADOBE_CREDENTIALS_SECRET": value}
    with pytest.raises(ConfigurationError, match="ADOBE_CREDENTIALS_SECRET"):
        Settings.from_env(environ)


def test_state_machine_arn_is_required_only_when_asked_for() -> None:
    settings = Settings.from_env(MINIMAL)
    with pytest.raises(ConfigurationError, match="STATE_MACHINE_ARN"):
        settings.require_state_machine_arn()


@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan", "inf"])
def test_bad_timeouts_are_named(value: str) -> None:
    with pytest.raises(ConfigurationError, match="HTTP_READ_TIMEOUT"):
        Settings.from_env({**MINIMAL, "HTTP_READ_TIMEOUT": value})


@pytest.mark.parametrize(
    "url",
    [
        "platform.adobe.io",  # no scheme
        "ftp://platform.adobe.io",
        "http://platform.adobe.io/data/foundation/flowservice",  # clear text over a network
        "https://platform.adobe.io/x?debug=1",
    ],
)
def test_unsafe_or_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="PLATFORM_URL"):
        Settings.from_env({**MINIMAL, "PLATFORM_URL": url})


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_plain_http_is_allowed_towards_this_machine(host: str) -> None:
    testing = {"ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING": "true"}
    settings = Settings.from_env({**MINIMAL, **testing, "IMS_URL": f"http://{host}:9000"})
    assert settings.ims_url == f"http://{host}:9000"
