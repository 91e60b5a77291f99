"""How a handler gets its collaborators: settings, the Flow Service client, the request.

Kept apart from the steps so that steps take their collaborators as arguments (and tests pass
the emulator's), while handlers stay one-liners.
"""

from __future__ import annotations

from typing import Any

from aep_activation.config import Settings
from aep_activation.flow_service import FlowServiceClient, flow_service_from_settings
from aep_activation.lambda_init import prepare
from aep_activation.request import ActivationRequest, build_request_validator
from aep_activation.step_inputs import StepInputModel, parse_step_input

# In the init phase, on a full CPU: every step re-reads the request.
prepare(build_request_validator)


def request_from_state(data: dict[str, Any]) -> ActivationRequest:
    """The request as ValidateRequest normalised it. Rules tied to today's date were checked
    when the execution started and are not checked again (a run may cross midnight)."""
    return ActivationRequest.from_state(data)


def flow_service_for(sandbox: str) -> FlowServiceClient:
    return flow_service_from_settings(Settings.from_env(), sandbox)


def adobe_step(
    event: dict[str, Any], model: type[StepInputModel]
) -> tuple[StepInputModel, ActivationRequest, FlowServiceClient]:
    """What every Adobe-calling step starts from: its input as ``model``, the request it
    carries, and the Flow Service client for the request's sandbox::

        parsed, request, flow_service = adobe_step(event, ConnectionStepInput)
    """
    parsed = parse_step_input(event, model)
    request = request_from_state(parsed.request)
    return parsed, request, flow_service_for(request.sandbox)
