"""Create a template's resources in moto (inside ``mock_aws``), as CloudFormation would.

Order matters as it does for CloudFormation: buses, queues (dead-letter queues first),
tables, functions, state machines (their DefinitionSubstitutions name the functions' ARNs), then
EventBridge rules. Each made resource's ``Ref`` and attributes go into the resolver, so later
expressions (a function's environment naming the state machine) resolve.

moto's EventBridge cannot deliver to a Step Functions target: each rule targeting a state
machine gets a local SQS "delivery" queue as its moto target instead (moto still matches the
rule's pattern), and every bus gets an "observer" rule and queue that keep every event put
on it, so callers can read the result events.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.runtime.template import (
    ACCOUNT_ID,
    EventRuleSpec,
    QueueSpec,
    Resolver,
    TableSpec,
    Template,
    TemplateError,
    substitute_definition,
)

_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)
_DELIVERY_TARGET_ID = "local-delivery"


@dataclass(frozen=True)
class RuleDelivery:
    rule: EventRuleSpec
    queue_url: str


@dataclass
class EventQueues:
    """The local queues standing in for EventBridge's delivery: one per rule targeting a
    state machine, and one "observer" per bus that keeps every event put on it."""

    deliveries: list[RuleDelivery] = field(default_factory=list)
    observers: list[str] = field(default_factory=list)


def _placeholder_zip() -> bytes:
    """moto wants code for a function; the real code runs from the template's CodeUri."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Runs in local containers from the template's CodeUri.\n")
    return buffer.getvalue()


class Deployer:
    def __init__(self, template: Template, resolver: Resolver, client: Callable[[str], Any]):
        self.template = template
        self.resolver = resolver
        self._client = client

    def bus_name(self, rule: EventRuleSpec) -> str:
        return "default" if rule.bus is None else self.resolver.resolve_str(rule.bus, rule.name)

    def deploy(self) -> EventQueues:
        role_arn = self._client("iam").create_role(
            RoleName="local-runtime",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        self._create_buses()
        self._create_queues()
        self._create_tables()
        self._create_secrets()
        self._create_functions(role_arn)
        self._create_state_machines(role_arn)
        return self._create_rules()

    def _name(self, value: Any, logical_id: str) -> str:
        return logical_id if value is None else self.resolver.resolve_str(value, logical_id)

    def _create_buses(self) -> None:
        events = self._client("events")
        for bus in self.template.buses.values():
            name = self._name(bus.name, bus.logical_id)
            arn = events.create_event_bus(Name=name)["EventBusArn"]
            self.resolver.physical[bus.logical_id] = {"Ref": name, "Name": name, "Arn": arn}

    def _create_secrets(self) -> None:
        """The stack's own secrets (CloudFormation names an unnamed one after its logical id)."""
        secretsmanager = self._client("secretsmanager")
        for secret in self.template.secrets.values():
            name = self._name(secret.name, secret.logical_id)
            value = self.resolver.resolve_str(secret.secret_string, secret.logical_id)
            arn = secretsmanager.create_secret(Name=name, SecretString=value)["ARN"]
            self.resolver.physical[secret.logical_id] = {"Ref": arn, "Id": arn}

    def _create_queues(self) -> None:
        # A queue's RedrivePolicy names its dead-letter queue: create those first.
        pending = dict(self.template.queues)
        while pending:
            ready = {lid: q for lid, q in pending.items() if self._queue_ready(q)}
            if not ready:
                raise TemplateError(f"queues name each other or unknown queues: {sorted(pending)}")
            for logical_id, queue in ready.items():
                self._create_queue(queue)
                del pending[logical_id]

    def _queue_ready(self, queue: QueueSpec) -> bool:
        redrive = queue.attributes.get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn")
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            return str(target["Fn::GetAtt"][0]) in self.resolver.physical
        return True

    def _create_queue(self, queue: QueueSpec) -> None:
        sqs = self._client("sqs")
        resolve = self.resolver.resolve
        name = self._name(queue.name, queue.logical_id)
        attributes = {
            key: str(resolve(queue.attributes[key]))
            for key in _QUEUE_ATTRIBUTES
            if key in queue.attributes
        }
        if "RedrivePolicy" in queue.attributes:
            attributes["RedrivePolicy"] = json.dumps(resolve(queue.attributes["RedrivePolicy"]))
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = _queue_arn(sqs, url)
        self.resolver.physical[queue.logical_id] = {
            "Ref": url,
            "QueueUrl": url,
            "Arn": arn,
            "QueueName": name,
        }

    def _create_tables(self) -> None:
        for table in self.template.tables.values():
            self._create_table(table)

    def _create_table(self, table: TableSpec) -> None:
        dynamodb = self._client("dynamodb")
        # CloudFormation names an unnamed table <stack>-<logical id>-<suffix>.
        name = (
            f"{self.resolver.stack_name}-{table.logical_id}"
            if table.name is None
            else self.resolver.resolve_str(table.name, table.logical_id)
        )
        description = dynamodb.create_table(
            TableName=name,
            KeySchema=[dict(key) for key in table.key_schema],
            AttributeDefinitions=[dict(a) for a in table.attribute_definitions],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]
        if table.ttl_attribute is not None:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        self.resolver.physical[table.logical_id] = {
            "Ref": name,
            "Arn": description["TableArn"],
        }

    def _create_functions(self, role_arn: str) -> None:
        code = _placeholder_zip()
        lambda_client = self._client("lambda")
        for spec in self.template.functions.values():
            arn = lambda_client.create_function(
                FunctionName=spec.logical_id,
                Runtime=spec.runtime,
                Role=role_arn,
                Handler=spec.handler,
                Code={"ZipFile": code},
                Timeout=spec.timeout,
                MemorySize=spec.memory_size,
            )["FunctionArn"]
            self.resolver.physical[spec.logical_id] = {"Ref": spec.logical_id, "Arn": arn}
            if spec.auto_publish_alias is not None:
                self._publish(spec.logical_id, spec.auto_publish_alias)

    def _publish(self, function: str, alias: str) -> None:
        """What SAM's AutoPublishAlias makes: a version and an alias on it, named by
        ``!Ref Function.Version`` (the version's ARN) and ``!Ref Function.Alias`` (the alias's)."""
        lambda_client = self._client("lambda")
        version = lambda_client.publish_version(FunctionName=function)
        alias_arn = lambda_client.create_alias(
            FunctionName=function, Name=alias, FunctionVersion=version["Version"]
        )["AliasArn"]
        self.resolver.physical[f"{function}.Version"] = {"Ref": version["FunctionArn"]}
        self.resolver.physical[f"{function}.Alias"] = {"Ref": alias_arn}

    def _create_state_machines(self, role_arn: str) -> None:
        stepfunctions = self._client("stepfunctions")
        for spec in self.template.state_machines.values():
            values = {
                key: self.resolver.resolve_str(
                    value, f"{spec.logical_id}.DefinitionSubstitutions.{key}"
                )
                for key, value in spec.substitutions.items()
            }
            definition = substitute_definition(
                spec.definition_path.read_text(encoding="utf-8"), values, spec.logical_id
            )
            name = self._name(spec.name, spec.logical_id)
            arn = stepfunctions.create_state_machine(
                name=name, definition=definition, roleArn=role_arn, type=spec.type
            )["stateMachineArn"]
            self.resolver.physical[spec.logical_id] = {"Ref": arn, "Arn": arn, "Name": name}

    def _create_rules(self) -> EventQueues:
        events = self._client("events")
        queues = EventQueues()
        for rule in self.template.event_rules:
            bus = self.bus_name(rule)
            pattern = self.resolver.resolve(dict(rule.pattern))
            events.put_rule(Name=rule.name, EventBusName=bus, EventPattern=json.dumps(pattern))
            queue_url = self._delivery_queue(f"local-{rule.name}-deliveries", rule.name, bus)
            queues.deliveries.append(RuleDelivery(rule, queue_url))
        buses = {self.bus_name(rule) for rule in self.template.event_rules}
        buses |= {self.resolver.physical[b]["Ref"] for b in self.template.buses}
        for bus in sorted(buses):
            # Every event on the bus (this account's): lets callers see the result events.
            rule_name = f"local-observe-{bus}"
            events.put_rule(
                Name=rule_name, EventBusName=bus, EventPattern=json.dumps({"account": [ACCOUNT_ID]})
            )
            queues.observers.append(self._delivery_queue(f"{rule_name}-events", rule_name, bus))
        return queues

    def _delivery_queue(self, queue_name: str, rule_name: str, bus: str) -> str:
        sqs = self._client("sqs")
        url: str = sqs.create_queue(QueueName=queue_name[:80])["QueueUrl"]
        self._client("events").put_targets(
            Rule=rule_name,
            EventBusName=bus,
            Targets=[{"Id": _DELIVERY_TARGET_ID, "Arn": _queue_arn(sqs, url)}],
        )
        return url


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])
