"""The client fixtures of tests/client (a FlowServiceClient on the emulator over real HTTP)."""

from tests.client.conftest import (  # noqa: F401 (fixtures, found by name)
    aws,
    client,
    clock,
    credentials,
    make_client,
    session,
    tokens,
)
