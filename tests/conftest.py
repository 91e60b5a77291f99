"""Shared fixtures.

``emulator``: a started :class:`local.emulator.Emulator` (Flow Service + IMS over real HTTP),
reset before and after each test. One server runs for the whole session; ``reset()`` forgets
resources, faults, recordings, extra clients and settings, so tests stay isolated. Tokens
issued earlier stay valid across resets (a warm Lambda's cached token would too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.emulator import Emulator


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[Emulator]:
    with Emulator() as server:
        yield server


@pytest.fixture
def emulator(_emulator_server: Emulator) -> Iterator[Emulator]:
    _emulator_server.reset()
    yield _emulator_server
    _emulator_server.reset()
