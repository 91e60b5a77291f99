"""Pre-warm: start the later functions' cold starts while the first steps run.

A batch activation runs a few times a day, so on Lambda nearly every function on its path
starts cold, one after another. ValidateRequest, the first step, invokes the functions the
request's path will call asynchronously (``InvocationType: Event``) with :data:`WARM_UP_EVENT`;
each one's init (its imports and SDK clients, :mod:`aep_activation.lambda_init`) then overlaps
the first steps, and the state machine's call finds a warm container.

Which functions: the template lists them, as the published versions the state machine calls
(a version has containers of its own), in variables: :data:`NEW_DATAFLOW_VARIABLE` for an
apply that may create the dataflow, :data:`EXISTING_DATAFLOW_VARIABLE` for one that names it
(the connections are then not touched), each in the order the path calls them (the local
runtime runs the inits one at a time in that order). A plan or a teardown warms nothing.

A container of ValidateRequest warms a function at most once in :data:`REWARM_AFTER_SECONDS`.
A warm-up is best effort: a failure to start one is logged (the function and the error's code)
and never fails the step. The warm-up event carries nothing, and a handler answering it reads
no secret and fetches no token.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

WARM_UP_KEY = "aepActivationWarmUp"
WARM_UP_EVENT: Mapping[str, Any] = {WARM_UP_KEY: True}
"""The no-op event: no step's event has this key (theirs come from the state machine)."""

WARMED_UP: Mapping[str, Any] = {"warmedUp": True}
"""What a handler answers to the warm-up event (an async invoke's answer is discarded)."""

NEW_DATAFLOW_VARIABLE = "WARM_UP_NEW_DATAFLOW"
EXISTING_DATAFLOW_VARIABLE = "WARM_UP_EXISTING_DATAFLOW"

REWARM_AFTER_SECONDS = 300.0
"""A function this container warmed less than this ago is taken as still warm (Lambda keeps an
idle container for some minutes), so a burst of executions does not send a burst of warm-ups
that would only take containers from the executions' own calls."""

_warmed_at: dict[str, float] = {}  # function -> when this container last warmed it


def is_warm_up(event: Any) -> bool:
    return isinstance(event, dict) and event.get(WARM_UP_KEY) is True


def functions_for(request: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> list[str]:
    """The functions to warm for ``request`` (as ValidateRequest normalised it)."""
    operation = request.get("operation", "apply")
    if operation != "apply":
        return []
    if request.get("dataflowId"):
        return _listed(environ, EXISTING_DATAFLOW_VARIABLE)
    return _listed(environ, NEW_DATAFLOW_VARIABLE)


def _listed(environ: Mapping[str, str], variable: str) -> list[str]:
    return [name.strip() for name in environ.get(variable, "").split(",") if name.strip()]


@functools.cache
def lambda_client() -> Any:
    """Lambda's asynchronous ``Invoke``, signed without the AWS SDK: ValidateRequest, which
    warms, is itself cold on nearly every activation (:mod:`aep_activation.aws_json`)."""
    from aep_activation.aws_clients import LambdaInvoker

    return LambdaInvoker()


def warm_up(functions: Iterable[str], client: Any = None) -> int:
    """Invoke each function asynchronously with the warm-up event; how many were accepted.

    Each invoke only queues the event (Lambda answers 202), so this takes one round trip per
    function and never waits for an init."""
    from aep_activation.observability import logger  # it imports this module

    payload = json.dumps(WARM_UP_EVENT).encode()
    started = 0
    for name in functions:
        try:
            (client or lambda_client()).invoke(
                FunctionName=name, InvocationType="Event", Payload=payload
            )
            started += 1
        except Exception as exc:  # a warm-up must never fail the step
            logger.warning(
                "warm-up not started",
                extra={"function": name, "error": _error_code(exc)},
            )
    return started


def _error_code(exc: Exception) -> str:
    from aep_activation.aws_json import error_code

    return error_code(exc) or type(exc).__name__


def warm_up_for(request: Mapping[str, Any], client: Any = None, *, now: float | None = None) -> int:
    """Warm the functions ``request``'s path will call (:func:`functions_for`) that this
    container has not warmed within :data:`REWARM_AFTER_SECONDS`."""
    moment = time.monotonic() if now is None else now
    due = [
        name
        for name in functions_for(request)
        if moment - _warmed_at.get(name, -REWARM_AFTER_SECONDS) >= REWARM_AFTER_SECONDS
    ]
    for name in due:
        _warmed_at[name] = moment
    return warm_up(due, client)


def forget_warm_ups() -> None:
    """Take every function as cold again (tests)."""
    _warmed_at.clear()
