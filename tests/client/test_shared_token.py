"""The token shared through the stack's secret: one fetch for many cold functions, expiry and
the 401 rule respected (real IMS emulator; the secret is an in-memory stand-in)."""

from __future__ import annotations

from typing import Any

import requests

from aep_activation.credentials import AdobeCredentials
from aep_activation.errors import SecretUnavailable
from aep_activation.ims import SharedTokenStore, TokenCache, TokenProvider
from local.emulator import Emulator

from .conftest import FakeClock

TOKEN_PATH = "/ims/token/v3"


class SecretStandIn:
    """What Secrets Manager holds; counts reads that bypassed the cache."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {}
        self.writes = 0
        self.forced_reads = 0

    def read(self, name: str, *, max_age: int, force_fetch: bool) -> dict[str, Any]:
        self.forced_reads += force_fetch
        return dict(self.value)

    def write(self, name: str, value: dict[str, Any]) -> None:
        self.writes += 1
        self.value = dict(value)


def cold_provider(
    emulator: Emulator,
    credentials: AdobeCredentials,
    session: requests.Session,
    secret: SecretStandIn,
    clock: FakeClock | None = None,
) -> TokenProvider:
    """A provider as a new Lambda container has it: an empty process cache."""
    clock = clock or FakeClock()
    return TokenProvider(
        emulator.ims_url,
        credentials,
        session=session,
        cache=TokenCache(),
        clock=clock,
        wall_clock=lambda: 1_000_000.0 + clock(),
        shared=SharedTokenStore("stack/ims-token", read=secret.read, write=secret.write),
    )


def fetches(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path == TOKEN_PATH)


def test_cold_functions_share_the_first_token(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    secret = SecretStandIn()
    first = cold_provider(emulator, credentials, session, secret).token()
    others = [cold_provider(emulator, credentials, session, secret).token() for _ in range(5)]

    assert fetches(emulator) == 1
    assert secret.writes == 1
    assert set(others) == {first}
    assert first not in repr(secret.value.get("key"))  # the key is a digest, not a credential


def test_an_expired_shared_token_is_not_used(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    secret = SecretStandIn()
    clock = FakeClock()
    first = cold_provider(emulator, credentials, session, secret, clock).token()
    clock.advance(86400)  # past the refresh time the writer stored

    second = cold_provider(emulator, credentials, session, secret, clock).token()

    assert second != first
    assert fetches(emulator) == 2
    assert secret.value["accessToken"] == second


def test_a_token_adobe_refused_is_not_taken_from_the_store_again(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    secret = SecretStandIn()
    refused = cold_provider(emulator, credentials, session, secret).token()
    provider = cold_provider(emulator, credentials, session, secret)
    assert provider.token() == refused

    forced_before = secret.forced_reads
    provider.invalidate(refused)  # what the client does after a 401, before its one retry
    renewed = provider.token()

    assert renewed != refused
    assert secret.forced_reads == forced_before + 1  # looked for a newer one before fetching
    assert secret.value["accessToken"] == renewed


def test_an_unreadable_store_costs_a_fetch_not_the_step(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    def denied(*args: Any, **kwargs: Any) -> Any:
        raise SecretUnavailable("access to secret 'stack/ims-token' is denied")

    provider = TokenProvider(
        emulator.ims_url,
        credentials,
        session=session,
        cache=TokenCache(),
        shared=SharedTokenStore("stack/ims-token", read=denied, write=denied),
    )

    assert provider.token()
    assert fetches(emulator) == 1
