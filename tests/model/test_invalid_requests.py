"""Every request in the invalid-request corpus is rejected with exactly the errors it names,
and the valid request the corpus is made from is accepted."""

from __future__ import annotations

import pytest

from aep_activation.errors import InvalidActivationRequest
from aep_activation.request import parse_activation_request
from tests.support.corpus import FILES, TODAY, BadRequest, load_cases, valid_request

CASES = load_cases()


def test_the_base_request_is_valid() -> None:
    request = parse_activation_request(valid_request(), today=TODAY)
    assert request.name == "summer-sale-s3"


def test_the_corpus_is_large_and_its_ids_are_unique() -> None:
    assert len(list(FILES.glob("*.json"))) >= 60
    ids = [case.id for case in CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_invalid_request_is_rejected_with_its_errors(case: BadRequest) -> None:
    body = case.request

    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)

    errors = caught.value.errors
    assert sorted({error["path"] for error in errors}) == sorted(
        {path for path, _ in case.errors}
    ), errors
    for path, phrase in case.errors:
        messages = [error["message"] for error in errors if error["path"] == path]
        assert any(phrase in message for message in messages), (path, phrase, messages)
