"""Every request in the corpus is rejected with exactly the errors it names."""

from __future__ import annotations

import pytest

from aep_activation.errors import InvalidActivationRequest
from aep_activation.request import parse_activation_request
from tests.model.invalid_requests import INVALID_REQUESTS, TODAY, InvalidCase, valid_request


def test_the_base_request_is_valid() -> None:
    request = parse_activation_request(valid_request(), today=TODAY)
    assert request.name == "summer-sale-s3"


def test_the_corpus_is_large_and_its_ids_are_unique() -> None:
    ids = [case.id for case in INVALID_REQUESTS]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", INVALID_REQUESTS, ids=lambda case: case.id)
def test_invalid_request_is_rejected_with_its_errors(case: InvalidCase) -> None:
    body = case.apply(valid_request())

    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)

    errors = caught.value.errors
    assert sorted({error["path"] for error in errors}) == sorted(
        {path for path, _ in case.expected}
    ), errors
    for path, phrase in case.expected:
        messages = [error["message"] for error in errors if error["path"] == path]
        assert any(phrase in message for message in messages), (path, phrase, messages)
