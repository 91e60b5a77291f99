"""The guardrails in ``limits.py`` are the ones the committed JSON Schema and the model enforce.

The schema's soft limits (``allOf``) and the ``overrideSoftLimits`` names are read from the
committed file, so a ceiling changed in one place and not the other fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from aep_activation.errors import InvalidActivationRequest
from aep_activation.limits import SOFT_LIMIT_RULES, SOFT_LIMITS, soft_limits_json_schema
from aep_activation.request import parse_activation_request
from tests.model.invalid_requests import TODAY, valid_request

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "activation-request.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _schema_soft_limits() -> dict[str, tuple[str, int]]:
    """name -> (field, maxItems), as the committed schema's ``allOf`` states them."""
    found: dict[str, tuple[str, int]] = {}
    for rule in SCHEMA["allOf"]:
        name = rule["if"]["not"]["properties"]["overrideSoftLimits"]["contains"]["const"]
        ((field, bound),) = rule["then"]["properties"].items()
        found[name] = (field, bound["maxItems"])
    return found


def test_the_committed_schema_states_every_soft_limit_of_limits_py() -> None:
    assert _schema_soft_limits() == {
        name: (rule.field, rule.ceiling) for name, rule in SOFT_LIMIT_RULES.items()
    }
    assert SCHEMA["allOf"] == soft_limits_json_schema()


def test_the_schema_offers_to_override_exactly_the_soft_limits() -> None:
    override = SCHEMA["properties"]["overrideSoftLimits"]
    assert override["items"]["enum"] == list(SOFT_LIMITS)
    for name, ceiling in SOFT_LIMITS.items():
        assert f"{name} ({ceiling})" in override["description"]


def _with_count(field: str, count: int) -> dict[str, Any]:
    body = valid_request()
    if field == "audiences":
        template = body["audiences"][0]
        body["audiences"] = [
            {**template, "id": f"00000000-0000-4000-8000-{index:012d}"} for index in range(count)
        ]
    else:
        body["profileAttributes"] = [f"person.field{index}" for index in range(count)]
    body["mandatoryFields"] = []
    body["deduplicationKeys"] = []
    return body


@pytest.mark.parametrize("name", list(SOFT_LIMIT_RULES))
def test_schema_and_model_refuse_one_over_each_soft_limit_unless_overridden(name: str) -> None:
    rule = SOFT_LIMIT_RULES[name]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    at_ceiling = _with_count(rule.field, rule.ceiling)
    over = _with_count(rule.field, rule.ceiling + 1)

    assert validator.is_valid(at_ceiling)
    assert parse_activation_request(at_ceiling, today=TODAY)
    assert not validator.is_valid(over)
    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(over, today=TODAY)
    assert [error["path"] for error in caught.value.errors] == [rule.field]
    assert str(rule.ceiling) in caught.value.errors[0]["message"]

    over["overrideSoftLimits"] = [name]
    assert validator.is_valid(over)
    assert parse_activation_request(over, today=TODAY)
