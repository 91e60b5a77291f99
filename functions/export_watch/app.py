"""ExportWatch (scheduled): report every managed dataflow's new runs once, as events and metrics."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.export_watch import ExportWatch, delay_minutes_from_env
from aep_activation.lambda_init import prepare
from aep_activation.observability import step_handler
from aep_activation.watch_pass import result_bus, result_events, scheduled_time_ms, watched_registry
from aep_activation.wiring import flow_service_for

prepare(result_events, watched_registry)  # in the init phase, on a full CPU


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    watch = ExportWatch(
        registry=watched_registry(),
        flow_service_for=flow_service_for,
        events=result_events(),
        bus_name=result_bus(),
        delay_minutes=delay_minutes_from_env(os.environ),
    )
    return watch.run_pass(scheduled_time_ms(event)).to_dict()
