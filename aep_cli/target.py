"""Where the commands go: a deployed stack, or the local runtime, seen the same way.

A :class:`Target` is the stack's state machine, its registry and what reaching Adobe takes
(the stack's endpoints and its Adobe credentials secret), with boto3 clients to use them.
``--stack NAME`` resolves it from the CloudFormation stack's outputs and parameters with
the user's usual AWS credentials and region (its Adobe endpoints held to the rule its functions
apply: https on Adobe's hosts, unless its testing switch is on); ``--local`` deploys the template into the
in-process runtime (moto) in front of the embedded emulator, and uses that stack's clients.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from aep_activation.config import adobe_url
from aep_activation.errors import ConfigurationError
from aep_activation.registry import ActivationRegistry
from aep_cli.inputs import UsageError

if TYPE_CHECKING:
    from aep_activation.flow_service import FlowServiceClient

STATE_MACHINE_OUTPUT = "ActivationStateMachineArn"
REGISTRY_OUTPUT = "ActivationRegistryTableName"
CREDENTIALS_PARAMETER = "AdobeCredentialsSecretName"
DEFAULT_CREDENTIALS_SECRET = "aep-activation/adobe-credentials"
PLATFORM_URL_PARAMETER = "PlatformUrl"
IMS_URL_PARAMETER = "ImsUrl"
TESTING_PARAMETER = "AllowNonAdobeEndpointsForTesting"
REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass
class Target:
    """A resolved stack: what each command needs of it."""

    description: str
    state_machine_arn: str
    registry: ActivationRegistry
    stepfunctions: Any
    secretsmanager: Any
    platform_url: str
    ims_url: str
    credentials_secret: str
    # Local runs only: make up each request's destination secret (the emulator takes any).
    seed_destination_secret: Any = None

    def adobe(self, sandbox: str) -> FlowServiceClient:
        """A Flow Service client for ``sandbox`` with the stack's own Adobe credentials, read
        from its secret with the user's AWS credentials (never shown)."""
        from aep_activation.credentials import parse_adobe_credentials
        from aep_activation.flow_service import FlowServiceClient
        from aep_activation.ims import TokenCache, TokenProvider

        try:
            text = self.secretsmanager.get_secret_value(SecretId=self.credentials_secret)[
                "SecretString"
            ]
        except ClientError as exc:
            raise UsageError(
                f"cannot read the stack's Adobe credentials secret {self.credentials_secret!r}: "
                f"{exc.response.get('Error', {}).get('Code')}"
            ) from None
        adobe = parse_adobe_credentials(json.loads(text), secret_name=self.credentials_secret)
        tokens = TokenProvider(self.ims_url, adobe, cache=TokenCache())
        return FlowServiceClient(
            self.platform_url, tokens, api_key=adobe.client_id, org_id=adobe.org_id, sandbox=sandbox
        )


def resolve_stack(name: str, *, region: str | None = None, profile: str | None = None) -> Target:
    """The stack's outputs and parameters, read with CloudFormation (DescribeStacks)."""
    try:
        session = boto3.Session(region_name=region, profile_name=profile)
        cloudformation = session.client("cloudformation")
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise UsageError(f"--stack {name}: {error.get('Code')}: {error.get('Message')}") from None
    except BotoCoreError as exc:
        raise UsageError(f"--stack {name}: {exc}") from None
    stack = stacks[0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
    }
    missing = [key for key in (STATE_MACHINE_OUTPUT, REGISTRY_OUTPUT) if not outputs.get(key)]
    if missing:
        raise UsageError(
            f"--stack {name}: the stack has no output {', '.join(missing)} "
            "(is it this application's stack, deployed from this version?)"
        )
    # The client secret goes to ImsUrl and the token to PlatformUrl: held to the rule the
    # stack's functions apply to them, before anything is read or called.
    testing = parameters.get(TESTING_PARAMETER, "false").lower() == "true"

    def checked(parameter: str, endpoint: str) -> str:
        field = f"stack parameter {parameter}"
        return adobe_url(
            parameters.get(parameter), endpoint, testing, field=field, switch=TESTING_PARAMETER
        )

    try:
        platform_url = checked(PLATFORM_URL_PARAMETER, "PLATFORM_URL")
        ims_url = checked(IMS_URL_PARAMETER, "IMS_URL")
    except ConfigurationError as exc:
        raise UsageError(f"--stack {name}: {exc.message}") from None
    return Target(
        description=f"stack {name} ({session.region_name})",
        state_machine_arn=outputs[STATE_MACHINE_OUTPUT],
        registry=ActivationRegistry(outputs[REGISTRY_OUTPUT], client=session.client("dynamodb")),
        stepfunctions=session.client("stepfunctions"),
        secretsmanager=session.client("secretsmanager"),
        platform_url=platform_url,
        ims_url=ims_url,
        credentials_secret=parameters.get(CREDENTIALS_PARAMETER) or DEFAULT_CREDENTIALS_SECRET,
    )


@contextmanager
def local_target(template: Path | None = None) -> Iterator[Target]:
    """The template deployed into the in-process runtime, in front of the embedded emulator,
    for as long as the block lasts (each command starts afresh: an empty registry)."""
    from local.emulator import DEFAULT_CLIENT, Emulator
    from local.runtime import LocalDeployment
    from local.runtime.cli import _simulate_runs
    from local.runtime.fake_secrets import fake_destination_secret

    template = template or REPOSITORY / "template.yaml"
    if not template.is_file():
        raise UsageError(
            f"--local needs the application's template: {template} not found "
            "(run from a checkout of the repository, or pass --template)"
        )
    with ExitStack() as resources:
        emulator = resources.enter_context(Emulator())
        # Dataflows run as on Adobe (waitForFirstRun sees its first run), as in `local run`.
        _simulate_runs(emulator, None, resources)
        stack = resources.enter_context(
            LocalDeployment.against(emulator, template, skip_sleeps=True)
        )
        environment = next(
            (
                stack.function_environment(function)
                for function in stack.template.functions
                if stack.function_environment(function).get("ADOBE_CREDENTIALS_SECRET")
            ),
            {},
        )
        secret = environment.get("ADOBE_CREDENTIALS_SECRET", DEFAULT_CREDENTIALS_SECRET)
        stack.seed_secret(secret, DEFAULT_CLIENT.credentials())

        def seed(request: dict[str, Any]) -> None:
            auth = (request.get("destination") or {}).get("auth") or {}
            secret_id = auth.get("secretId") if isinstance(auth, dict) else None
            fake = fake_destination_secret(request)
            if isinstance(secret_id, str) and fake:
                stack.seed_secret(secret_id, fake)

        yield Target(
            description=f"the local runtime; Flow Service emulated at {emulator.platform_url}",
            state_machine_arn=stack.state_machine_arn(),
            registry=ActivationRegistry(
                stack.physical("ActivationRegistryTable"), client=stack.client("dynamodb")
            ),
            stepfunctions=stack.stepfunctions,
            secretsmanager=stack.secretsmanager,
            platform_url=emulator.platform_url,
            ims_url=emulator.ims_url,
            credentials_secret=secret,
            seed_destination_secret=seed,
        )
