"""Run the real state machine (statemachine/*.asl.json) with the real handlers, locally.

``LocalDeployment`` reads template.yaml, creates its resources in moto and runs executions with
the handlers in local Lambda containers (processes, concurrent as on AWS); see
:mod:`local.runtime.deployment`.

The names below load on first use: reading an execution's history (``history``,
``report``, as the command-line tool does against a deployed stack) needs no moto.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.runtime.capture import CapturedLine
    from local.runtime.deployment import LocalDeployment
    from local.runtime.functions import Invocation
    from local.runtime.history import ExecutionResult, Failure, StateVisit
    from local.runtime.queues import BatchOutcome, DrainResult, QueuedMessage
    from local.runtime.sleeps import RecordedSleep
    from local.runtime.template import TemplateError

_HOMES = {
    "BatchOutcome": "queues",
    "CapturedLine": "capture",
    "DrainResult": "queues",
    "ExecutionResult": "history",
    "Failure": "history",
    "Invocation": "functions",
    "LocalDeployment": "deployment",
    "QueuedMessage": "queues",
    "RecordedSleep": "sleeps",
    "StateVisit": "history",
    "TemplateError": "template",
}

__all__ = [
    "BatchOutcome",
    "CapturedLine",
    "DrainResult",
    "ExecutionResult",
    "Failure",
    "Invocation",
    "LocalDeployment",
    "QueuedMessage",
    "RecordedSleep",
    "StateVisit",
    "TemplateError",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
