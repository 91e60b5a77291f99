"""Fake destination secrets fit the auth spec of every known destination."""

from __future__ import annotations

import re

import pytest

from aep_activation.catalog import all_destinations
from local.runtime.fake_secrets import fake_destination_secret, fake_value

# From Adobe's destinations.openapi.yaml (Amazon S3 auth params).
S3_ACCESS_KEY = re.compile(r"^[A-Z2-7]{20}$")
S3_SECRET_KEY = re.compile(r"^[A-Za-z0-9\/\+]{40}$")

CASES = [
    (destination.name, spec.name, spec.required_params)
    for destination in all_destinations()
    for spec in destination.auth_specs
]


@pytest.mark.parametrize(("destination", "spec_name", "params"), CASES)
def test_every_auth_spec_gets_exactly_its_params(
    destination: str, spec_name: str, params: tuple[str, ...]
) -> None:
    request = {"destination": {"type": destination, "auth": {"specName": spec_name}}}

    secret = fake_destination_secret(request)

    assert secret is not None
    assert sorted(secret) == sorted(params)
    assert all(isinstance(value, str) and value for value in secret.values())


def test_s3_keys_have_the_shape_adobe_requires() -> None:
    assert S3_ACCESS_KEY.match(fake_value("s3AccessKey"))
    assert S3_SECRET_KEY.match(fake_value("s3SecretKey"))


def test_an_unknown_destination_or_spec_gets_nothing() -> None:
    assert fake_destination_secret({"destination": {"type": "Nowhere"}}) is None
    unknown_spec = {"destination": {"type": "Amazon S3", "auth": {"specName": "Telepathy"}}}
    assert fake_destination_secret(unknown_spec) is None
