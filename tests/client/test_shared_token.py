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
    """What Secrets Manager holds; counts the reads that reached it and those that bypassed a
    container's cache."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {}
        self.writes = 0
        self.reads = 0
        self.forced_reads = 0

    def write(self, name: str, value: dict[str, Any]) -> None:
        self.writes += 1
        self.value = dict(value)

    def container(self) -> ContainerCache:
        return ContainerCache(self)


class ContainerCache:
    """One container's cached read of the secret, as aep_activation.secrets keeps it."""

    def __init__(self, secret: SecretStandIn) -> None:
        self._secret = secret
        self._copy: dict[str, Any] | None = None

    def read(self, name: str, *, max_age: int, force_fetch: bool) -> dict[str, Any]:
        if self._copy is None or force_fetch:
            self._secret.reads += 1
            self._secret.forced_reads += force_fetch
            self._copy = dict(self._secret.value)
        return dict(self._copy)

    def is_cached(self, name: str) -> bool:
        return self._copy is not None


def cold_provider(
    emulator: Emulator,
    credentials: AdobeCredentials,
    session: requests.Session,
    secret: SecretStandIn,
    clock: FakeClock | None = None,
) -> TokenProvider:
    """A provider as a new Lambda container has it: empty process and secret caches."""
    clock = clock or FakeClock()
    cache = secret.container()
    return TokenProvider(
        emulator.ims_url,
        credentials,
        session=session,
        cache=TokenCache(),
        clock=clock,
        wall_clock=lambda: 1_000_000.0 + clock(),
        shared=SharedTokenStore(
            "stack/ims-token", read=cache.read, write=secret.write, is_cached=cache.is_cached
        ),
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

    reads_before = secret.reads
    second = cold_provider(emulator, credentials, session, secret, clock).token()

    assert second != first
    assert fetches(emulator) == 2
    assert secret.value["accessToken"] == second
    # A cold container's first read comes from Secrets Manager: no second read to confirm it.
    assert secret.reads == reads_before + 1


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
