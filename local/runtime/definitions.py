"""Each state machine's definition as CloudFormation would deploy it, for an independent ASL check.

``sam validate`` and cfn-lint never read a ``DefinitionUri`` file, so nothing checks the
definition as AWS will see it. This writes it out with its ``DefinitionSubstitutions`` applied,
every reference replaced by a value of the shape CloudFormation gives it (a function's ARN, a
published version's ``...:function:<name>:1``, an alias's ``...:function:<name>:live``), for
``asl-validator`` (``make asl-validate``)::

    python -m local.runtime.definitions --out .asl     # .asl/<StateMachine>.asl.json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from local.runtime.template import (
    ACCOUNT_ID,
    PARTITION,
    Resolver,
    Template,
    load_template,
    substitute_definition,
)

REGION = "us-east-1"
STACK_NAME = "aep-activation"


def placeholder_resources(template: Template, resolver: Resolver) -> None:
    """Fill ``resolver.physical`` with values shaped as CloudFormation's for every resource."""
    prefix = f"arn:{PARTITION}"
    for logical_id, kind in template.resource_types.items():
        service = kind.split("::")[1].lower()
        name = f"{STACK_NAME}-{logical_id}"
        arn = f"{prefix}:{service}:{REGION}:{ACCOUNT_ID}:{logical_id.lower()}/{name}"
        resolver.physical[logical_id] = {"Ref": name, "Arn": arn, "Name": name}
    for logical_id, spec in template.functions.items():
        name = f"{STACK_NAME}-{logical_id}"
        arn = f"{prefix}:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        resolver.physical[logical_id] = {"Ref": name, "Arn": arn}
        if spec.auto_publish_alias is not None:
            resolver.physical[f"{logical_id}.Version"] = {"Ref": f"{arn}:1"}
            resolver.physical[f"{logical_id}.Alias"] = {"Ref": f"{arn}:{spec.auto_publish_alias}"}
    for logical_id in template.state_machines:
        name = f"{STACK_NAME}-{logical_id}"
        arn = f"{prefix}:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"
        resolver.physical[logical_id] = {"Ref": arn, "Arn": arn, "Name": name}


def render_definitions(template_path: Path) -> dict[str, str]:
    """Each state machine's logical id and its definition, substituted as on deploy."""
    template = load_template(template_path)
    resolver = Resolver(template, region=REGION, stack_name=STACK_NAME)
    placeholder_resources(template, resolver)
    rendered = {}
    for logical_id, spec in template.state_machines.items():
        values = {
            key: resolver.resolve_str(value, f"{logical_id}.DefinitionSubstitutions.{key}")
            for key, value in spec.substitutions.items()
        }
        text = spec.definition_path.read_text(encoding="utf-8")
        rendered[logical_id] = substitute_definition(text, values, logical_id)
    return rendered


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for logical_id, definition in render_definitions(args.template).items():
        path = args.out / f"{logical_id}.asl.json"
        path.write_text(definition, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
