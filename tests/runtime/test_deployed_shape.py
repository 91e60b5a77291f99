"""What SAM makes of template.yaml (the CloudFormation it deploys), read with SAM's own
translator: the published versions and aliases the triggers call, the permissions boundary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from local.runtime.template import parse_template_text

ROOT = Path(__file__).resolve().parents[2]


class _ManagedPolicies:
    """The managed policies SAM attaches, by name (the translator would ask IAM)."""

    def load(self) -> dict[str, str]:
        return {
            "AWSLambdaBasicExecutionRole": (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
            "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        }


@pytest.fixture(scope="module")
def deployed(monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    # The translator wants packaged (S3) code locations, as `sam deploy` hands it.
    text = re.sub(r"(CodeUri|ContentUri|DefinitionUri): (\S+)", r"\1: s3://bucket/\2", text)
    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")
    resources: dict[str, Any] = transform(parse_template_text(text), {}, _ManagedPolicies())[
        "Resources"
    ]
    return resources


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_the_state_machine_calls_published_versions(deployed: dict[str, Any]) -> None:
    (machine,) = of_type(deployed, "AWS::StepFunctions::StateMachine").values()
    versions = of_type(deployed, "AWS::Lambda::Version")
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert substitutions
    tables = of_type(deployed, "AWS::DynamoDB::Table")
    for key, value in substitutions.items():
        # Functions by published version; the registry table its native writes name.
        assert value["Ref"] in (tables if key.endswith("TableName") else versions), key


def test_the_sqs_mapping_and_the_event_rules_call_aliases(deployed: dict[str, Any]) -> None:
    aliases = of_type(deployed, "AWS::Lambda::Alias")
    functions = of_type(deployed, "AWS::Lambda::Function")
    assert len(aliases) == len(functions)
    assert {a["Properties"]["Name"] for a in aliases.values()} == {"live"}
    for mapping in of_type(deployed, "AWS::Lambda::EventSourceMapping").values():
        assert mapping["Properties"]["FunctionName"]["Ref"] in aliases
    lambda_targets = 0
    for rule in of_type(deployed, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            reference = target["Arn"].get("Ref") or target["Arn"].get("Fn::GetAtt", [""])[0]
            if reference in functions:
                pytest.fail(f"{target['Id']} calls $LATEST of {reference}")
            if reference in aliases:
                lambda_targets += 1
    assert lambda_targets >= 1


def test_every_function_role_has_the_permissions_boundary(deployed: dict[str, Any]) -> None:
    functions = of_type(deployed, "AWS::Lambda::Function")
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    for role in roles:
        boundary = deployed[role]["Properties"].get("PermissionsBoundary")
        assert boundary == {"Ref": "FunctionPermissionsBoundary"}, role
