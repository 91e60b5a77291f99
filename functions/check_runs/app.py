"""CheckRuns (the run watch): one look at the runs it follows; have they finished, and how?"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import RunWatchStepInput, parse_step_input
from aep_activation.steps.run_watch import check_runs, fit_watch
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, RunWatchStepInput)
    request = request_from_state(parsed.request)
    watch = check_runs(
        flow_service_for(request.sandbox),
        parsed.dataflow_id,
        polls=parsed.polls,
        timeout_minutes=parsed.timeout_minutes,
        run_ids=parsed.run_ids,
        waited_seconds=parsed.waited_seconds,
    )
    return fit_watch(watch, parsed.execution)
