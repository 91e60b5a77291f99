"""get_json_secret / secret_exists against moto's Secrets Manager."""

from __future__ import annotations

import json
import time
import traceback

import boto3
import pytest

from aep_activation.errors import SecretUnavailable
from aep_activation.secrets import (
    clear_cache,
    get_json_secret,
    is_cached,
    secret_exists,
    secret_keys,
    secret_version_created,
)

pytestmark = pytest.mark.usefixtures("aws")

VALUE = "s3cr3t-value-that-must-not-leak"


def _create(name: str, text: str) -> None:
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=text)


def _full_text(exc: BaseException) -> str:
    """Everything a log line or a Lambda error report could show about the exception."""
    return (
        "".join(traceback.format_exception(exc))
        + repr(exc)
        + json.dumps(getattr(exc, "to_dict", dict)())
    )


def test_reads_a_json_object_with_its_required_keys() -> None:
    _create("dest/s3", json.dumps({"s3AccessKey": "AKIA", "s3SecretKey": VALUE}))

    value = get_json_secret("dest/s3", required_keys=("s3AccessKey", "s3SecretKey"))

    assert value == {"s3AccessKey": "AKIA", "s3SecretKey": VALUE}
    assert secret_keys("dest/s3") == {"s3AccessKey", "s3SecretKey"}


def test_value_is_cached_and_callers_get_their_own_copy() -> None:
    _create("cached", json.dumps({"a": "1"}))
    first = get_json_secret("cached")
    first["a"] = "changed by a caller"
    boto3.client("secretsmanager").put_secret_value(SecretId="cached", SecretString='{"a": "2"}')

    # Cached for max_age: neither the caller's change nor the new version shows yet.
    assert get_json_secret("cached") == {"a": "1"}
    # Until the cache is dropped (a cold start, or max_age passing).
    clear_cache()
    assert get_json_secret("cached") == {"a": "2"}


def test_the_version_read_tells_when_it_was_created_from_the_same_cached_read() -> None:
    before = time.time()
    _create("dated", json.dumps({"a": "1"}))
    assert get_json_secret("dated") == {"a": "1"}

    created = secret_version_created("dated")

    assert created is not None
    assert int(before) <= created <= time.time()
    time.sleep(1.1)  # moto dates versions in whole seconds
    boto3.client("secretsmanager").put_secret_value(SecretId="dated", SecretString='{"a": "2"}')
    assert secret_version_created("dated") == created  # the cached read: no call, same version
    assert get_json_secret("dated", force_fetch=True) == {"a": "2"}
    newer = secret_version_created("dated")
    assert newer is not None
    assert newer > created


def test_is_cached_tells_whether_a_read_would_make_a_call() -> None:
    _create("held", json.dumps({"a": "1"}))
    assert not is_cached("held")  # a cold container

    get_json_secret("held", force_fetch=True)
    assert is_cached("held")
    get_json_secret("held", max_age=0, force_fetch=True)  # a read not to be kept
    clear_cache()
    assert not is_cached("held")


def test_missing_secret_is_named() -> None:
    with pytest.raises(SecretUnavailable, match="'nope' does not exist") as caught:
        get_json_secret("nope")
    assert caught.value.to_dict()["error"] == "SecretUnavailable"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"not json {VALUE}", "not valid JSON"),
        (json.dumps([VALUE]), "must hold a JSON object"),
        (json.dumps(VALUE), "must hold a JSON object"),
    ],
)
def test_unusable_content_is_named_without_the_value(text: str, reason: str) -> None:
    _create("broken", text)

    with pytest.raises(SecretUnavailable, match=reason) as caught:
        get_json_secret("broken")

    assert "'broken'" in str(caught.value)
    assert VALUE not in _full_text(caught.value)


def test_missing_and_blank_keys_are_all_named_without_values() -> None:
    _create("partial", json.dumps({"host": VALUE, "username": "  "}))

    with pytest.raises(SecretUnavailable) as caught:
        get_json_secret("partial", required_keys=("host", "username", "password"))

    message = str(caught.value)
    assert "'partial'" in message
    assert "username" in message
    assert "password" in message
    assert "host" not in message.split("key(s):")[1]
    assert VALUE not in _full_text(caught.value)


def test_secret_exists_reads_metadata_only() -> None:
    _create("present", json.dumps({"a": VALUE}))
    client = boto3.client("secretsmanager")
    client.create_secret(Name="going", SecretString="{}")
    client.delete_secret(SecretId="going", RecoveryWindowInDays=7)

    assert secret_exists("present") is True
    assert secret_exists("absent") is False
    assert secret_exists("going") is False
