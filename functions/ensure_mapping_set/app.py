"""EnsureMappingSet: a new card's Data Prep, beside the connections: the input and output
schemas and the mapping set the dataflow will name (a new version when the attributes
change). A legacy card has no mapping set: the step answers null at once, reading no secret
and calling no one."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.dataprep.step import ensure_for_activation
from aep_activation.observability import step_handler
from aep_activation.slim import fit
from aep_activation.step_inputs import MappingSetStepInput, parse_step_input
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    parsed = parse_step_input(event, MappingSetStepInput)
    if not parsed.data_prep:
        return None
    request = request_from_state(parsed.request)
    ensured = ensure_for_activation(
        request, flow_service_for(request.sandbox), parsed.existing, retry=parsed.retry_count > 0
    )
    return fit(ensured.to_state(), "EnsureMappingSet", execution=parsed.execution)
