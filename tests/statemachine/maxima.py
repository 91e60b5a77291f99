"""The largest request the product accepts at Adobe's maxima: 250 audiences and 50 mapped
attributes on the new Amazon S3 card, every audience with a long name, a file name template
using every token plus custom text, and long attribute paths, grown until the normalised
request sits just under the request guard (``MAX_REQUEST_BYTES``). The schema alone would
allow longer names, but 250 of them at 256 characters are refused by that guard, so this
is the largest a state machine can be handed."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aep_activation.errors import RequestTooLarge
from aep_activation.limits import MAX_AUDIENCES, MAX_PROFILE_ATTRIBUTES, MAX_REQUEST_BYTES
from aep_activation.request import parse_activation_request
from tests.statemachine.harness import example

TEMPLATE = "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_NAME%_%TIMESTAMP%_" + "custom-text." * 4
ATTRIBUTE_LENGTH = 120


def _request(name_length: int, **fields: Any) -> dict[str, Any]:
    body = example("amazon-s3-new-card")
    schedules = body["audiences"]
    body["audiences"] = [
        {
            **schedules[index % len(schedules)],
            "id": str(uuid.UUID(int=index + 1)),
            "name": (f"Audience {index:03d} " + "n" * name_length)[:name_length],
            "filenameTemplate": TEMPLATE,
        }
        for index in range(MAX_AUDIENCES)
    ]
    body["profileAttributes"] = [
        (f"attribute{index:02d}." + "x" * ATTRIBUTE_LENGTH)[:ATTRIBUTE_LENGTH]
        for index in range(MAX_PROFILE_ATTRIBUTES)
    ]
    body["mandatoryFields"] = body["profileAttributes"][:1]
    body.update(fields)
    return body


def _size(body: dict[str, Any]) -> int | None:
    try:
        request = parse_activation_request(body)
    except RequestTooLarge:
        return None
    return len(json.dumps(request.to_state(), separators=(",", ":")).encode("utf-8"))


def largest_request(name: str, **fields: Any) -> dict[str, Any]:
    """The accepted request with the longest audience names (at most 256 characters)."""
    fields["name"] = name
    low, high = 16, 256
    while low < high:
        middle = (low + high + 1) // 2
        if _size(_request(middle, **fields)) is None:
            high = middle - 1
        else:
            low = middle
    body = _request(low, **fields)
    size = _size(body)
    assert size is not None
    assert size > MAX_REQUEST_BYTES - 2 * MAX_AUDIENCES, size
    return body
