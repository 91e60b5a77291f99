"""EnsureMappingSet: a new card's Data Prep, beside the connections: the input and output
schemas and the mapping set the dataflow will name (a new version when the attributes
change)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.dataprep.step import ensure_for_activation
from aep_activation.observability import step_handler
from aep_activation.slim import fit
from aep_activation.step_inputs import StepInput
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, StepInput)
    ensured = ensure_for_activation(
        request, flow_service, parsed.existing, retry=parsed.retry_count > 0
    )
    return fit(ensured.to_state(), "EnsureMappingSet", execution=parsed.execution)
