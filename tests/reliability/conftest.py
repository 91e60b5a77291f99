"""One LocalDeployment for the reliability slices, with the handlers' HTTP timeouts scaled down
(see :mod:`tests.reliability.matrix`), so a slow answer outlasts them in seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.reliability.matrix import STACK_ENVIRONMENT
from tests.statemachine.conftest import TEMPLATE, seed_destination_secrets


@pytest.fixture(scope="package")
def reliability_stack(_emulator_server: Emulator) -> Iterator[LocalDeployment]:
    with LocalDeployment.against(
        _emulator_server, TEMPLATE, env_overrides=STACK_ENVIRONMENT
    ) as stack:
        seed_destination_secrets(stack)
        yield stack
    _emulator_server.reset()


@pytest.fixture
def adobe(_emulator_server: Emulator) -> Emulator:
    """The session's emulator; each cell resets it itself (see ``fresh_machine``)."""
    return _emulator_server
