"""Shared fixtures for the request-model tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.corpus import valid_request


@pytest.fixture
def body() -> dict[str, Any]:
    """A fresh valid request (Amazon S3, two audiences, three attributes) to mutate."""
    return valid_request()
