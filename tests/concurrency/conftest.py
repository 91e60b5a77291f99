"""A stack of its own for the race tests: back-off sleeps really happen, so executions
waiting for an activation's lease wait as on AWS (see races.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.concurrency.races import racing_stack
from tests.statemachine.conftest import machine  # noqa: F401 - the same per-test fixture


@pytest.fixture(scope="package")
def local_deployment(_emulator_server: Emulator) -> Iterator[LocalDeployment]:
    with racing_stack(_emulator_server) as stack:
        yield stack
