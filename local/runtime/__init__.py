"""Run the real state machine (statemachine/*.asl.json) with the real handlers, locally.

``LocalStack`` reads template.yaml, creates its resources in moto and runs executions with
the handlers in local Lambda containers (processes, concurrent as on AWS); see
:mod:`local.runtime.stack`.
"""

from local.runtime.capture import CapturedLine
from local.runtime.functions import Invocation
from local.runtime.history import ExecutionResult, Failure, StateVisit
from local.runtime.queues import BatchOutcome, DrainResult, QueuedMessage
from local.runtime.sleeps import RecordedSleep
from local.runtime.stack import LocalStack
from local.runtime.template import TemplateError

__all__ = [
    "BatchOutcome",
    "CapturedLine",
    "DrainResult",
    "ExecutionResult",
    "Failure",
    "Invocation",
    "LocalStack",
    "QueuedMessage",
    "RecordedSleep",
    "StateVisit",
    "TemplateError",
]
