"""Registry items written as the result publisher writes them once an apply ends (ACTIVE, the
dataflow, the request last applied, when): the export watch's tests seed them directly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aep_activation.registry import (
    ACTIVE,
    DATAFLOW_ID,
    KEY,
    LAST_RESULT,
    NAME,
    OPERATION,
    REQUEST,
    SANDBOX,
    STATE,
    UPDATED_AT,
    registry_key,
)


def register(
    dynamodb: Any,
    table: str,
    *,
    name: str,
    dataflow_id: str,
    applied_at: float,
    sandbox: str = "prod",
    state: str = ACTIVE,
    audiences: list[dict[str, str]] | None = None,
) -> None:
    """One activation, applied at ``applied_at`` (epoch seconds)."""
    request = {"name": name, "sandbox": sandbox, "audiences": audiences or []}
    moment = datetime.fromtimestamp(applied_at, UTC).isoformat().replace("+00:00", "Z")
    dynamodb.put_item(
        TableName=table,
        Item={
            KEY: {"S": registry_key(sandbox, name)},
            SANDBOX: {"S": sandbox},
            NAME: {"S": name},
            STATE: {"S": state},
            OPERATION: {"S": "apply"},
            LAST_RESULT: {"S": "SUCCEEDED"},
            DATAFLOW_ID: {"S": dataflow_id},
            UPDATED_AT: {"S": moment},
            REQUEST: {"S": json.dumps(request)},
        },
    )
