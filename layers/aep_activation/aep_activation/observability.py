"""Powertools Logger and Metrics shared by every handler, and the step decorator.

Usage in a handler::

    @step_handler
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return ensure_dataflow(...)

The decorator answers the pre-warm's no-op event (:mod:`aep_activation.warm_up`) without
running the step, sets the correlation id to the Step Functions execution (``event["execution"]``),
counts cold starts, flushes metrics, and logs a failed step by error name and message only
(messages carry no secrets by construction; see :mod:`aep_activation.errors`).

No Powertools Tracer: it needs the X-Ray SDK, which drags botocore into the layer and costs
about 0.7 s of cold import per function. ``Tracing: Active`` (template.yaml) still gives each
invocation its X-Ray segment, and the state machine's trace links the steps.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aep_activation import budget
from aep_activation.errors import (
    ActivationError,
    EtagMismatch,
    FlowServiceThrottled,
)
from aep_activation.warm_up import WARMED_UP, is_warm_up

SDK_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")
"""At DEBUG, botocore logs whole responses: GetSecretValue's holds the credentials."""


def quiet_sdk_loggers() -> None:
    """Keep the AWS SDK's and urllib3's loggers at WARNING whatever the stack's LogLevel (the
    Lambda runtime sets the root logger to it, and these inherit it unless set)."""
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


quiet_sdk_loggers()

logger = Logger(service="aep-activation")


def apply_stack_log_level() -> None:
    """Apply the stack's LogLevel (``LOG_LEVEL``) to the functions' logger.

    Lambda's own filter stays at INFO at most (template.yaml, ``LambdaLogLevel``): it files a
    line that has no ``level`` as INFO, and metric lines have none, so a filter at WARN would
    drop every metric. Powertools takes Lambda's filter level as its own, so WARNING and ERROR
    are set here, on the logger every module's child logger inherits from.
    """
    level = os.environ.get("LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        logging.getLogger(logger.name).setLevel(level)


apply_stack_log_level()
metrics = Metrics(namespace="AepActivation", service="aep-activation")

Handler = TypeVar("Handler", bound=Callable[[dict[str, Any], LambdaContext], Any])


def step_handler(handler: Handler) -> Handler:
    """Wrap a step's handler with logging context, metrics and error accounting."""

    @functools.wraps(handler)
    def wrapper(event: dict[str, Any], context: LambdaContext) -> Any:
        if is_warm_up(event):
            # The container's init has run (the point of the warm-up); Powertools' own first-call
            # work around this wrapper has too. The step itself reads no secret, calls no one.
            return dict(WARMED_UP)
        deadline = budget.begin(context)
        try:
            # Leased steps get the lease's expiry (leaseExpiresAt): none starts too late.
            budget.check_lease(event.get("leaseExpiresAt") if isinstance(event, dict) else None)
            return handler(event, context)
        except EtagMismatch:
            metrics.add_metric(name="EtagConflicts", unit=MetricUnit.Count, value=1)
            raise
        except FlowServiceThrottled:
            metrics.add_metric(name="Throttles", unit=MetricUnit.Count, value=1)
            raise
        except ActivationError as exc:
            logger.warning(
                "step failed", extra={"error": type(exc).__name__, "reason": exc.message}
            )
            raise
        finally:
            budget.end(deadline)

    with_metrics = metrics.log_metrics(wrapper, capture_cold_start_metric=True)
    with_logging = logger.inject_lambda_context(with_metrics, correlation_id_path="execution")
    return with_logging  # type: ignore[return-value]
