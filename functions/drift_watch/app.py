"""DriftWatch (scheduled): plan every ACTIVE activation against Adobe, reading only, and
report each one whose live dataflow no longer matches its last applied request."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.drift_watch import DriftWatch
from aep_activation.lambda_init import prepare
from aep_activation.observability import step_handler
from aep_activation.secrets import secret_keys
from aep_activation.watch_pass import result_bus, result_events, watched_registry
from aep_activation.wiring import flow_service_for

prepare(result_events, watched_registry)  # in the init phase, on a full CPU


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    watch = DriftWatch(
        registry=watched_registry(),
        flow_service_for=flow_service_for,
        events=result_events(),
        bus_name=result_bus(),
        secret_keys=secret_keys,
    )
    return watch.run_pass().to_dict()
