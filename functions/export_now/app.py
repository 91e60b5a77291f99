"""ExportNow: start Adobe's ad-hoc activation of the request's audiences (exportNow: true)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.slim import fit
from aep_activation.step_inputs import SnapshotStepInput, parse_step_input
from aep_activation.steps.export_now import export_now
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, SnapshotStepInput)
    request = request_from_state(parsed.request)
    started = export_now(request, flow_service_for(request.sandbox), str(parsed.dataflow["id"]))
    # The run watch follows every run id; the runs' details may be cut (and logged whole).
    return fit(started, "ExportNow", execution=parsed.execution, keep=("runIds",))
