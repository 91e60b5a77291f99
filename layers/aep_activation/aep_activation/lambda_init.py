"""Work a function does in Lambda's init phase instead of on its cold first call.

Lambda runs a function's init (its imports) on a full CPU, but each call on ``MemorySize``/1769
of one core: a seventh at 256 MB. SDK clients, Powertools providers and anything else every
cold first call builds therefore cost about seven times as much made on that call as made at
import. ``prepare`` builds them at import, in a Lambda container only (``AWS_LAMBDA_FUNCTION_NAME``
is set there, and by the local runtime's containers); elsewhere (tests, a library user) the same
cached factories build them on first use.

    _events = functools.cache(lambda: boto3.client("events"))
    prepare(_events)
"""

from __future__ import annotations

import os
from collections.abc import Callable


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def prepare(*factories: Callable[[], object]) -> None:
    """Call each (cached) factory now when running in a Lambda container."""
    if in_lambda():
        for factory in factories:
            factory()
