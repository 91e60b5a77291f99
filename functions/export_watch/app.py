"""ExportWatch (scheduled): report every managed dataflow's new runs once, as events and metrics."""

import functools
import os
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.export_watch import ExportWatch, delay_minutes_from_env
from aep_activation.flow_service import FlowServiceClient
from aep_activation.lambda_init import prepare
from aep_activation.observability import step_handler
from aep_activation.registry import ActivationRegistry, registry_from_env
from aep_activation.watch_pass import scheduled_time_ms
from aep_activation.wiring import flow_service_for

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


@functools.cache
def _events() -> "EventBridgeClient":
    return boto3.client("events")


@functools.cache
def _registry() -> ActivationRegistry:
    return registry_from_env(boto3.client("dynamodb"))


prepare(_events, _registry)  # in the init phase, on a full CPU


def _flow_service(sandbox: str) -> FlowServiceClient:
    """A Flow Service client for a sandbox (the pass makes one per sandbox it meets)."""
    return flow_service_for(sandbox)


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    watch = ExportWatch(
        registry=_registry(),
        flow_service_for=_flow_service,
        events=_events(),
        bus_name=os.environ.get("RESULT_EVENT_BUS", "default"),
        delay_minutes=delay_minutes_from_env(os.environ),
    )
    return watch.run_pass(scheduled_time_ms(event)).to_dict()
