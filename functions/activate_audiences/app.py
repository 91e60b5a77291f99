"""ActivateAudiences: converge the flow to the request (one JSON Patch under If-Match, naming
the mapping set EnsureMappingSet prepared on the new cards, then ENABLE/DISABLE if its state
differs). On a flow the request names, the registry's record of the activation's last apply
says which mapping set version to read beside the flow (the flow confirms it)."""

import functools
import os
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.aws_clients import DynamoDBItems
from aep_activation.aws_json import AwsCallError
from aep_activation.dataprep.mapping import MappingRef
from aep_activation.errors import EtagConflictsExhausted, EtagMismatch
from aep_activation.lambda_init import prepare
from aep_activation.observability import logger, metrics, step_handler
from aep_activation.registry import REGISTRY_TABLE_VARIABLE, ActivationRegistry
from aep_activation.request import ActivationRequest
from aep_activation.slim import fit
from aep_activation.step_inputs import ActivateStepInput
from aep_activation.steps.activate_audiences import activate
from aep_activation.steps.flow_view import MappingSetHint
from aep_activation.wiring import adobe_step

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ETAG_CONFLICT_RETRIES = 59
"""The ASL's Retry on EtagMismatch for this state (MaxAttempts; a test holds the two equal):
the 412 met on the last attempt is reported as EtagConflictsExhausted, by name."""


@functools.cache
def _registry() -> ActivationRegistry | None:
    table = os.environ.get(REGISTRY_TABLE_VARIABLE, "").strip()
    if not table:
        return None
    # Its one read, GetItem, signed without the SDK (aep_activation.aws_json says why), with
    # the SDK client's parameters and answer.
    return ActivationRegistry(table, client=cast("DynamoDBClient", DynamoDBItems()))


prepare(_registry)  # in the init phase, on a full CPU


def _applied_mapping_set(request: ActivationRequest, dataflow_id: str) -> MappingSetHint:
    """The registry's hint, read beside the flow; any failure to read it is no hint."""

    def hint() -> MappingRef | None:
        registry = _registry()
        if registry is None:
            return None
        try:
            found = registry.applied_mapping_set(request.sandbox, request.name, dataflow_id)
        except AwsCallError as exc:
            logger.info("registry not read for a hint", extra={"error": exc.code})
            return None
        return MappingRef(*found) if found else None

    return hint


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed, request, flow_service = adobe_step(event, ActivateStepInput)
    dataflow_id = str(parsed.dataflow["id"])
    try:
        outcome = activate(
            request,
            flow_service,
            dataflow_id,
            created_etag=parsed.created_etag,
            prepared=parsed.mapping_set,
            mapping_hint=_applied_mapping_set(request, dataflow_id),
        )
    except EtagMismatch as exc:
        # RetryCount counts every retry of the state, so this comes no later than the
        # Retry's own last attempt.
        if parsed.retry_count < ETAG_CONFLICT_RETRIES:
            raise
        raise EtagConflictsExhausted(
            f"the dataflow changed under every one of {parsed.retry_count + 1} attempts; "
            f"last answer: {exc.message}"
        ) from None
    metrics.add_metric(
        name="AudiencesActivated", unit=MetricUnit.Count, value=len(outcome.diff.added_audiences)
    )
    return fit(outcome.to_state(), "ActivateAudiences", execution=parsed.execution)
