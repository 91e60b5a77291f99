"""ActivateAudiences: converge the flow to the request (one JSON Patch under If-Match, naming
the mapping set EnsureMappingSet prepared on the new cards, then ENABLE/DISABLE if its state
differs)."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation.errors import EtagConflictsExhausted, EtagMismatch
from aep_activation.observability import metrics, step_handler
from aep_activation.slim import fit
from aep_activation.step_inputs import ActivateStepInput, parse_step_input
from aep_activation.steps.activate_audiences import activate
from aep_activation.wiring import flow_service_for, request_from_state

ETAG_CONFLICT_RETRIES = 59
"""The ASL's Retry on EtagMismatch for this state (MaxAttempts; a test holds the two equal):
the 412 met on the last attempt is reported as EtagConflictsExhausted, by name."""


@step_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse_step_input(event, ActivateStepInput)
    request = request_from_state(parsed.request)
    try:
        outcome = activate(
            request,
            flow_service_for(request.sandbox),
            str(parsed.dataflow["id"]),
            created_etag=parsed.created_etag,
            prepared=parsed.mapping_set,
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
