"""Reporting the request's broken rules, each with the path of the field that breaks it.

Plain field errors carry pydantic's own location. Rules that span several fields (a schedule
that does not fit its export mode, a target param the destination does not take) are checked
in the smallest model that holds those fields and raised as one ``activation_rules`` error
whose context lists ``(relative path, message)`` pairs; the request's error text
(:mod:`aep_activation.request.messages`) expands them under the model's location.

Shared by the request's models and naming's (:mod:`aep_activation.naming`), so it imports
neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

if TYPE_CHECKING:  # pydantic's schema generator is not loaded in the Lambdas
    from pydantic.json_schema import JsonSchemaValue

Loc = tuple[str | int, ...]

RULES_ERROR = "activation_rules"


class Violations:
    """Collects (relative path, message) pairs and raises them as one pydantic error."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, path: Loc | str | int, message: str) -> None:
        loc: Loc = path if isinstance(path, tuple) else (path,)
        self.items.append((loc, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise rules_error(self.items)


def rules_error(items: Sequence[tuple[Loc, str]]) -> PydanticCustomError:
    summary = "; ".join(message for _, message in items)
    return PydanticCustomError(
        RULES_ERROR, "{summary}", {"summary": summary, "violations": tuple(items)}
    )


def fail(message: str) -> PydanticCustomError:
    """One violation at the location pydantic is validating."""
    return rules_error([((), message)])


def format_path(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) if loc else "(root)"


@dataclass(frozen=True)
class Matches:
    """A string rule: a regular expression (also exported to the JSON Schema) and its words."""

    regex: str
    rule: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        compiled = re.compile(self.regex)
        rule = self.rule

        def check(value: str) -> str:
            if compiled.fullmatch(value) is None:
                raise fail(rule)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.regex
        return json_schema
