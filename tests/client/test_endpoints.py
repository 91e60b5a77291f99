"""The token and the client secret go to Adobe's hosts only.

PLATFORM_URL and IMS_URL are parsed and their host matched exactly (platform.adobe.io,
*.adobelogin.com) over https; the one exception is the explicit testing switch, which admits
this machine (the local emulator) and nothing else.
"""

from __future__ import annotations

import pytest

from aep_activation.config import Settings
from aep_activation.errors import ConfigurationError
from local.runtime.template import load_template
from tests.statemachine.harness import REPOSITORY

MINIMAL = {"ADOBE_CREDENTIALS_SECRET": "aep/credentials"}
TESTING = {"ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING": "true"}

HOSTILE_PLATFORM_URLS = [
    "https://platform.adobe.io@evil.com/data/foundation/flowservice",
    "https://evil.com@platform.adobe.io/data/foundation/flowservice",
    "https://platform.adobe.io.evil.com/data/foundation/flowservice",
    "https://evilplatform.adobe.io/data/foundation/flowservice",
    "https://platform.adobe.io:8443/data/foundation/flowservice",
    "https://platform.adobe.io\\@evil.com/",
    "https://169.254.169.254/latest/meta-data",
    "https://[fe80::1]/x",
    "http://platform.adobe.io/data/foundation/flowservice",
    "https://platform.adobe.io./data/foundation/flowservice",
    "https://platform.adobe.io%2eevil.com/",
    "https://ims-na1.adobelogin.com/",  # IMS's host is not Flow Service's
]
HOSTILE_IMS_URLS = [
    "https://ims-na1.adobelogin.com@evil.com",
    "https://adobelogin.com.evil.com",
    "https://evil.com/ims-na1.adobelogin.com",
    "https://evil-adobelogin.com",
    "https://adobelogin.com",
    "https://x..adobelogin.com",
    "http://ims-na1.adobelogin.com",
    "https://169.254.169.254",
    "https://ims-na1.adobelogin.com\n.evil.com",
]


@pytest.mark.parametrize("url", HOSTILE_PLATFORM_URLS)
def test_a_platform_url_off_adobes_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="PLATFORM_URL"):
        Settings.from_env({**MINIMAL, "PLATFORM_URL": url})


@pytest.mark.parametrize("url", HOSTILE_IMS_URLS)
def test_an_ims_url_off_adobes_hosts_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="IMS_URL"):
        Settings.from_env({**MINIMAL, "IMS_URL": url})


@pytest.mark.parametrize("url", HOSTILE_PLATFORM_URLS[:9])
def test_the_testing_switch_admits_this_machine_only(url: str) -> None:
    with pytest.raises(ConfigurationError, match="PLATFORM_URL"):
        Settings.from_env({**MINIMAL, **TESTING, "PLATFORM_URL": url})
    local = "http://127.0.0.1:8080/data/foundation/flowservice"
    assert Settings.from_env({**MINIMAL, **TESTING, "PLATFORM_URL": local}).platform_url == local


def test_this_machine_needs_the_testing_switch() -> None:
    local = "http://127.0.0.1:8080/data/foundation/flowservice"
    with pytest.raises(ConfigurationError, match="ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING"):
        Settings.from_env({**MINIMAL, "PLATFORM_URL": local})
    with pytest.raises(ConfigurationError, match="must be true or false"):
        Settings.from_env({**MINIMAL, "ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING": "yes please"})


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("PLATFORM_URL", "https://platform.adobe.io/data/foundation/flowservice"),
        ("IMS_URL", "https://ims-na1.adobelogin.com"),
        ("IMS_URL", "https://ims-eu1.adobelogin.com"),
    ],
)
def test_adobes_hosts_are_accepted(name: str, url: str) -> None:
    settings = Settings.from_env({**MINIMAL, name: url})
    assert (settings.platform_url if name == "PLATFORM_URL" else settings.ims_url) == url


def test_the_stack_parameter_reaches_every_function_and_defaults_to_off() -> None:
    template = load_template(REPOSITORY / "template.yaml")
    assert template.parameters["AllowNonAdobeEndpointsForTesting"] == "false"
    for function in template.functions.values():
        variable = function.environment.get("ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING")
        assert variable == {"Ref": "AllowNonAdobeEndpointsForTesting"}, function.logical_id
