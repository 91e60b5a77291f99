"""What the runtime reads from templates, and the real template.yaml's consistency."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from local.runtime import LocalDeployment, TemplateError
from local.runtime.template import (
    Resolver,
    load_template,
    parse_template_text,
    substitute_definition,
    substitution_keys,
)

ROOT = Path(__file__).resolve().parents[2]
REAL_TEMPLATE = ROOT / "template.yaml"


def test_the_fixture_template_is_read_into_specs(project: Path) -> None:
    template = load_template(project)

    flaky = template.functions["FlakyFunction"]
    assert flaky.code_dir == project.parent / "fns/flaky"
    assert flaky.handler == "app.lambda_handler"
    assert flaky.layer_dirs == (project.parent / "layer",)
    assert (flaky.timeout, flaky.memory_size) == (30, 192)
    assert flaky.environment == {"GREETING": {"Ref": "Greeting"}, "ROLE": "flaky"}
    (trigger,) = template.queue_triggers
    assert (trigger.function, trigger.queue, trigger.batch_size) == (
        "StarterFunction",
        "WorkQueue",
        5,
    )
    assert trigger.report_batch_item_failures
    (rule,) = template.event_rules
    assert (rule.state_machine, rule.input_path) == ("Machine", "$.detail")


def test_unknown_parameter_overrides_are_refused(project: Path) -> None:
    with pytest.raises(TemplateError, match="Nope"):
        load_template(project, {"Nope": "x"})


def test_the_resolver_evaluates_the_intrinsics_templates_use(project: Path) -> None:
    resolver = Resolver(load_template(project), region="eu-west-1", stack_name="s")
    resolver.physical["WorkQueue"] = {"Ref": "https://q", "Arn": "arn:q"}

    assert resolver.resolve({"Fn::Sub": "${AWS::Region}:${WorkQueue.Arn}:${Greeting}"}) == (
        "eu-west-1:arn:q:hello"
    )
    assert resolver.resolve({"Fn::Sub": ["${x}-${!y}", {"x": {"Ref": "WorkQueue"}}]}) == (
        "https://q-${y}"
    )
    assert resolver.resolve({"Fn::If": ["IsHello", "a", {"Ref": "AWS::NoValue"}]}) == "a"
    assert resolver.resolve([{"Fn::If": ["IsHello", {"Ref": "AWS::NoValue"}, "b"]}]) == []
    assert resolver.resolve({"Fn::Join": ["/", ["a", {"Ref": "AWS::Partition"}]]}) == "a/aws"
    with pytest.raises(TemplateError, match="EchoFunction"):
        resolver.resolve({"Fn::GetAtt": ["EchoFunction", "Arn"]})
    with pytest.raises(TemplateError, match="Fn::Base64"):
        resolver.resolve({"Fn::Base64": "x"})


def test_a_definition_key_without_substitution_is_an_error() -> None:
    with pytest.raises(TemplateError, match="Missing"):
        substitute_definition('{"a": "${Missing}", "b": "${Here}"}', {"Here": "x"}, "M")
    assert substitute_definition('{"b": "${Here}"}', {"Here": "x"}, "M") == '{"b": "x"}'


# ------------------------------------------------------------------ the real template


NATIVE_SUBSTITUTIONS = {"ActivationLeaseTableName": "ActivationLeaseTable"}


def test_the_real_substitutions_cover_every_asl_placeholder_and_all_are_used() -> None:
    template = load_template(REAL_TEMPLATE)
    (machine,) = template.state_machines.values()
    used = substitution_keys(machine.definition_path.read_text(encoding="utf-8"))

    assert used == set(machine.substitutions)
    for key, value in machine.substitutions.items():
        assert set(value) == {"Ref"}, key
        if key in NATIVE_SUBSTITUTIONS:  # a table a native integration writes to
            assert value["Ref"] == NATIVE_SUBSTITUTIONS[key], key
            assert value["Ref"] in template.tables, key
            continue
        # Each other names a published version of a function of this template (!Ref
        # X.Version), so a deploy never changes the code under a running execution.
        function, _, published = value["Ref"].partition(".")
        assert (function in template.functions, published) == (True, "Version"), key
        assert template.functions[function].auto_publish_alias == "live", key


def lambda_resources(definition: dict[str, object]) -> list[str]:
    """Every Lambda a definition calls (a Task's Resource or lambda:invoke's FunctionName),
    in Parallel branches and Map iterators too."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            resource = node.get("Resource")
            if node.get("Type") == "Task" and isinstance(resource, str):
                if ":lambda:" in resource and ":function:" in resource:
                    found.append(resource)
                elif resource.startswith("arn:aws:states:::lambda:invoke"):
                    parameters = node.get("Parameters") or {}
                    found.append(str(parameters.get("FunctionName")))  # type: ignore[union-attr]
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(definition)
    return found


def test_every_lambda_the_deployed_state_machine_calls_is_a_published_version() -> None:
    with LocalDeployment(REAL_TEMPLATE, platform_url="http://127.0.0.1:1/pf") as stack:
        definition = json.loads(
            stack.stepfunctions.describe_state_machine(stateMachineArn=stack.state_machine_arn())[
                "definition"
            ]
        )
        versions = {
            name: stack.client("lambda").get_alias(FunctionName=name, Name="live")[
                "FunctionVersion"
            ]
            for name in stack.template.functions
        }

    called = lambda_resources(definition)
    substitutions = stack.template.state_machines["ActivationStateMachine"].substitutions
    # Every function the definition names is called (as a version), and nothing else is.
    functions = {key for key in substitutions if key.endswith("FunctionArn")}
    assert len(set(called)) == len(functions) > 0
    for arn in called:
        # arn:aws:lambda:<region>:<account>:function:<name>:<version>
        name, _, qualifier = arn.split(":function:", 1)[1].partition(":")
        assert qualifier == versions[name], arn
        assert qualifier.isdigit(), arn


def test_the_sqs_mapping_calls_the_starters_alias() -> None:
    raw = parse_template_text(REAL_TEMPLATE.read_text(encoding="utf-8"))
    mappings = [
        r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mappings
    for mapping in mappings:
        assert mapping["FunctionName"] == {"Ref": "StartActivationFunction.Alias"}
    # and the local runtime still finds the trigger behind the alias
    (trigger,) = load_template(REAL_TEMPLATE).queue_triggers
    assert (trigger.function, trigger.queue) == ("StartActivationFunction", "AudienceRequestQueue")


def test_every_real_function_has_its_handler() -> None:
    template = load_template(REAL_TEMPLATE)

    # One function per folder under functions/, each registered once.
    folders = {p.name for p in (REAL_TEMPLATE.parent / "functions").iterdir() if p.is_dir()}
    assert {spec.code_dir.name for spec in template.functions.values()} == folders
    assert len(template.functions) == len(folders)
    for spec in template.functions.values():
        module, _, name = spec.handler.rpartition(".")
        source = spec.code_dir / f"{module.replace('.', '/')}.py"
        assert source.is_file(), spec.logical_id
        tree = ast.parse(source.read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"{spec.logical_id}: {source} defines no {name}"


def test_the_real_template_deploys_locally_with_everything_resolved() -> None:
    with LocalDeployment(REAL_TEMPLATE, platform_url="http://127.0.0.1:1/pf") as stack:
        definition = stack.stepfunctions.describe_state_machine(
            stateMachineArn=stack.state_machine_arn()
        )["definition"]
        starter = stack.function_environment("StartActivationFunction")
        publisher = stack.function_environment("PublishResultFunction")

    assert "${" not in definition
    assert starter["STATE_MACHINE_ARN"] == stack.state_machine_arn()
    assert starter["REJECTED_REQUESTS_QUEUE_URL"].endswith("/RejectedRequestQueue")
    assert starter["PLATFORM_URL"] == "http://127.0.0.1:1/pf"
    assert publisher["RESULT_EVENT_BUS"] == "local-audience-results"
    assert publisher["ADOBE_CREDENTIALS_SECRET"] == "aep-activation/adobe-credentials"


@pytest.mark.parametrize("result_type", ["ActivationSucceeded", "ActivationFailed"])
def test_the_real_rule_ignores_result_events_on_the_shared_bus(result_type: str) -> None:
    with LocalDeployment(REAL_TEMPLATE) as stack:
        ignored = stack.send_event(
            {"status": "x"}, source="aep.activation", detail_type=result_type
        )
        started = stack.send_event(
            {"name": "x"}, source="aep.activation", detail_type="ActivationRequested"
        )
        (execution,) = started
        started_input = stack.stepfunctions.describe_execution(executionArn=execution)["input"]

    assert ignored == []
    assert started_input == '{"name": "x"}'


def test_the_template_reader_agrees_with_cfn_lints_decoder(project: Path) -> None:
    from cfnlint.decode import cfn_yaml

    for path in (REAL_TEMPLATE, project):
        expected = json.loads(json.dumps(cfn_yaml.load(str(path))))
        assert parse_template_text(path.read_text(encoding="utf-8")) == expected, path


def test_an_alias_or_version_reference_needs_auto_publish_alias(project: Path) -> None:
    template = load_template(project)
    assert template.functions["EchoFunction"].auto_publish_alias is None
    resolver = Resolver(template, region="eu-west-1", stack_name="s")
    resolver.physical["EchoFunction"] = {"Ref": "EchoFunction", "Arn": "arn:echo"}

    for published in ("Alias", "Version"):
        with pytest.raises(
            TemplateError, match=f"EchoFunction has no AutoPublishAlias, so no {published}"
        ):
            resolver.resolve({"Ref": f"EchoFunction.{published}"})
    resolver.physical["EchoFunction.Alias"] = {"Ref": "arn:echo:live"}
    assert resolver.resolve({"Ref": "EchoFunction.Alias"}) == "arn:echo:live"
