"""ResolveSpecs: find the destination's connection and flow specs and check the request against them."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.events import StepEvent, parse_event
from aep_activation.observability import step_handler
from aep_activation.secrets import secret_keys
from aep_activation.steps.resolve import resolve_specs
from aep_activation.wiring import flow_service_for, request_from_state


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = request_from_state(parse_event(event, StepEvent).request)
    specs = resolve_specs(request, flow_service_for(request.sandbox), secret_keys=secret_keys)
    return specs.to_state()
