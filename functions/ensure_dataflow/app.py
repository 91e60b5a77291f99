"""EnsureDataflow: the dataflow from the source to the target connection (found or created)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import DataflowStepInput
from aep_activation.steps.ensure_dataflow import ensure_dataflow
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, DataflowStepInput)
    snapshot, created = ensure_dataflow(
        request, flow_service, parsed.specs, parsed.connections, parsed.looked_up("dataflow")
    )
    return {**snapshot.to_state(), "created": created}
