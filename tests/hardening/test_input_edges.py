"""The edges of input are refused with named field errors.

Control characters in names and params, nesting deeper than any request needs, and requests
too large for Step Functions' state each get an error naming the field and the rule, before
any API call (and before the parser can recurse itself to death).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from aep_activation.errors import InvalidActivationRequest, RequestNestedTooDeeply, RequestTooLarge
from aep_activation.limits import MAX_AUDIENCES, MAX_NESTING_DEPTH, MAX_REQUEST_BYTES
from aep_activation.request import parse_activation_request
from tests.model.invalid_requests import TODAY, valid_request

CONTROL_CHARACTERS = {"nul": "\x00", "crlf": "a\r\nb", "ansi": "\x1b[31mred\x1b[0m", "c1": "\x85"}


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(body: dict[str, Any]) -> None:
        target: Any = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


PLACES = {
    "destination.target.bucketName": ("destination", "target", "bucketName"),
    "destination.target.path": ("destination", "target", "path"),
    "destination.target.mode": ("destination", "target", "mode"),
    "destination.auth.specName": ("destination", "auth", "specName"),
    "audiences.0.name": ("audiences", 0, "name"),
    "resources.dataflow.name": ("resources", "dataflow", "name"),
}


@pytest.mark.parametrize("kind", sorted(CONTROL_CHARACTERS))
@pytest.mark.parametrize("place", sorted(PLACES))
def test_control_characters_in_names_and_params_are_refused(place: str, kind: str) -> None:
    body = valid_request()
    body.setdefault("resources", {}).setdefault("dataflow", {})["name"] = "flow"
    _set(PLACES[place], f"x{CONTROL_CHARACTERS[kind]}y")(body)

    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)

    paths = {error["path"] for error in caught.value.errors}
    assert place in paths or place.replace("destination.target.", "destination.target.") in paths
    assert any("control characters" in e["message"] for e in caught.value.errors), caught.value


def test_a_description_may_break_lines_but_not_escape() -> None:
    body = valid_request()
    body["resources"] = {"dataflow": {"description": "line one\nline two\tand a tab"}}
    parse_activation_request(body, today=TODAY)
    body["resources"]["dataflow"]["description"] = "\x1b]0;pwned\x07"
    with pytest.raises(InvalidActivationRequest, match="control characters"):
        parse_activation_request(body, today=TODAY)


@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH + 1, 100_000])
def test_deeply_nested_text_is_refused_by_name_not_by_recursion(depth: int) -> None:
    text = '{"name": "deep", "extra": ' + "[" * depth + "]" * depth + "}"

    with pytest.raises(RequestNestedTooDeeply) as caught:
        parse_activation_request(text, today=TODAY)

    assert caught.value.errors[0]["path"] == "(root)"
    assert str(MAX_NESTING_DEPTH) in caught.value.errors[0]["message"]


def test_deeply_nested_objects_are_refused_by_name_not_by_recursion() -> None:
    body = valid_request()
    inner: dict[str, Any] = {}
    body["destination"]["target"]["nested"] = inner
    for _ in range(50_000):
        inner["x"] = {}
        inner = inner["x"]

    with pytest.raises(RequestNestedTooDeeply):
        parse_activation_request(body, today=TODAY)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    body = valid_request()
    body["audiences"][0]["name"] = "[[[[" * 40 + '\\"{{{{' * 10
    parse_activation_request(json.dumps(body), today=TODAY)


def _largest_request() -> dict[str, Any]:
    """250 audiences with every free-text field at its maximum length: 400+ KB of JSON."""
    body = valid_request()
    template = body["audiences"][0]
    body["audiences"] = [
        {
            **template,
            "id": str(uuid.UUID(int=index + 1)),
            "name": "n" * 256,
            "description": "d" * 1024,
        }
        for index in range(MAX_AUDIENCES)
    ]
    return body


def test_a_request_too_large_for_the_state_machine_names_the_limit() -> None:
    body = _largest_request()
    assert len(json.dumps(body)) > 256 * 1024  # what the review sent: Step Functions' limit

    with pytest.raises(RequestTooLarge) as caught:
        parse_activation_request(body, today=TODAY)

    (error,) = caught.value.errors
    assert error["path"] == "(root)"
    assert str(MAX_REQUEST_BYTES) in error["message"]
    with pytest.raises(RequestTooLarge):  # the same as text
        parse_activation_request(json.dumps(body), today=TODAY)


def test_a_request_of_ten_thousand_audiences_is_refused_before_parsing() -> None:
    body = valid_request()
    body["audiences"] = [body["audiences"][0]] * 10_000

    with pytest.raises(RequestTooLarge, match=str(MAX_REQUEST_BYTES)):
        parse_activation_request(json.dumps(body), today=TODAY)
