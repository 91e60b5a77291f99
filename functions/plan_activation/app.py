"""PlanActivation: the dry run. Resolve, read and diff like apply; write nothing."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.secrets import secret_keys
from aep_activation.slim import fit
from aep_activation.step_inputs import StepInput
from aep_activation.steps.plan import plan
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, StepInput)
    dry_run = plan(request, flow_service, secret_keys=secret_keys)
    return fit(dry_run.to_state(), "PlanActivation", execution=parsed.execution)
