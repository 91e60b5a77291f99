"""The activation request's JSON Schema, generated from the models (``schema/``).

    python -m aep_activation.request_schema --write-schema schema/activation-request.schema.json

Kept out of :mod:`aep_activation.request`: no Lambda needs pydantic's schema generator.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from aep_activation.request import ActivationRequest


class _UntitledFields(GenerateJsonSchema):
    """Leaves out pydantic's per-field titles ("Exportmode"): the property name says it."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def activation_request_json_schema() -> dict[str, Any]:
    """The request's JSON Schema (draft 2020-12), generated from the models."""
    return ActivationRequest.model_json_schema(
        by_alias=True, mode="validation", schema_generator=_UntitledFields
    )


def render_json_schema() -> str:
    """The schema as committed in ``schema/activation-request.schema.json``."""
    return json.dumps(activation_request_json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the activation request JSON Schema.")
    parser.add_argument("--write-schema", type=Path, help="write the schema to this file")
    args = parser.parse_args(argv)
    if args.write_schema is None:
        sys.stdout.write(render_json_schema())
    else:
        args.write_schema.parent.mkdir(parents=True, exist_ok=True)
        args.write_schema.write_text(render_json_schema(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
