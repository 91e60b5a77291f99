"""flow_service_from_settings: credentials from Secrets Manager, warm reuse of token and session."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from aep_activation import http
from aep_activation.config import Settings
from aep_activation.errors import SecretUnavailable
from aep_activation.flow_service import flow_service_from_settings
from aep_activation.ims import SHARED_TOKEN_CACHE
from local.emulator import DEFAULT_CLIENT, Emulator

from . import payloads

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def settings(emulator: Emulator) -> Iterator[Settings]:
    SHARED_TOKEN_CACHE.clear()
    yield Settings.from_env(
        {
            "PLATFORM_URL": emulator.platform_url,
            "IMS_URL": emulator.ims_url,
            "ADOBE_CREDENTIALS_SECRET": "aep/adobe-credentials",
            "HTTP_READ_TIMEOUT": "5",
            "ALLOW_NON_ADOBE_ENDPOINTS_FOR_TESTING": "true",
        }
    )
    SHARED_TOKEN_CACHE.clear()


def test_warm_invocations_reuse_the_token(emulator: Emulator, settings: Settings) -> None:
    boto3.client("secretsmanager").create_secret(
        Name="aep/adobe-credentials", SecretString=json.dumps(DEFAULT_CLIENT.credentials())
    )

    first = flow_service_from_settings(settings, "prod")  # one invocation
    created = first.connections.create(payloads.s3_base("factory"))
    second = flow_service_from_settings(settings, "dev")  # the next, warm
    second.connections.list()

    assert first.connections.find_by_name("factory") == first.connections.get(created.id)
    assert second.connections.find_by_name("factory") is None  # other sandbox
    assert [r.path for r in emulator.requests].count("/ims/token/v3") == 1
    assert http.shared_session() is http.shared_session()


def test_missing_credentials_secret_is_secret_unavailable(settings: Settings) -> None:
    with pytest.raises(SecretUnavailable, match="aep/adobe-credentials"):
        flow_service_from_settings(settings, "prod")
