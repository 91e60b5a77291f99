"""CheckRuns (the run watch): one look at the runs it follows; have they finished, and how?"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.observability import step_handler
from aep_activation.step_inputs import RunWatchStepInput
from aep_activation.steps.run_watch import check_runs, fit_watch
from aep_activation.wiring import adobe_step


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, _, flow_service = adobe_step(event, RunWatchStepInput)
    watch = check_runs(
        flow_service,
        parsed.dataflow_id,
        polls=parsed.polls,
        timeout_minutes=parsed.timeout_minutes,
        run_ids=parsed.run_ids,
        waited_seconds=parsed.waited_seconds,
    )
    return fit_watch(watch, parsed.execution)
