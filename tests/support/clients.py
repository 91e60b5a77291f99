"""A FlowServiceClient on the emulator, for tests that need no state machine."""

from __future__ import annotations

from collections.abc import Callable

from aep_activation.credentials import parse_adobe_credentials
from aep_activation.flow_service import FlowServiceClient
from aep_activation.http import Timeout
from aep_activation.ims import TokenCache, TokenProvider
from local.emulator import DEFAULT_CLIENT, Emulator


def client_for(
    emulator: Emulator,
    *,
    timeout: Timeout = (2.0, 5.0),
    sleep: Callable[[float], None] | None = None,
    platform_url: str | None = None,
) -> FlowServiceClient:
    """Tokens from the emulator's IMS; Flow Service at the emulator, or at ``platform_url``."""
    credentials = parse_adobe_credentials(DEFAULT_CLIENT.credentials(), secret_name="test")
    extra = {} if sleep is None else {"sleep": sleep}
    return FlowServiceClient(
        platform_url or emulator.platform_url,
        TokenProvider(emulator.ims_url, credentials, cache=TokenCache(), timeout=timeout),
        api_key=credentials.client_id,
        org_id=credentials.org_id,
        sandbox="prod",
        timeout=timeout,
        **extra,
    )
