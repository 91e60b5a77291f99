"""A tiny SAM project written into tmp_path: it exercises the runtime's mechanics without
the real handlers (retries, catch, parallel, substitutions, environments, logs, triggers)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.runtime import LocalDeployment

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Conditions:
  IsHello: !Equals [!Ref Greeting, hello]
Globals:
  Function:
    Runtime: python3.12
    Handler: app.lambda_handler
    Timeout: 30
    MemorySize: 192
    Layers: [!Ref SharedLayer]
    Environment:
      Variables:
        GREETING: !Ref Greeting
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  FlakyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/flaky/
      Environment:
        Variables:
          ROLE: flaky
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/echo/
      MemorySize: 512
      Environment:
        Variables:
          ROLE: echo
          QUEUE_URL: !Ref WorkQueue
          WHERE: !Sub "${AWS::Region}/${AWS::StackName}/${!NotAVariable}"
          MOOD: !If [IsHello, cheerful, formal]
  StarterFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/starter/
      Environment:
        Variables:
          STATE_MACHINE_ARN: !Ref Machine
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/broken/
  OddFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/odd/
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 180
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDLQ.Arn
        maxReceiveCount: 2
  WorkDLQ:
    Type: AWS::SQS::Queue
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub "${AWS::StackName}-bus"
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: machine.asl.json
      DefinitionSubstitutions:
        FlakyArn: !GetAtt FlakyFunction.Arn
        EchoArn: !GetAtt EchoFunction.Arn
      Events:
        Requested:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern:
              source: [test.app]
              detail-type: [Requested]
            InputPath: $.detail
"""

# No JitterStrategy here: the intervals are then exactly what the declaration says.
INTERVAL_SECONDS = 3
BACKOFF_RATE = 2.0
MAX_ATTEMPTS = 4
MAX_DELAY_SECONDS = 10
RETRY = {
    "ErrorEquals": ["Flaky"],
    "IntervalSeconds": INTERVAL_SECONDS,
    "BackoffRate": BACKOFF_RATE,
    "MaxAttempts": MAX_ATTEMPTS,
    "MaxDelaySeconds": MAX_DELAY_SECONDS,
}

MACHINE = {
    "StartAt": "Branches",
    "States": {
        "Branches": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Flaky",
                    "States": {
                        "Flaky": {
                            "Type": "Task",
                            "Resource": "${FlakyArn}",
                            "Parameters": {
                                "failTimes.$": "$.failTimes",
                                "key.$": "$$.Execution.Name",
                            },
                            "TimeoutSeconds": 30,
                            "Retry": [RETRY],
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Task", "Resource": "${EchoArn}", "End": True}},
                },
            ],
            "ResultSelector": {"flaky.$": "$[0]", "echo.$": "$[1]"},
            "ResultPath": "$.result",
            "Catch": [{"ErrorEquals": ["Flaky"], "ResultPath": "$.caught", "Next": "GaveUp"}],
            "Next": "Pause",
        },
        "Pause": {"Type": "Wait", "Seconds": 30, "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "GaveUp": {"Type": "Fail", "ErrorPath": "$.caught.Error", "CausePath": "$.caught.Cause"},
    },
}

LAYER = '''\
"""Module state shared by the calls of one function (a warm container), not across functions."""
CALLS: dict[str, int] = {}


def bump(key: str) -> int:
    CALLS[key] = CALLS.get(key, 0) + 1
    return CALLS[key]
'''

FLAKY = """\
import os

from shared_lib import bump


class Flaky(Exception):
    pass


def lambda_handler(event, context):
    attempt = bump(event["key"])
    print(f"flaky attempt {attempt}")
    if attempt <= event["failTimes"]:
        raise Flaky(f"attempt {attempt} fails")
    return {
        "attempts": attempt,
        "role": os.environ["ROLE"],
        "greeting": os.environ["GREETING"],
        "function": context.function_name,
        "memory": context.memory_limit_in_mb,
        "hasTimeLeft": context.get_remaining_time_in_millis() > 0,
        "seesEchoVariable": "ECHO_CALLS" in os.environ,
    }
"""

ECHO = """\
import logging
import os

from shared_lib import bump

logger = logging.getLogger("echo")


def lambda_handler(event, context):
    logger.warning("echo saw %s", sorted(event))
    os.environ["ECHO_CALLS"] = str(int(os.environ.get("ECHO_CALLS", "0")) + 1)
    return {
        "role": os.environ["ROLE"],
        "queueUrl": os.environ["QUEUE_URL"],
        "where": os.environ["WHERE"],
        "mood": os.environ["MOOD"],
        "memory": context.memory_limit_in_mb,
        "warmCalls": bump("echo"),
        "envCalls": int(os.environ["ECHO_CALLS"]),
        "hostHttpSettings": sorted(k for k in os.environ if k.lower().endswith(("_proxy", "_ca_bundle"))),
    }
"""

STARTER = """\
import json
import os

import boto3


def lambda_handler(event, context):
    if any(record["body"] == "explode" for record in event["Records"]):
        raise RuntimeError("the whole batch fails")
    sfn = boto3.client("stepfunctions")
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("reject"):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        sfn.start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"],
            name=record["messageId"],
            input=json.dumps(body),
        )
    return {"batchItemFailures": failures}
"""


BROKEN = """\
raise ImportError("this module cannot be imported")
"""

ODD = """\
def lambda_handler(event, context):
    return {"not": "json", "because": {1, 2}}
"""


def write_project(root: Path) -> Path:
    files = {
        "template.yaml": TEMPLATE,
        "machine.asl.json": json.dumps(MACHINE, indent=2),
        "layer/shared_lib/__init__.py": LAYER,
        "fns/flaky/app.py": FLAKY,
        "fns/echo/app.py": ECHO,
        "fns/starter/app.py": STARTER,
        "fns/broken/app.py": BROKEN,
        "fns/odd/app.py": ODD,
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "template.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path)


@pytest.fixture
def stack(project: Path) -> Iterator[LocalDeployment]:
    with LocalDeployment(project) as local:
        yield local
