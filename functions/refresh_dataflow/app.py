"""RefreshDataflow: re-read a dataflow's etag and contents (after a 412, or an existing flow)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import ReadDataflowEvent, parse_event
from aep_activation.observability import step_handler
from aep_activation.steps.dataflow import read_dataflow
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_event(event, ReadDataflowEvent)
    request = request_from_state(parsed.request)
    return read_dataflow(flow_service_for(request.sandbox), parsed.dataflow_id).to_state()
