"""Who may do what in template.yaml, read from the real template.

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
    # A Flow Service client, made here (wiring.adobe_step) or handed on as a factory
    # (flow_service_for): credentials and shared token.
    if re.search(r"\b(adobe_step|flow_service_for)\b", source):
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


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use() -> None:
    # CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns key, whose
    # policy nobody can change: the alarms would fail with an authorisation error.
    (topic_id,) = of_type("AWS::SNS::Topic")
    topic = RESOURCES[topic_id]
    assert "Condition" not in topic, "the alarms always need their topic"
    key_ref = topic["Properties"]["KmsMasterKeyId"]
    assert isinstance(key_ref, dict), f"{key_ref!r}: an AWS-managed key CloudWatch may not use"
    key = RESOURCES[key_ref["Ref"]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    policy = key["Properties"]["KeyPolicy"]
    for_cloudwatch = [
        statement
        for statement in as_list(policy["Statement"])
        if statement.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert len(for_cloudwatch) == 1
    (statement,) = for_cloudwatch
    assert statement["Effect"] == "Allow"
    assert set(as_list(statement["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # only this account's alarms
    condition = statement["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert ":${AWS::AccountId}:alarm:" in condition["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    # No other service, and no principal outside the account, may use the key.
    for other in as_list(policy["Statement"]):
        principal = other.get("Principal")
        assert principal not in ("*", {"AWS": "*"}), other
        if other is not statement:
            assert principal == {
                "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            }, other


def dead_letter_queues() -> set[str]:
    """Queues something dead-letters into: a redrive policy's target (SQS moves messages) or
    an EventBridge target's DeadLetterConfig (EventBridge sends them)."""
    return redrive_targets() | sent_dead_letter_queues()


def redrive_targets() -> set[str]:
    return {
        resource["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for resource in RESOURCES.values()
        if resource.get("Properties", {}).get("RedrivePolicy")
    }


def sent_dead_letter_queues() -> set[str]:
    queues = set()
    for resource in RESOURCES.values():
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            target = (event.get("Properties") or {}).get("DeadLetterConfig")
            if target:
                queues.add(target["Arn"]["Fn::GetAtt"][0])
    return queues


def alarms() -> list[dict[str, Any]]:
    return [r["Properties"] for r in of_type("AWS::CloudWatch::Alarm").values()]


def test_every_alarm_notifies_the_topic() -> None:
    (topic,) = of_type("AWS::SNS::Topic")
    assert len(alarms()) >= 5
    for alarm in alarms():
        assert alarm["AlarmActions"] == [{"Ref": topic}], alarm["AlarmDescription"]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
        assert alarm["TreatMissingData"] == "notBreaching"


def test_system_failures_page_and_a_requesters_invalid_request_does_not() -> None:
    watching = [
        a
        for a in alarms()
        if (a.get("Namespace"), a.get("MetricName")) == ("AepActivation", "ActivationsFailed")
    ]
    assert len(watching) == 1
    (alarm,) = watching
    # Exactly the dimensions Powertools emits with PublishResult's count (service + kind).
    assert alarm["Dimensions"] == [
        {"Name": "service", "Value": "aep-activation"},
        {"Name": "kind", "Value": "system"},
    ]
    # ExecutionsFailed counts a requester's typo too: no alarm on it.
    assert not [a for a in alarms() if a.get("MetricName") == "ExecutionsFailed"]


@pytest.mark.parametrize("metric", ["ExecutionsTimedOut", "ExecutionsAborted"])
def test_an_alarm_fires_on_a_timed_out_or_aborted_execution(metric: str) -> None:
    (state_machine,) = of_type("AWS::Serverless::StateMachine")
    watching = [
        a
        for a in alarms()
        if (a.get("Namespace"), a.get("MetricName")) == ("AWS/States", metric)
        and a["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": state_machine}}]
    ]
    assert len(watching) == 1


def queue_alarms(queue: str) -> list[dict[str, Any]]:
    """Alarms on ``queue``, plain or through metric math, each as (metric, expression)."""
    dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
    found = []
    for alarm in alarms():
        if dimension in alarm.get("Dimensions", []):
            found.append({"metric": alarm["MetricName"], "expression": None})
        for query in alarm.get("Metrics", []):
            metric = (query.get("MetricStat") or {}).get("Metric") or {}
            if dimension in metric.get("Dimensions", []):
                (expression,) = [q["Expression"] for q in alarm["Metrics"] if q.get("ReturnData")]
                assert expression.replace(" ", "") == f"DIFF(FILL({query['Id']},0))"
                found.append({"metric": metric["MetricName"], "expression": expression})
    return found


def test_each_new_dead_letter_notifies_again() -> None:
    # "ApproximateNumberOfMessagesVisible > 0" stays in ALARM while the queue holds anything,
    # and an alarm notifies only when its state changes: a second dead letter would be silent.
    assert redrive_targets() == {"AudienceRequestDLQ"}
    # EventBridge's dead-letter configs (and, for the cleanup queue, Lambda's on-failure
    # destination) SendMessage.
    assert sent_dead_letter_queues() == {"RequestEventsDLQ", "ExecutionEndedCleanupDLQ"}
    for queue in dead_letter_queues():
        (alarm,) = queue_alarms(queue)
        if queue in redrive_targets():
            # SQS's redrive is not a SendMessage: NumberOfMessagesSent never counts it.
            assert alarm == {
                "metric": "ApproximateNumberOfMessagesVisible",
                "expression": alarm["expression"],
            }
            assert alarm["expression"] is not None
        else:
            assert alarm == {"metric": "NumberOfMessagesSent", "expression": None}


def test_the_starters_rejects_have_their_own_queue_and_page_no_one() -> None:
    starter = FUNCTIONS["StartActivationFunction"]["Properties"]
    rejects = starter["Environment"]["Variables"]["REJECTED_REQUESTS_QUEUE_URL"]["Ref"]
    assert RESOURCES[rejects]["Type"] == "AWS::SQS::Queue"
    assert rejects not in dead_letter_queues()  # redriving a refused request refuses it again
    assert queue_alarms(rejects) == []


TAGGED_TYPES = {
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::SNS::Topic",
    "AWS::CloudWatch::Alarm",
    "AWS::Logs::LogGroup",
    "AWS::Events::EventBus",
}


def test_every_taggable_resource_carries_the_application_and_stage_tags() -> None:
    expected_list = [
        {"Key": "application", "Value": "aep-activation"},
        {"Key": "stage", "Value": {"Ref": "Stage"}},
    ]
    assert TEMPLATE["Globals"]["Function"]["Tags"] == {
        "application": "aep-activation",
        "stage": {"Ref": "Stage"},
    }
    checked = 0
    for name, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::StateMachine":
            assert resource["Properties"]["Tags"] == {
                "application": "aep-activation",
                "stage": {"Ref": "Stage"},
            }
            checked += 1
        elif resource["Type"] in TAGGED_TYPES:
            assert resource["Properties"].get("Tags") == expected_list, name
            checked += 1
    assert checked > 20


def test_every_checkov_suppression_says_why() -> None:
    lines = CHECKOV_CONFIG.read_text(encoding="utf-8").splitlines()
    skipped = [(i, line) for i, line in enumerate(lines) if re.match(r"\s*-\s*CKV_", line)]
    assert skipped
    for index, line in skipped:
        reason = lines[index - 1].strip()
        assert reason.startswith("# why:"), (line, reason)
        assert len(reason) > 30, (line, reason)


def test_results_have_their_own_bus_that_only_the_stacks_reporters_may_put_on() -> None:
    publisher = FUNCTIONS["PublishResultFunction"]["Properties"]
    result_bus = publisher["Environment"]["Variables"]["RESULT_EVENT_BUS"]["Ref"]
    assert RESOURCES[result_bus]["Type"] == "AWS::Events::EventBus"
    # No request rule listens on the result bus, and requests never arrive on it.
    state_machine = RESOURCES["ActivationStateMachine"]["Properties"]
    request_buses = {
        event["Properties"]["EventBusName"]["Ref"]
        for event in state_machine["Events"].values()
        if event["Type"] == "EventBridgeRule"
    }
    assert request_buses
    assert result_bus not in request_buses
    (policy,) = [
        r["Properties"]
        for r in of_type("AWS::Events::EventBusPolicy").values()
        if r["Properties"]["EventBusName"] == {"Ref": result_bus}
    ]
    statement = policy["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Deny",
        "*",
        "events:PutEvents",
    )
    # PublishResult (which also reports the runs that ended outside the state machine), the
    # export watch for the dataflows' export runs and the drift watch for drifted activations.
    assert statement["Condition"] == {
        "ArnNotEquals": {
            "aws:PrincipalArn": [
                {"Fn::GetAtt": ["PublishResultFunctionRole", "Arn"]},
                {"Fn::GetAtt": ["ExportWatchFunctionRole", "Arn"]},
                {"Fn::GetAtt": ["DriftWatchFunctionRole", "Arn"]},
            ]
        }
    }
    # Each reporter may put on the result bus only.
    for function, sid in (
        ("PublishResultFunction", "PublishResultEvents"),
        ("ExportWatchFunction", "ReportExports"),
        ("DriftWatchFunction", "ReportDrift"),
    ):
        (put,) = [s for s in statements(FUNCTIONS[function]) if s["Sid"] == sid]
        assert put["Resource"] == {"Fn::GetAtt": [result_bus, "Arn"]}, function
        variables = FUNCTIONS[function]["Properties"]["Environment"]["Variables"]
        assert variables["RESULT_EVENT_BUS"] == {"Ref": result_bus}, function


def test_function_roles_may_log_only_into_the_stacks_log_groups() -> None:
    # SAM attaches AWSLambdaBasicExecutionRole (logs:CreateLogGroup/CreateLogStream/
    # PutLogEvents on "*") to every function role; a permissions boundary caps it.
    boundary_ref = TEMPLATE["Globals"]["Function"]["PermissionsBoundary"]
    boundary = RESOURCES[boundary_ref["Ref"]]
    assert boundary["Type"] == "AWS::IAM::ManagedPolicy"
    for name, function in FUNCTIONS.items():  # none opts out
        assert "PermissionsBoundary" not in function["Properties"], name
    logs_prefix = "/aws/lambda/${AWS::StackName}/"
    granted = []
    for statement in as_list(boundary["Properties"]["PolicyDocument"]["Statement"]):
        assert statement["Effect"] == "Allow"
        if "NotAction" in statement:
            assert as_list(statement["NotAction"]) == ["logs:*"]
            continue
        actions = set(as_list(statement["Action"]))
        assert all(action.startswith("logs:") for action in actions), actions
        assert actions == {"logs:CreateLogStream", "logs:PutLogEvents"}
        (text,) = resource_text(statement)
        assert text.endswith(f":log-group:{logs_prefix}*"), text
        granted.append(text)
    assert len(granted) == 1
    # ...and every function logs into a group of the stack under that prefix
    for name, function in FUNCTIONS.items():
        group = RESOURCES[function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Properties"]["LogGroupName"]["Fn::Sub"].startswith(logs_prefix), name


def test_every_function_publishes_a_new_version_on_any_change() -> None:
    # A published version keeps the layer version it was published with: without
    # AutoPublishAliasAllProperties a new layer alone would never reach the live versions.
    assert TEMPLATE["Globals"]["Function"]["AutoPublishAlias"] == "live"
    for name, function in FUNCTIONS.items():
        assert function["Properties"].get("AutoPublishAliasAllProperties") is True, name


def test_an_alarm_fires_on_a_failed_execution_that_reported_nothing() -> None:
    # ExecutionsFailed alone would page on a requester's typo; minus what PublishResult
    # counted (both kinds), it is the failures that ended without a result event.
    (state_machine,) = of_type("AWS::Serverless::StateMachine")
    math = [a for a in alarms() if any(q.get("Expression") for q in a.get("Metrics", []))]
    (alarm,) = [
        a
        for a in math
        if any(
            (q.get("MetricStat") or {}).get("Metric", {}).get("MetricName") == "ExecutionsFailed"
            for q in a["Metrics"]
        )
    ]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    metric = {key: q["MetricStat"]["Metric"] for key, q in queries.items() if "MetricStat" in q}
    assert metric["failed"]["Dimensions"] == [
        {"Name": "StateMachineArn", "Value": {"Ref": state_machine}}
    ]
    for kind in ("input", "system"):
        assert (metric[kind]["Namespace"], metric[kind]["MetricName"]) == (
            "AepActivation",
            "ActivationsFailed",
        )
        assert metric[kind]["Dimensions"] == [
            {"Name": "service", "Value": "aep-activation"},
            {"Name": "kind", "Value": kind},
        ]
    (returned,) = [q for q in alarm["Metrics"] if q.get("ReturnData")]
    assert returned["Expression"] == "FILL(failed, 0) - FILL(input, 0) - FILL(system, 0)"
    periods = {q["MetricStat"]["Period"] for q in alarm["Metrics"] if "MetricStat" in q}
    assert periods == {300}


def test_only_the_result_publisher_writes_the_registry_on_its_own_attributes() -> None:
    from aep_activation.registry import EXPORT_CURSOR, RESULT_ATTRIBUTES

    def registry_statements(policies: list[Any]) -> list[dict[str, Any]]:
        return [
            statement
            for policy in policies
            if isinstance(policy, dict)
            for statement in policy.get("Statement", [])
            if any(str(a).startswith("dynamodb:") for a in _as_list(statement["Action"]))
            and statement["Resource"] == {"Fn::GetAtt": ["ActivationRegistryTable", "Arn"]}
        ]

    publisher = FUNCTIONS["PublishResultFunction"]["Properties"]
    (statement,) = registry_statements(publisher["Policies"])
    assert _as_list(statement["Action"]) == ["dynamodb:UpdateItem"]
    allowed = set(statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"])
    assert EXPORT_CURSOR not in allowed  # the export watch's own
    assert allowed == RESULT_ATTRIBUTES  # what its writer may set (tests/steps/test_registry.py)
    assert statement["Condition"]["StringEqualsIfExists"] == {"dynamodb:ReturnValues": "NONE"}
    assert publisher["Environment"]["Variables"]["ACTIVATION_REGISTRY_TABLE"] == {
        "Ref": "ActivationRegistryTable"
    }
    # The state machine itself neither may nor does.
    machine = RESOURCES["ActivationStateMachine"]["Properties"]
    assert registry_statements(machine["Policies"]) == []
    assert "ActivationRegistryTableName" not in machine["DefinitionSubstitutions"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_state_machine_may_do_to_the_lease_table_exactly_what_its_states_do() -> None:
    # The native DynamoDB Tasks of the ASL (arn:aws:states:::dynamodb:putItem, ...) are all the
    # state machine does with the lease table; a right none of them uses is one too many, but
    # GetItem, which Step Functions' own policy for its DynamoDB integrations grants beside
    # them ("IAM policies for Amazon DynamoDB"): the releases read the old item back.
    definition = (ROOT / "statemachine" / "activation.asl.json").read_text(encoding="utf-8")
    used = {
        f"dynamodb:{action[0].upper()}{action[1:]}"
        for action in re.findall(r'"arn:aws:states:::dynamodb:(\w+)"', definition)
    }
    assert used == {"dynamodb:PutItem", "dynamodb:DeleteItem"}
    lease_table = {"Fn::GetAtt": ["ActivationLeaseTable", "Arn"]}
    granted = [
        action
        for statement in statements(RESOURCES["ActivationStateMachine"])
        if statement["Resource"] == lease_table
        for action in as_list(statement["Action"])
    ]
    assert sorted(granted) == sorted(used | {"dynamodb:GetItem"})
