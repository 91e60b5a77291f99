"""ValidateDataflow: re-read the flow and confirm it holds everything the request asked for."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.slim import fit
from aep_activation.step_inputs import ValidateStepInput
from aep_activation.steps.validate_dataflow import check_dataflow
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, ValidateStepInput)
    checked = check_dataflow(
        request, flow_service, str(parsed.dataflow["id"]), confirmed=parsed.confirmed_mapping_set
    )
    return fit(checked, "ValidateDataflow", execution=parsed.execution)
