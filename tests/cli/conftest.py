"""The command-line tool against a deployed stack, as a user runs it: a separate process whose
boto3 clients reach AWS over HTTP, with nothing patched.

"AWS" is the template deployed into the local runtime (moto), served on loopback by its moto
server; a CloudFormation stack in that same moto carries the outputs and parameters a real
deployment has (the state machine, the registry table, the Adobe endpoints and credentials
secret), so ``--stack NAME`` resolves exactly as it does against AWS. The handlers call the
Flow Service emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aep_activation.registry import KEY, ActivationRegistry
from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.statemachine.harness import REPOSITORY
from tests.support.stack import adobe_credentials_secret_name, deployed_stack

STACK_NAME = "aep-activation-cli-test"
REGION = "us-east-1"


@dataclass
class Deployed:
    stack: LocalDeployment
    emulator: Emulator
    name: str = STACK_NAME

    @property
    def registry(self) -> ActivationRegistry:
        return ActivationRegistry(
            self.stack.physical("ActivationRegistryTable"), client=self.stack.client("dynamodb")
        )

    def environment(self) -> dict[str, str]:
        """A user's shell: credentials and a region, and AWS's endpoint (here the moto server)."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {
            **keep,
            "AWS_ENDPOINT_URL": self.stack.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "PYTHONPATH": f"{REPOSITORY / 'layers' / 'aep_activation'}{os.pathsep}{REPOSITORY}",
        }

    def cli(self, *args: str, stack: bool = True, timeout: float = 240) -> Result:
        """``aep-activations ARGS... --stack NAME``, in its own process."""
        command = [
            sys.executable,
            "-m",
            "aep_cli",
            *args,
            *(("--stack", self.name) if stack else ()),
        ]
        done = subprocess.run(
            command,
            env=self.environment(),
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def clear_registry(self) -> None:
        client = self.stack.client("dynamodb")
        table = self.stack.physical("ActivationRegistryTable")
        for item in client.scan(TableName=table)["Items"]:
            client.delete_item(TableName=table, Key={KEY: item[KEY]})


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]


def _stack_template(deployed: LocalDeployment, emulator: Emulator) -> dict[str, Any]:
    """The outputs and parameters of the application's stack, with this deployment's values."""
    parameters = {
        "AdobeCredentialsSecretName": adobe_credentials_secret_name(deployed),
        "PlatformUrl": emulator.platform_url,
        "ImsUrl": emulator.ims_url,
        "AllowNonAdobeEndpointsForTesting": "true",  # the emulator is on this machine
    }
    return {
        "Parameters": {key: {"Type": "String"} for key in parameters},
        "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "ActivationStateMachineArn": {"Value": deployed.state_machine_arn()},
            "ActivationRegistryTableName": {"Value": deployed.physical("ActivationRegistryTable")},
        },
        "_parameters": parameters,
    }


@pytest.fixture(scope="package")
def deployed(_emulator_server: Emulator) -> Iterator[Deployed]:
    with deployed_stack(_emulator_server, skip_sleeps=True) as stack:
        template = _stack_template(stack, _emulator_server)
        parameters = template.pop("_parameters")
        stack.client("cloudformation").create_stack(
            StackName=STACK_NAME,
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        yield Deployed(stack, _emulator_server)


@pytest.fixture
def stack(deployed: Deployed, emulator: Emulator) -> Iterator[Deployed]:
    """Per test: the emulator reset (by ``emulator``) and the registry empty."""
    deployed.clear_registry()
    yield deployed
    deployed.clear_registry()


def write_requests(folder: Path, requests: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for request in requests:
        (folder / f"{request['name']}.json").write_text(json.dumps(request, indent=2))
    return folder
