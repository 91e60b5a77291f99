"""Read what the local runtime needs from a SAM template, so nothing is repeated by hand.

The template is parsed as YAML with CloudFormation's short-form tags (``!GetAtt``, ``!Sub``...)
read as their long forms, as cfn-lint's decoder does (cfn-lint itself takes a second to
import), and reduced to plain specs: functions (code dir, handler, layers, environment),
state machines (definition file, substitutions, EventBridge rules), queues, buses and SQS
triggers. Values stay *unresolved* template expressions here; :class:`Resolver` turns them
into strings once the local resources exist (a function's environment may name the state
machine's ARN, which only exists after the functions do).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"

_FUNCTION = "AWS::Serverless::Function"
_LAYER = "AWS::Serverless::LayerVersion"
_STATE_MACHINE = "AWS::Serverless::StateMachine"
_QUEUE = "AWS::SQS::Queue"
_BUS = "AWS::Events::EventBus"
_SECRET = "AWS::SecretsManager::Secret"
_RULE = "AWS::Events::Rule"
_EVENT_SOURCE_MAPPING = "AWS::Lambda::EventSourceMapping"
_TABLE = "AWS::DynamoDB::Table"
_SIMPLE_TABLE = "AWS::Serverless::SimpleTable"
_SCHEDULE = "AWS::Scheduler::Schedule"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(Exception):
    """The template lacks something the local runtime needs, or uses what it cannot resolve."""


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    environment: Mapping[str, Any]
    timeout: int
    memory_size: int
    runtime: str
    # SAM's AutoPublishAlias: the alias a deploy publishes a version under, and so what
    # ``!Ref Function.Alias`` and ``!Ref Function.Version`` name (None: neither exists).
    auto_publish_alias: str | None = None


@dataclass(frozen=True)
class EventRuleSpec:
    """An EventBridge rule whose target is a state machine (SAM event or plain rule)."""

    name: str
    state_machine: str
    bus: Any
    pattern: Mapping[str, Any]
    input_path: str | None


@dataclass(frozen=True)
class FunctionRuleSpec:
    """An EventBridge rule whose target is a function (its SAM ``EventBridgeRule`` event),
    invoked asynchronously: ``retries`` more tries, then ``on_failure`` (a queue's logical id,
    from ``EventInvokeConfig``) gets the failed event."""

    name: str
    function: str
    bus: Any
    pattern: Mapping[str, Any]
    retries: int
    on_failure: str | None


@dataclass(frozen=True)
class ScheduleSpec:
    """An EventBridge Scheduler schedule whose target is a function of the template: what
    it runs (``function``), how often (``expression``), whether it is on (``state``) and
    the target's ``Input`` (with Scheduler's ``<aws.scheduler.*>`` context attributes)."""

    logical_id: str
    function: str
    expression: Any
    state: Any
    input: Any


@dataclass(frozen=True)
class StateMachineSpec:
    logical_id: str
    name: Any
    definition_path: Path
    substitutions: Mapping[str, Any]
    type: str


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    name: Any
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table (``AWS::DynamoDB::Table`` or SAM's ``SimpleTable``), as plain
    CreateTable arguments; ``ttl_attribute`` is the TimeToLiveSpecification's, if enabled."""

    logical_id: str
    name: Any
    key_schema: tuple[Mapping[str, Any], ...]
    attribute_definitions: tuple[Mapping[str, Any], ...]
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class BusSpec:
    logical_id: str
    name: Any


@dataclass(frozen=True)
class SecretSpec:
    logical_id: str
    name: Any
    secret_string: Any


@dataclass(frozen=True)
class QueueTriggerSpec:
    """An SQS event source of a function (SAM ``SQS`` event or an event source mapping)."""

    function: str
    queue: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class Template:
    path: Path
    parameters: Mapping[str, str]
    mappings: Mapping[str, Any]
    conditions: Mapping[str, Any]
    functions: Mapping[str, FunctionSpec]
    state_machines: Mapping[str, StateMachineSpec]
    event_rules: tuple[EventRuleSpec, ...]
    queues: Mapping[str, QueueSpec]
    buses: Mapping[str, BusSpec]
    queue_triggers: tuple[QueueTriggerSpec, ...]
    resource_types: Mapping[str, str] = field(default_factory=dict)
    tables: Mapping[str, TableSpec] = field(default_factory=dict)
    secrets: Mapping[str, SecretSpec] = field(default_factory=dict)
    function_rules: tuple[FunctionRuleSpec, ...] = ()
    schedules: Mapping[str, ScheduleSpec] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    def environment_as_deployed(self, function: str) -> dict[str, str]:
        """``function``'s environment with the parameters' values; what only a deployment
        knows (an ARN, a table's name) is a stand-in of the same kind: a string. For importing
        a handler as Lambda would, outside a stack."""
        variables = {}
        for key, value in self.functions[function].environment.items():
            if isinstance(value, dict) and value.get("Ref") in self.parameters:
                value = self.parameters[value["Ref"]]
            variables[key] = value if isinstance(value, str) else f"stand-in-{key.lower()}"
        return variables


def load_template(path: Path, parameter_overrides: Mapping[str, str] | None = None) -> Template:
    """Parse ``path`` into specs; ``parameter_overrides`` replace parameter defaults."""
    raw = parse_template_text(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise TemplateError(f"{path}: not a template (expected a mapping at the top)")
    resources: dict[str, Any] = raw.get("Resources") or {}
    root = path.parent
    parameters = _parameters(raw.get("Parameters") or {}, parameter_overrides or {}, path)
    function_globals = (raw.get("Globals") or {}).get("Function") or {}
    layers = {
        logical_id: root / str(resource["Properties"]["ContentUri"])
        for logical_id, resource in resources.items()
        if resource.get("Type") == _LAYER
    }
    functions = {
        logical_id: _function(logical_id, resource, function_globals, layers, root)
        for logical_id, resource in resources.items()
        if resource.get("Type") == _FUNCTION
    }
    state_machines = {
        logical_id: _state_machine(logical_id, resource, root)
        for logical_id, resource in resources.items()
        if resource.get("Type") == _STATE_MACHINE
    }
    return Template(
        path=path,
        parameters=parameters,
        mappings=raw.get("Mappings") or {},
        conditions=raw.get("Conditions") or {},
        functions=functions,
        state_machines=state_machines,
        event_rules=tuple(_event_rules(resources)),
        function_rules=tuple(_function_rules(resources)),
        schedules={spec.logical_id: spec for spec in _schedules(resources)},
        queues={
            logical_id: QueueSpec(
                logical_id,
                resource.get("Properties", {}).get("QueueName"),
                resource.get("Properties", {}),
            )
            for logical_id, resource in resources.items()
            if resource.get("Type") == _QUEUE
        },
        buses={
            logical_id: BusSpec(logical_id, resource.get("Properties", {}).get("Name"))
            for logical_id, resource in resources.items()
            if resource.get("Type") == _BUS
        },
        queue_triggers=tuple(_queue_triggers(resources)),
        resource_types={logical_id: str(r.get("Type")) for logical_id, r in resources.items()},
        tables={
            logical_id: _table(logical_id, resource)
            for logical_id, resource in resources.items()
            if resource.get("Type") in (_TABLE, _SIMPLE_TABLE)
        },
        secrets={
            logical_id: SecretSpec(
                logical_id,
                resource.get("Properties", {}).get("Name"),
                resource.get("Properties", {}).get("SecretString", ""),
            )
            for logical_id, resource in resources.items()
            if resource.get("Type") == _SECRET
        },
    )


class _TemplateLoader(yaml.SafeLoader):
    """YAML plus CloudFormation's short-form intrinsics."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)  # !GetAtt Resource.Attribute.With.Dots
    key = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    return {key: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)  # type: ignore[no-untyped-call]


def parse_template_text(text: str) -> Any:
    """The template as plain data: ``!GetAtt A.B`` reads as ``{"Fn::GetAtt": ["A", "B"]}``."""
    return yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass


def _parameters(
    declared: Mapping[str, Any], overrides: Mapping[str, str], path: Path
) -> dict[str, str]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"{path}: unknown parameter(s) overridden: {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, declaration in declared.items():
        if name in overrides:
            values[name] = str(overrides[name])
        elif "Default" in declaration:
            values[name] = str(declaration["Default"])
    return values


def _function(
    logical_id: str,
    resource: Mapping[str, Any],
    function_globals: Mapping[str, Any],
    layers: Mapping[str, Path],
    root: Path,
) -> FunctionSpec:
    properties = resource.get("Properties") or {}

    def setting(name: str, default: Any = None) -> Any:
        return properties.get(name, function_globals.get(name, default))

    code_uri = setting("CodeUri")
    handler = setting("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str):
        raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings")
    environment = {
        **((function_globals.get("Environment") or {}).get("Variables") or {}),
        **((properties.get("Environment") or {}).get("Variables") or {}),
    }
    layer_dirs = []
    for layer in setting("Layers", []):
        if isinstance(layer, dict) and layer.get("Ref") in layers:
            layer_dirs.append(layers[layer["Ref"]])
        # A layer published elsewhere (an ARN) has no local source: nothing to put on the path.
    return FunctionSpec(
        logical_id=logical_id,
        code_dir=root / code_uri,
        handler=handler,
        layer_dirs=tuple(layer_dirs),
        environment=environment,
        timeout=int(setting("Timeout", 3)),
        memory_size=int(setting("MemorySize", 128)),
        runtime=str(setting("Runtime", "python3.12")),
        auto_publish_alias=str(alias) if (alias := setting("AutoPublishAlias")) else None,
    )


def _state_machine(logical_id: str, resource: Mapping[str, Any], root: Path) -> StateMachineSpec:
    properties = resource.get("Properties") or {}
    definition_uri = properties.get("DefinitionUri")
    if not isinstance(definition_uri, str):
        raise TemplateError(f"{logical_id}: the local runtime needs a local DefinitionUri file")
    return StateMachineSpec(
        logical_id=logical_id,
        name=properties.get("Name"),
        definition_path=root / definition_uri,
        substitutions=properties.get("DefinitionSubstitutions") or {},
        type=str(properties.get("Type", "STANDARD")),
    )


def _table(logical_id: str, resource: Mapping[str, Any]) -> TableSpec:
    properties = resource.get("Properties") or {}
    if resource.get("Type") == _SIMPLE_TABLE:
        # SAM's default primary key is a string attribute named "id".
        key = properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        kind = {"String": "S", "Number": "N", "Binary": "B"}[str(key.get("Type", "String"))]
        return TableSpec(
            logical_id=logical_id,
            name=properties.get("TableName"),
            key_schema=({"AttributeName": key["Name"], "KeyType": "HASH"},),
            attribute_definitions=({"AttributeName": key["Name"], "AttributeType": kind},),
        )
    if not properties.get("KeySchema") or not properties.get("AttributeDefinitions"):
        raise TemplateError(f"{logical_id}: a table needs KeySchema and AttributeDefinitions")
    ttl = properties.get("TimeToLiveSpecification") or {}
    return TableSpec(
        logical_id=logical_id,
        name=properties.get("TableName"),
        key_schema=tuple(properties["KeySchema"]),
        attribute_definitions=tuple(properties["AttributeDefinitions"]),
        ttl_attribute=str(ttl["AttributeName"]) if ttl.get("Enabled") else None,
    )


def _rule_events(properties: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """A SAM resource's EventBridge rule events (``EventBridgeRule``, or its older name
    ``CloudWatchEvent``): each event's id and properties."""
    for event_id, event in (properties.get("Events") or {}).items():
        if event.get("Type") in ("EventBridgeRule", "CloudWatchEvent"):
            yield event_id, event.get("Properties") or {}


def _event_rules(resources: Mapping[str, Any]) -> Iterable[EventRuleSpec]:
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == _STATE_MACHINE:
            for event_id, event_properties in _rule_events(properties):
                yield EventRuleSpec(
                    name=f"{logical_id}{event_id}",
                    state_machine=logical_id,
                    bus=event_properties.get("EventBusName"),
                    pattern=event_properties.get("Pattern") or {},
                    input_path=event_properties.get("InputPath"),
                )
        elif resource.get("Type") == _RULE:
            for target in properties.get("Targets") or []:
                target_id = _referenced_id(target.get("Arn"))
                if target_id and resources.get(target_id, {}).get("Type") == _STATE_MACHINE:
                    yield EventRuleSpec(
                        name=logical_id,
                        state_machine=target_id,
                        bus=properties.get("EventBusName"),
                        pattern=properties.get("EventPattern") or {},
                        input_path=target.get("InputPath"),
                    )


def _function_rules(resources: Mapping[str, Any]) -> Iterable[FunctionRuleSpec]:
    for logical_id, resource in resources.items():
        if resource.get("Type") != _FUNCTION:
            continue
        properties = resource.get("Properties") or {}
        invoke_config = properties.get("EventInvokeConfig") or {}
        on_failure = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure")) or {}
        for event_id, event_properties in _rule_events(properties):
            yield FunctionRuleSpec(
                name=f"{logical_id}{event_id}",
                function=logical_id,
                bus=event_properties.get("EventBusName"),
                pattern=event_properties.get("Pattern") or {},
                retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
                on_failure=_referenced_id(on_failure.get("Destination")),
            )


def _schedules(resources: Mapping[str, Any]) -> Iterable[ScheduleSpec]:
    for logical_id, resource in resources.items():
        if resource.get("Type") != _SCHEDULE:
            continue
        properties = resource.get("Properties") or {}
        target = properties.get("Target") or {}
        function_id = _referenced_id(target.get("Arn"))
        if function_id is None or resources.get(function_id, {}).get("Type") != _FUNCTION:
            continue  # a target other than a function of this template: not run locally
        yield ScheduleSpec(
            logical_id=logical_id,
            function=function_id,
            expression=properties.get("ScheduleExpression"),
            state=properties.get("State", "ENABLED"),
            input=target.get("Input"),
        )


def _queue_triggers(resources: Mapping[str, Any]) -> Iterable[QueueTriggerSpec]:
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == _FUNCTION:
            for event in (properties.get("Events") or {}).values():
                if event.get("Type") == "SQS":
                    yield _queue_trigger(logical_id, event.get("Properties") or {}, "Queue")
        elif resource.get("Type") == _EVENT_SOURCE_MAPPING:
            function_id = _referenced_id(properties.get("FunctionName"))
            if function_id and resources.get(function_id, {}).get("Type") == _FUNCTION:
                yield _queue_trigger(function_id, properties, "EventSourceArn")


def _queue_trigger(function_id: str, properties: Mapping[str, Any], key: str) -> QueueTriggerSpec:
    queue_id = _referenced_id(properties.get(key))
    if queue_id is None:
        raise TemplateError(f"{function_id}: SQS trigger must name a queue of this template")
    return QueueTriggerSpec(
        function=function_id,
        queue=queue_id,
        batch_size=int(properties.get("BatchSize", 10)),
        report_batch_item_failures="ReportBatchItemFailures"
        in (properties.get("FunctionResponseTypes") or []),
    )


PUBLISHED_SUFFIXES = (".Alias", ".Version")
"""SAM's references to a function's published alias or version: ``!Ref Function.Alias``."""


def _referenced_id(value: Any) -> str | None:
    """The logical id behind ``!Ref X``, ``!Ref X.Alias``/``X.Version`` or ``!GetAtt X.Attr``."""
    if isinstance(value, dict):
        if "Ref" in value:
            target = str(value["Ref"])
            for suffix in PUBLISHED_SUFFIXES:
                target = target.removesuffix(suffix)
            return target
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return None


# ------------------------------------------------------------------------------- resolving

_NO_VALUE = object()


@dataclass
class Resolver:
    """Evaluate template expressions against parameters and the local resources made so far.

    ``physical`` maps a logical id to its attributes; the key ``"Ref"`` holds what ``!Ref``
    returns (a queue URL, a function name, a state machine ARN...).
    """

    template: Template
    region: str
    stack_name: str
    physical: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        resolved = self._resolve(value)
        return None if resolved is _NO_VALUE else resolved

    def resolve_str(self, value: Any, what: str) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, bool) or not isinstance(resolved, str | int | float):
            raise TemplateError(f"{what}: expected a string, got {resolved!r}")
        return str(resolved)

    def condition(self, name: str) -> bool:
        if name not in self.template.conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self._condition(self.template.conditions[name]))

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = self._intrinsics().get(key)
            if handler is not None:
                return handler(argument)
            if key.startswith("Fn::"):
                raise TemplateError(f"the local runtime cannot evaluate {key}")
        resolved = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def _intrinsics(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda arg: str(arg[0]).join(str(self._resolve(i)) for i in arg[1]),
            "Fn::FindInMap": self._find_in_map,
            "Fn::If": self._if,
            "Fn::Select": lambda arg: self._resolve(arg[1])[int(self._resolve(arg[0]))],
        }

    def _pseudo(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": URL_SUFFIX,
        }

    def _ref(self, name: Any) -> Any:
        name = str(name)
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self._pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.template.parameters:
            return self.template.parameters[name]
        return self._attribute(name, "Ref")

    def _get_att(self, argument: Any) -> str:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        else:
            logical_id, attribute = str(argument[0]), str(self._resolve(argument[1]))
        return self._attribute(logical_id, attribute)

    def _attribute(self, logical_id: str, attribute: str) -> str:
        attributes = self.physical.get(logical_id)
        if attributes is None and logical_id.endswith(PUBLISHED_SUFFIXES):
            # !Ref Function.Alias / Function.Version: SAM's names for what AutoPublishAlias made.
            function_id, _, published = logical_id.rpartition(".")
            if function_id in self.physical:
                raise TemplateError(
                    f"{logical_id}: {function_id} has no AutoPublishAlias, so no {published}"
                )
        if attributes is None:
            kind = self.template.resource_types.get(logical_id)
            if kind is None:
                raise TemplateError(f"{logical_id!r} is neither a parameter nor a resource")
            raise TemplateError(f"{logical_id} ({kind}) has no local counterpart")
        if attribute not in attributes:
            raise TemplateError(f"{logical_id} has no attribute {attribute!r} locally")
        return attributes[attribute]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self._resolve(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                return self._attribute(logical_id, attribute)
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, str(text))

    def _find_in_map(self, argument: Any) -> Any:
        map_name, top, second = (str(self._resolve(part)) for part in argument)
        try:
            return self.template.mappings[map_name][top][second]
        except KeyError:
            raise TemplateError(f"Fn::FindInMap: no {map_name}/{top}/{second}") from None

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self._resolve(when_true if self.condition(str(name)) else when_false)

    def _condition(self, expression: Any) -> Any:
        if not isinstance(expression, dict) or len(expression) != 1:
            return self._resolve(expression)
        ((key, argument),) = expression.items()
        if key == "Fn::Equals":
            left, right = (self._condition(part) for part in argument)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._condition(argument[0])
        if key == "Fn::And":
            return all(self._condition(part) for part in argument)
        if key == "Fn::Or":
            return any(self._condition(part) for part in argument)
        if key == "Condition":
            return self.condition(str(argument))
        return self._resolve(expression)


def substitution_keys(definition_text: str) -> set[str]:
    """Every ``${Key}`` the definition uses (what DefinitionSubstitutions must cover)."""
    return set(_SUB_VARIABLE.findall(definition_text))


def substitute_definition(definition_text: str, values: Mapping[str, str], where: str) -> str:
    """Apply DefinitionSubstitutions the way SAM does; a missing key is an error, not a blank."""
    missing = sorted(substitution_keys(definition_text) - set(values))
    if missing:
        raise TemplateError(f"{where}: DefinitionSubstitutions lack {', '.join(missing)}")
    text = _SUB_VARIABLE.sub(lambda match: values[match.group(1)], definition_text)
    json.loads(text)  # the substituted definition must still be JSON
    return text
