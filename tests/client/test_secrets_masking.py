"""Every form of a secret is masked in Adobe's error text."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from aep_activation.http import REDACTED, redacted

SECRET = 'ab"cd\\ef\ngh-0123456789-SECRET'


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        json.dumps(SECRET)[1:-1],
        json.dumps(json.dumps(SECRET))[1:-1],
        SECRET[:16],
        SECRET[-12:],
        SECRET.upper(),
        SECRET.lower(),
        quote(SECRET, safe=""),
    ],
    ids=["exact", "json", "json-twice", "first-16", "last-12", "upper", "lower", "url"],
)
def test_every_form_of_a_secret_is_masked(form: str) -> None:
    text = redacted(f"Adobe says: bad value <{form}> here", [SECRET])
    assert text is not None
    assert REDACTED in text
    assert text.startswith("Adobe says: bad value <")
    for piece in (SECRET[:8], SECRET[-8:], json.dumps(SECRET)[1:9]):
        assert piece.lower() not in text.lower()


def test_ordinary_text_and_short_values_are_left_alone() -> None:
    assert redacted("nothing secret in here", [SECRET, "ab"]) == "nothing secret in here"
