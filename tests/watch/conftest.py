"""The client fixtures of tests/client (a FlowServiceClient on the emulator over real HTTP),
and the template checks both watches share."""

import json
from typing import Any

from tests.client.conftest import (  # noqa: F401 (fixtures, found by name)
    aws,
    client,
    clock,
    credentials,
    make_client,
    session,
    tokens,
)


def assert_scheduled_watch(template: dict[str, Any], name: str) -> dict[str, Any]:
    """``{name}Schedule`` invokes ``{name}Function``'s alias every ``{name}RateMinutes`` while
    ``{name}Enabled`` is true, handing it the pass's scheduled time, through a role that may
    only invoke that alias. Returns the role's trust statement."""
    resources = template["Resources"]
    properties = resources[f"{name}Schedule"]["Properties"]
    assert properties["ScheduleExpression"] == {"Fn::Sub": f"rate(${{{name}RateMinutes}} minutes)"}
    assert properties["State"] == {"Fn::If": [f"{name}On", "ENABLED", "DISABLED"]}
    assert template["Conditions"][f"{name}On"] == {
        "Fn::Equals": [{"Ref": f"{name}Enabled"}, "true"]
    }
    target = properties["Target"]
    assert target["Arn"] == {"Ref": f"{name}Function.Alias"}
    assert json.loads(target["Input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
    role = resources[target["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    (policy,) = role["Policies"]
    (allowed,) = policy["PolicyDocument"]["Statement"]
    assert (allowed["Action"], allowed["Resource"]) == (
        "lambda:InvokeFunction",
        {"Ref": f"{name}Function.Alias"},
    )
    trust_statement: dict[str, Any] = trust
    return trust_statement
