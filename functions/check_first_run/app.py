"""CheckFirstRun: one look at the dataflow's runs; has the first one finished, and how?"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import FirstRunStepEvent, parse_event
from aep_activation.observability import step_handler
from aep_activation.steps.first_run import check_first_run
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_event(event, FirstRunStepEvent)
    request = request_from_state(parsed.request)
    return check_first_run(flow_service_for(request.sandbox), parsed.dataflow_id, parsed.polls)
