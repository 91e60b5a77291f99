"""Filename templates follow the selector version of the destination's card.

Legacy cards: the destinations OpenAPI's ``BatchSegmentSelector``. New cloud-storage cards:
its ``BatchSegmentSelector_V2`` tokens, with the destination and audience ID kept required
(Adobe's UI guide: they "cannot be removed from file names").
"""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.request import parse_activation_request
from tests.statemachine.harness import example
from tests.support.corpus import TODAY, refusals

# The template of every V2 flow example in Adobe's destinations OpenAPI.
ADOBE_V2_EXAMPLE = (
    "%DESTINATION%_%SEGMENT_ID%_%SEGMENT_NAME%_%DESTINATION_INSTANCE_ID%_"
    "%DESTINATION_INSTANCE_NAME%_%DATETIME(YYYYMMdd_HHmmss)%"
)


def new_card(template: str) -> dict[str, Any]:
    body = example("amazon-s3-new-card")
    body["audiences"][0]["filenameTemplate"] = template
    return body


def legacy_card(template: str) -> dict[str, Any]:
    body = example("amazon-s3")
    body["audiences"][0]["filenameTemplate"] = template
    return body


def template_errors(body: dict[str, Any]) -> list[str]:
    return [e["message"] for e in refusals(body) if e["path"] == "audiences.0.filenameTemplate"]


@pytest.mark.parametrize(
    "template",
    [
        ADOBE_V2_EXAMPLE,
        "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",  # the V2 schema's example
        "%ORGANIZATION_NAME%-%SANDBOX_NAME%-%DESTINATION%-%SEGMENT_ID%-%TIMESTAMP%.daily",
    ],
)
def test_a_new_card_takes_adobes_v2_templates(template: str) -> None:
    request = parse_activation_request(new_card(template), today=TODAY)
    assert request.audiences[0].filename_template == template


def test_a_card_named_by_connection_spec_follows_its_version() -> None:
    body = new_card(ADOBE_V2_EXAMPLE)
    del body["destination"]["type"]
    body["destination"]["connectionSpecId"] = "4fce964d-3f37-408f-9778-e597338a21ee"
    request = parse_activation_request(body, today=TODAY)
    assert request.audiences[0].filename_template == ADOBE_V2_EXAMPLE


def test_a_legacy_card_refuses_the_v2_tokens() -> None:
    assert template_errors(legacy_card("%DESTINATION%_%SEGMENT_ID%")) == [
        "has an unknown token %DESTINATION%; known tokens: %DESTINATION_NAME%, %SEGMENT_ID%, "
        "%SEGMENT_NAME%, %DATETIME(YYYYMMdd_HHmmss)%, %TIMESTAMP% (%DESTINATION% is a token "
        "of the new cloud-storage cards only)",
        "must contain %DESTINATION_NAME%",
    ]


def test_a_new_card_refuses_an_unknown_token() -> None:
    (message,) = template_errors(new_card("%DESTINATION%_%SEGMENT_ID%_%REGION%"))
    assert message.startswith("has an unknown token %REGION%; known tokens: %DESTINATION%, ")
    assert "%SANDBOX_NAME%" in message


def test_a_new_card_refuses_two_time_tokens() -> None:
    assert template_errors(
        new_card("%DESTINATION%_%SEGMENT_ID%_%TIMESTAMP%_%DATETIME(YYYYMMdd_HHmmss)%")
    ) == ["may contain only one of %DATETIME(YYYYMMdd_HHmmss)% and %TIMESTAMP%"]


def test_a_new_card_keeps_the_destination_and_the_audience_id() -> None:
    assert template_errors(new_card("%SEGMENT_NAME%_%SANDBOX_NAME%")) == [
        "must contain %DESTINATION% or %DESTINATION_NAME%",
        "must contain %SEGMENT_ID%",
    ]


def test_a_new_cards_custom_text_rule_is_unchanged() -> None:
    assert template_errors(new_card("%DESTINATION%_%SEGMENT_ID%_summer sale")) == [
        "custom text may use only letters, digits, '_', '-' and '.'"
    ]


def test_the_default_template_fits_both_versions() -> None:
    for body in (new_card(""), legacy_card("")):
        del body["audiences"][0]["filenameTemplate"]
        request = parse_activation_request(body, today=TODAY)
        assert request.audiences[0].filename_template == (
            "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
        )
