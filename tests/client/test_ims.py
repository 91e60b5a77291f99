"""TokenProvider against the emulator's IMS: form body, caching, early refresh, errors."""

from __future__ import annotations

import pytest
import requests

from aep_activation.credentials import AdobeCredentials, parse_adobe_credentials
from aep_activation.errors import (
    AuthenticationFailed,
    FlowServiceError,
    FlowServiceThrottled,
    FlowServiceUnavailable,
)
from aep_activation.ims import SHARED_TOKEN_CACHE, TokenCache, TokenProvider
from local.emulator import DEFAULT_CLIENT, Emulator, Fault

from .conftest import FakeClock

TOKEN_PATH = "/ims/token/v3"


def ims_calls(emulator: Emulator) -> list[str]:
    return [r.path for r in emulator.requests if r.path == TOKEN_PATH]


def test_token_is_fetched_with_a_form_body_never_the_query(
    emulator: Emulator, tokens: TokenProvider
) -> None:
    token = tokens.token()

    assert token
    (call,) = emulator.requests
    assert (call.method, call.path, call.status) == ("POST", TOKEN_PATH, 200)
    assert call.query == {}
    assert call.header("Content-Type") == "application/x-www-form-urlencoded"
    assert call.body["grant_type"] == "client_credentials"
    assert call.body["client_id"] == DEFAULT_CLIENT.client_id
    assert call.body["scope"] == (
        "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
    )
    assert "client_secret" in call.body  # sent (the recorder redacts its value)


def test_token_is_cached_until_the_refresh_margin(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session, clock: FakeClock
) -> None:
    # The emulator's tokens live 86399 s; refresh 600 s before that.
    provider = TokenProvider(
        emulator.ims_url,
        credentials,
        session=session,
        clock=clock,
        cache=TokenCache(),
        refresh_margin_seconds=600,
    )
    first = provider.token()
    clock.advance(86399 - 600 - 1)
    assert provider.token() == first
    assert len(ims_calls(emulator)) == 1

    clock.advance(2)  # now inside the margin: a new token before the old one expires
    second = provider.token()

    assert second != first
    assert len(ims_calls(emulator)) == 2


def test_short_lived_tokens_are_refreshed_at_half_their_life(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session, clock: FakeClock
) -> None:
    emulator.configure(token_expires_in=100)
    provider = TokenProvider(
        emulator.ims_url, credentials, session=session, clock=clock, cache=TokenCache()
    )
    first = provider.token()
    clock.advance(49)
    assert provider.token() == first
    clock.advance(2)
    assert provider.token() != first


def test_invalidate_forces_a_new_token(emulator: Emulator, tokens: TokenProvider) -> None:
    first = tokens.token()
    tokens.invalidate("some other token")  # not the cached one: kept
    assert tokens.token() == first

    tokens.invalidate(first)

    assert tokens.token() != first
    assert len(ims_calls(emulator)) == 2


def test_providers_share_the_process_cache_like_warm_invocations(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    SHARED_TOKEN_CACHE.clear()
    try:
        first = TokenProvider(emulator.ims_url, credentials, session=session).token()
        second = TokenProvider(emulator.ims_url + "/", credentials, session=session).token()
    finally:
        SHARED_TOKEN_CACHE.clear()

    assert first == second
    assert len(ims_calls(emulator)) == 1


def test_other_credentials_get_their_own_token(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    other = emulator.register_client("other-id", "other-secret", "OTHER@AdobeOrg")
    cache = TokenCache()
    mine = TokenProvider(emulator.ims_url, credentials, session=session, cache=cache)
    theirs = TokenProvider(
        emulator.ims_url,
        parse_adobe_credentials(other.credentials(), secret_name="s"),
        session=session,
        cache=cache,
    )

    assert mine.token() != theirs.token()


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        (DEFAULT_CLIENT.client_id, "wrong-secret-value"),
        ("unknown-client", "wrong-secret-value"),
    ],
)
def test_refused_credentials_raise_authentication_failed_without_the_secret(
    emulator: Emulator, session: requests.Session, client_id: str, secret: str
) -> None:
    bad = parse_adobe_credentials(
        {**DEFAULT_CLIENT.credentials(), "clientId": client_id, "clientSecret": secret},
        secret_name="s",
    )
    provider = TokenProvider(emulator.ims_url, bad, session=session, cache=TokenCache())

    with pytest.raises(AuthenticationFailed) as caught:
        provider.token()

    error = caught.value
    assert error.status in (400, 401)
    assert error.code == "invalid_client"
    assert error.request_id == emulator.requests[-1].request_id
    assert secret not in str(error)
    assert secret not in repr(provider)
    assert secret not in str(error.to_dict())


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.status_code(429, path=TOKEN_PATH, retry_after=3), FlowServiceThrottled),
        (Fault.status_code(503, path=TOKEN_PATH), FlowServiceUnavailable),
        (Fault.status_code(500, path=TOKEN_PATH), FlowServiceUnavailable),
        (Fault.garbage(path=TOKEN_PATH), FlowServiceUnavailable),
        (Fault.reset(path=TOKEN_PATH), FlowServiceUnavailable),
    ],
)
def test_ims_outages_are_transient(
    emulator: Emulator, tokens: TokenProvider, fault: Fault, expected: type[FlowServiceError]
) -> None:
    emulator.inject(fault)

    with pytest.raises(expected) as caught:
        tokens.token()

    assert caught.value.transient
    if isinstance(caught.value, FlowServiceThrottled):
        assert caught.value.retry_after == 3
    assert tokens.token()  # the next call succeeds and nothing bad was cached


def test_ims_timeout_is_transient(
    emulator: Emulator, credentials: AdobeCredentials, session: requests.Session
) -> None:
    emulator.inject(Fault.latency(0.5, path=TOKEN_PATH))
    provider = TokenProvider(
        emulator.ims_url, credentials, session=session, timeout=(1, 0.1), cache=TokenCache()
    )

    with pytest.raises(FlowServiceUnavailable, match="did not answer"):
        provider.token()


def test_token_never_shows_in_reprs(tokens: TokenProvider) -> None:
    token = tokens.token()
    cache = tokens._cache

    assert token not in repr(tokens)
    assert token not in repr(cache)
    assert token not in repr(cache.get(tokens._key))
