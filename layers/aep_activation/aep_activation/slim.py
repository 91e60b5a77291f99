"""Step results that fit Step Functions' 256 KiB per state, at Adobe's maxima.

A state carries the normalised request (at most ``MAX_REQUEST_BYTES``, 128 KiB) and what the
steps add. Each step that can return a long list (a plan's JSON Patch, the changes in words,
audience ids, ad-hoc runs) passes its result through :func:`fit` with its own budget
(``RESULT_BUDGETS``): a result within it is returned as it is; a longer one keeps the first
items of its longest lists, says under ``truncated`` how many each list had and kept, and
where the whole lists went: the step's log, one line per part (``full result part``), under
the execution's id (the log's ``correlation_id``). The request plus every budget stays under
``STATE_BUDGET`` (192 KiB), a quarter of the limit kept as margin (tests check both).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from aep_activation.observability import logger

STATE_BUDGET = 192 * 1024
"""The most any state may carry, in UTF-8 bytes of JSON (Step Functions allows 256 KiB)."""

RESULT_BUDGETS = {
    "PlanActivation": 48 * 1024,
    "EnsureMappingSet": 2 * 1024,
    "ActivateAudiences": 10 * 1024,
    "ValidateDataflow": 6 * 1024,
    "ExportNow": 14 * 1024,
    "CheckRuns": 14 * 1024,
}
"""Each step's result, at most. A plan is alone beside the request; an apply's state holds
EnsureMappingSet's, ActivateAudiences', ValidateDataflow's, ExportNow's and CheckRuns' results
together."""

LOG_PART_BYTES = 64 * 1024
"""One log line of a full list, at most (CloudWatch Logs takes 256 KiB per event)."""

FULL_RESULT_MESSAGE = "full result part"


def size_of(value: Any) -> int:
    """Bytes of ``value`` as compact JSON in UTF-8 (how Step Functions counts)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def fit(
    result: dict[str, Any],
    step: str,
    *,
    execution: str | None,
    keep: Sequence[str] = (),
) -> dict[str, Any]:
    """``result`` within ``RESULT_BUDGETS[step]``: its longest top-level lists (except those
    in ``keep``, which the next states need whole) cut to their first items; each full list
    is logged in parts."""
    budget = RESULT_BUDGETS[step]
    if size_of(result) <= budget:
        return result
    slim = dict(result)
    truncated: dict[str, dict[str, int]] = {}
    # Room for the ``truncated`` note itself.
    target = budget - 1024
    while size_of(slim) > target:
        lists = [
            (size_of(value), key)
            for key, value in slim.items()
            if isinstance(value, list) and value and key not in keep
        ]
        if not lists:
            break
        _, key = max(lists)
        items: list[Any] = slim[key]
        room = size_of(items) - (size_of(slim) - target)
        slim[key] = _prefix(items, room)
        truncated[key] = {"total": len(result[key]), "kept": len(slim[key])}
    parts = sum(_log_in_parts(step, key, result[key]) for key in truncated)
    slim["truncated"] = {
        "lists": truncated,
        "fullListsIn": {
            "logGroup": os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME"),
            "message": FULL_RESULT_MESSAGE,
            "correlationId": execution,
            "parts": parts,
        },
    }
    return slim


def _prefix(items: list[Any], room: int) -> list[Any]:
    """The longest prefix of ``items`` whose JSON takes at most ``room`` bytes."""
    kept: list[Any] = []
    used = 2  # the brackets
    for item in items:
        used += size_of(item) + (1 if kept else 0)
        if used > room:
            break
        kept.append(item)
    return kept


def _log_in_parts(step: str, field: str, items: list[Any]) -> int:
    """Log ``items`` in lines of at most ``LOG_PART_BYTES``; returns how many lines."""
    chunks: list[list[Any]] = [[]]
    used = 0
    for item in items:
        size = size_of(item) + 1
        if chunks[-1] and used + size > LOG_PART_BYTES:
            chunks.append([])
            used = 0
        chunks[-1].append(item)
        used += size
    for index, chunk in enumerate(chunks, start=1):
        logger.info(
            FULL_RESULT_MESSAGE,
            extra={
                "step": step,
                "field": field,
                "part": index,
                "parts": len(chunks),
                "offset": sum(len(c) for c in chunks[: index - 1]),
                "items": chunk,
            },
        )
    return len(chunks)
