"""How Adobe authenticates to the destination, and where its files land.

Credentials never travel here: ``auth`` names the Secrets Manager secret that holds them, and a
target param that looks like one is refused.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Self

from pydantic import ConfigDict, Field, model_validator

from aep_activation import catalog
from aep_activation.fields import NonEmptyText, RequestModel, RoleArn, SecretId
from aep_activation.request.credentials import USE_A_SECRET, looks_like_credential
from aep_activation.violations import Loc, Violations


class DestinationAuth(RequestModel):
    """How to authenticate: the auth spec's name and the secret holding its params."""

    spec_name: NonEmptyText = Field(description="The connection spec's authSpec name.")
    secret_id: SecretId | None = Field(
        default=None,
        description="Name or ARN of the Secrets Manager secret holding the auth params "
        "(a JSON object). Not needed by auth specs without secret params (Data Landing Zone, "
        "Amazon S3 Assumed Role).",
    )
    s3_role: RoleArn | None = Field(
        default=None,
        description="Amazon S3 (new) with auth spec Assumed Role: the ARN of the IAM role "
        "Adobe assumes to write to the bucket. Not a secret.",
    )

    @property
    def request_params(self) -> dict[str, str]:
        """Auth params the request itself carries (not secrets)."""
        return {"s3Role": self.s3_role} if self.s3_role is not None else {}


def _target_json_schema(schema: dict[str, Any]) -> None:
    schema["additionalProperties"] = {"type": "string"}
    properties = schema.setdefault("properties", {})
    properties["csvOptions"] = {
        "type": "object",
        "description": "New cards, fileType CSV: " + ", ".join(catalog.CSV_OPTIONS),
        "properties": {
            key: {"type": "string", "enum": list(values)}
            for key, values in catalog.CSV_OPTIONS.items()
        },
        "additionalProperties": False,
    }
    properties["includeFileManifest"] = {
        "type": "boolean",
        "description": "New cards: also write a manifest file listing the exported files.",
    }


def _csv_option_problems(value: Any) -> list[tuple[Loc, str]]:
    if not isinstance(value, dict):
        return [(("csvOptions",), "must be an object")]
    found: list[tuple[Loc, str]] = []
    for key, option in value.items():
        allowed = catalog.CSV_OPTIONS.get(str(key))
        if allowed is None:
            found.append(
                (
                    ("csvOptions", key),
                    "is not a CSV option; known: " + ", ".join(catalog.CSV_OPTIONS),
                )
            )
        elif option not in allowed:
            shown = ", ".join(repr(v) for v in allowed)
            found.append((("csvOptions", key), f"must be one of {shown}"))
    return found


class DestinationTarget(RequestModel):
    """Where files land: ``mode`` plus that mode's params, exactly as Adobe names them."""

    # Params are typed Any and checked below, so a non-string param does not hide the
    # other target errors (a failed field would skip this model's validator).
    model_config = ConfigDict(extra="allow", json_schema_extra=_target_json_schema)

    mode: NonEmptyText
    __pydantic_extra__: dict[str, Any] = Field(init=False)

    @property
    def params(self) -> dict[str, Any]:
        """The target connection's ``params`` (mode and file options included)."""
        return {"mode": self.mode, **self.extra_params, **self.file_options}

    @property
    def extra_params(self) -> dict[str, str]:
        """The string params besides ``mode`` (location, fileType, compression...)."""
        return {
            key: str(value)
            for key, value in (self.__pydantic_extra__ or {}).items()
            if key not in catalog.NEW_CARD_FILE_OPTIONS
        }

    @property
    def file_options(self) -> dict[str, Any]:
        """The new cards' structured params: ``csvOptions`` (object), ``includeFileManifest``."""
        return {
            key: value
            for key, value in (self.__pydantic_extra__ or {}).items()
            if key in catalog.NEW_CARD_FILE_OPTIONS
        }

    @model_validator(mode="after")
    def _params_are_plain_locations(self) -> Self:
        problems = Violations()
        for key, value in (self.__pydantic_extra__ or {}).items():
            if looks_like_credential(key):
                problems.add(key, f"looks like a credential; {USE_A_SECRET}")
            elif key == "includeFileManifest":
                if not isinstance(value, bool):
                    problems.add(key, "must be true or false")
            elif key == "csvOptions":
                problems.items.extend(_csv_option_problems(value))
            elif not isinstance(value, str):
                problems.add(key, "must be a string")
            elif not value.strip():
                problems.add(key, "must not be empty")
            elif any(unicodedata.category(c) == "Cc" for c in value):
                problems.add(key, "must not contain control characters (NUL, CR, LF, ESC...)")
            if any(unicodedata.category(c) == "Cc" for c in key):
                problems.add(repr(key)[1:-1], "is a param name with control characters")
        problems.raise_if_any()
        return self
