"""ExportNow: start Adobe's ad-hoc activation of the request's audiences (exportNow: true)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.slim import fit
from aep_activation.step_inputs import SnapshotStepInput
from aep_activation.steps.export_now import export_now
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, SnapshotStepInput)
    started = export_now(request, flow_service, str(parsed.dataflow["id"]))
    # The run watch follows every run id; the runs' details may be cut (and logged whole).
    return fit(started, "ExportNow", execution=parsed.execution, keep=("runIds",))
