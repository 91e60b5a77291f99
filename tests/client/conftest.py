"""Fixtures for the client tests.

``aws``: moto-backed Secrets Manager, Powertools' secret cache emptied around each test.
``client``: a FlowServiceClient talking to the emulator over real HTTP, with its own token
cache (so no test sees another's token) and a counting clock the test can move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from moto import mock_aws

from aep_activation import secrets
from aep_activation.credentials import AdobeCredentials, parse_adobe_credentials
from aep_activation.flow_service import FlowServiceClient
from aep_activation.http import Timeout, new_session
from aep_activation.ims import TokenCache, TokenProvider
from local.emulator import DEFAULT_CLIENT, Emulator


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    secrets.clear_cache()
    with mock_aws():
        yield
    secrets.clear_cache()


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def credentials() -> AdobeCredentials:
    return parse_adobe_credentials(DEFAULT_CLIENT.credentials(), secret_name="test/adobe")


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with new_session() as fresh:
        yield fresh


@pytest.fixture
def tokens(
    emulator: Emulator,
    credentials: AdobeCredentials,
    session: requests.Session,
    clock: FakeClock,
) -> TokenProvider:
    return TokenProvider(
        emulator.ims_url,
        credentials,
        session=session,
        timeout=(2, 5),
        clock=clock,
        cache=TokenCache(),
    )


MakeClient = Callable[..., FlowServiceClient]


@pytest.fixture
def make_client(
    emulator: Emulator,
    tokens: TokenProvider,
    credentials: AdobeCredentials,
    session: requests.Session,
) -> MakeClient:
    def make(sandbox: str = "prod", timeout: Timeout = (2, 5)) -> FlowServiceClient:
        return FlowServiceClient(
            emulator.platform_url,
            tokens,
            api_key=credentials.client_id,
            org_id=credentials.org_id,
            sandbox=sandbox,
            session=session,
            timeout=timeout,
        )

    return make


@pytest.fixture
def client(make_client: MakeClient) -> FlowServiceClient:
    return make_client()
