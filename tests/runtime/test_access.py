"""Issue 7, section 4: who may do what in template.yaml, read from the real template.

- every IAM statement names its resources (the one exception is Step Functions' log
  delivery, whose actions AWS defines on ``*`` only);
- a function may read (GetSecretValue) exactly the secrets its handler reads: the Adobe
  credentials when it talks to Flow Service, destination secrets when it reads their keys or
  values, nothing else;
- every queue is encrypted at rest, and so is the alarm topic;
- alarms watch failed executions and every dead-letter queue;
- each checkov suppression says why.

cfn-lint and checkov themselves run on the template in ``make test`` (target ``template-lint``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from local.runtime.template import parse_template_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = parse_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
CHECKOV_CONFIG = ROOT / ".checkov.yaml"

# SAM policy templates: each grants its actions on the one resource its argument names.
SAM_POLICY_TEMPLATES = {
    "LambdaInvokePolicy": "FunctionName",
    "StepFunctionsExecutionPolicy": "StateMachineName",
    "SQSPollerPolicy": "QueueName",
    "SQSSendMessagePolicy": "QueueName",
}
# AWS documents these as account-level actions that take no resource ARN.
LOG_DELIVERY_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
ADOBE_CREDENTIALS = "${AdobeCredentialsSecretName}"
DESTINATION_SECRETS = "${DestinationSecretsPrefix}"


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


FUNCTIONS = of_type("AWS::Serverless::Function")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in as_list(resource["Properties"].get("Policies") or []):
        if isinstance(policy, dict) and "Statement" in policy:
            found.extend(as_list(policy["Statement"]))
    return found


def resource_text(statement: dict[str, Any]) -> list[str]:
    """Each resource of a statement, as text (a ``!Sub`` string or a reference)."""
    texts = []
    for item in as_list(statement.get("Resource")):
        if isinstance(item, dict) and "Fn::Sub" in item:
            texts.append(str(item["Fn::Sub"]))
        else:
            texts.append(str(item))
    return texts


def test_every_iam_statement_names_its_resources() -> None:
    checked = 0
    for name, resource in {**FUNCTIONS, **of_type("AWS::Serverless::StateMachine")}.items():
        for policy in as_list(resource["Properties"].get("Policies") or []):
            if isinstance(policy, str):
                pytest.fail(f"{name}: managed policy {policy} names no resource")
            if "Statement" in policy:
                continue
            ((template_name, argument),) = policy.items()
            assert template_name in SAM_POLICY_TEMPLATES, (name, template_name)
            assert argument.get(SAM_POLICY_TEMPLATES[template_name]), (name, policy)
            checked += 1
        for statement in statements(resource):
            assert statement.get("Effect") == "Allow", (name, statement)
            assert "NotResource" not in statement, (name, statement)
            assert "NotAction" not in statement, (name, statement)
            texts = resource_text(statement)
            assert texts, (name, statement)
            actions = set(as_list(statement["Action"]))
            assert not any("*" in action for action in actions), (name, actions)
            if texts == ["*"]:
                assert actions <= LOG_DELIVERY_ACTIONS, (name, statement.get("Sid"), actions)
            else:
                assert all(text != "*" and not text.endswith(":*") for text in texts), texts
            checked += 1
    for name, resource in of_type("AWS::SQS::QueuePolicy").items():
        for statement in as_list(resource["Properties"]["PolicyDocument"]["Statement"]):
            assert statement.get("Resource") not in (None, "*"), name
            assert statement.get("Condition"), (name, "a service principal needs a source")
            checked += 1
    assert checked > 20


def readable_secrets(resource: dict[str, Any]) -> set[str]:
    """Which secrets a function may GetSecretValue: the Adobe credentials, destinations, the
    stack's shared IMS token."""
    readable = set()
    for statement in statements(resource):
        if "secretsmanager:GetSecretValue" not in as_list(statement["Action"]):
            continue
        if statement["Resource"] == {"Ref": "ImsTokenCache"}:
            readable.add("ims-token-cache")
            continue
        for text in resource_text(statement):
            assert text.startswith("arn:${AWS::Partition}:secretsmanager:"), text
            secret = text.split(":secret:", 1)[1]
            if secret == f"{ADOBE_CREDENTIALS}-??????":
                readable.add("adobe-credentials")
            elif secret == f"{DESTINATION_SECRETS}*":
                readable.add("destination-secrets")
            else:
                pytest.fail(f"unexpected secret resource {text}")
    return readable


def secrets_the_handler_reads(resource: dict[str, Any]) -> set[str]:
    """What the handler's code reads: a Flow Service client needs the Adobe credentials;
    reading a destination secret's keys or values needs the destination secrets."""
    code = ROOT / resource["Properties"]["CodeUri"] / "app.py"
    source = code.read_text(encoding="utf-8")
    needs = set()
    if "flow_service_for(" in source:  # a Flow Service client: credentials and shared token
        needs |= {"adobe-credentials", "ims-token-cache"}
    if re.search(r"\b(get_json_secret|secret_keys)\b", source):
        needs.add("destination-secrets")
    return needs


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_a_function_reads_only_the_secrets_it_needs(function: str) -> None:
    resource = FUNCTIONS[function]

    assert readable_secrets(resource) == secrets_the_handler_reads(resource)


def test_the_secret_needs_are_not_vacuous() -> None:
    needs = {name: secrets_the_handler_reads(r) for name, r in FUNCTIONS.items()}
    assert needs["ResolveSpecsFunction"] == {
        "adobe-credentials",
        "ims-token-cache",
        "destination-secrets",
    }
    assert needs["EnsureProfileBaseConnectionFunction"] == {"adobe-credentials", "ims-token-cache"}
    assert needs["PublishResultFunction"] == set()
    assert needs["StartActivationFunction"] == set()


def test_only_validate_request_describes_destination_secrets() -> None:
    describers = {
        name
        for name, r in FUNCTIONS.items()
        for s in statements(r)
        if "secretsmanager:DescribeSecret" in as_list(s["Action"])
    }
    assert describers == {"ValidateRequestFunction"}


@pytest.mark.parametrize("queue", sorted(of_type("AWS::SQS::Queue")))
def test_every_queue_is_encrypted_at_rest(queue: str) -> None:
    properties = RESOURCES[queue]["Properties"]

    assert properties.get("SqsManagedSseEnabled") is True or properties.get("KmsMasterKeyId")


def test_the_alarm_topic_is_encrypted() -> None:
    for topic in of_type("AWS::SNS::Topic").values():
        assert topic["Properties"].get("KmsMasterKeyId")


def dead_letter_queues() -> set[str]:
    queues = set()
    for resource in RESOURCES.values():
        redrive = resource.get("Properties", {}).get("RedrivePolicy")
        if redrive:
            queues.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            target = (event.get("Properties") or {}).get("DeadLetterConfig")
            if target:
                queues.add(target["Arn"]["Fn::GetAtt"][0])
    return queues


def alarms() -> list[dict[str, Any]]:
    return [r["Properties"] for r in of_type("AWS::CloudWatch::Alarm").values()]


def test_an_alarm_fires_on_a_failed_execution() -> None:
    (state_machine,) = of_type("AWS::Serverless::StateMachine")
    watching = [
        a
        for a in alarms()
        if (a["Namespace"], a["MetricName"]) == ("AWS/States", "ExecutionsFailed")
        and {"Name": "StateMachineArn", "Value": {"Ref": state_machine}} in a["Dimensions"]
    ]
    assert len(watching) == 1
    (alarm,) = watching
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_an_alarm_fires_on_every_dead_letter_queue_holding_a_message() -> None:
    queues = dead_letter_queues()
    assert queues == {"AudienceRequestDLQ", "RequestEventsDLQ", "ExecutionEndedCleanupDLQ"}
    for queue in queues:
        watching = [
            a
            for a in alarms()
            if (a["Namespace"], a["MetricName"])
            == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
            and {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
            in a["Dimensions"]
        ]
        assert len(watching) == 1, queue
        assert (watching[0]["Threshold"], watching[0]["ComparisonOperator"]) == (
            0,
            "GreaterThanThreshold",
        )


def test_every_checkov_suppression_says_why() -> None:
    lines = CHECKOV_CONFIG.read_text(encoding="utf-8").splitlines()
    skipped = [(i, line) for i, line in enumerate(lines) if re.match(r"\s*-\s*CKV_", line)]
    assert skipped
    for index, line in skipped:
        reason = lines[index - 1].strip()
        assert reason.startswith("# why:"), (line, reason)
        assert len(reason) > 30, (line, reason)
