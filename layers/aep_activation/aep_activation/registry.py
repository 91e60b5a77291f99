"""The registry: one DynamoDB item per activation the stack manages (sandbox + name).

The result publisher writes it when an apply or a teardown ends (before it publishes the
result event); the command-line tool and the export watch read it. An item holds the request
last applied (secrets by name only, as in every request), the resources it made, the last
result, when, and by which execution::

    registry = ActivationRegistry(table_name, client=boto3.client("dynamodb"))
    for activation in registry.activations():
        print(activation.name, activation.dataflow_id, activation.state)

The publisher's writes set only the attributes it owns (an ``UpdateItem``), so anything
another writer keeps on the item (the export watch's cursor) survives an apply.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aep_activation.aws_json import AwsCallError, error_code
from aep_activation.documents import json_object
from aep_activation.environment import required

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGISTRY_TABLE_VARIABLE = "ACTIVATION_REGISTRY_TABLE"

# The item's attributes. The key is the lease's: ``<sandbox>/<name>``.
KEY = "activation"
SANDBOX = "sandbox"
NAME = "name"
STATE = "state"  # ACTIVE after an apply, TORN_DOWN after a teardown
OPERATION = "operation"  # the last operation that ended: apply or teardown
LAST_RESULT = "lastResult"  # SUCCEEDED or FAILED
REQUEST = "request"  # JSON text of the request last applied
SUMMARY = "summary"  # JSON text of the last result's summary (the result event's detail)
DATAFLOW_ID = "dataflowId"
UPDATED_AT = "updatedAt"  # ISO 8601, when the last operation ended
EXECUTION = "execution"  # the ARN of the execution that wrote it
EXPORT_CURSOR = "exportCursor"  # the export watch's own: the last run it reported

ACTIVE = "ACTIVE"
TORN_DOWN = "TORN_DOWN"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

# Every attribute the result publisher writes: its IAM grant names exactly these
# (dynamodb:Attributes), so the export watch's cursor stays out of its reach.
RESULT_ATTRIBUTES = frozenset(
    {KEY, SANDBOX, NAME, STATE, OPERATION, LAST_RESULT, REQUEST, SUMMARY, DATAFLOW_ID}
    | {UPDATED_AT, EXECUTION}
)
# A late write never replaces a newer outcome.
_NOT_NEWER = "(attribute_not_exists(#updatedAt) OR #updatedAt <= :updatedAt)"


def registry_key(sandbox: str, name: str) -> str:
    return f"{sandbox}/{name}"


@dataclass(frozen=True)
class RegisteredActivation:
    """One registry item, decoded. ``request`` and ``summary`` are the JSON documents."""

    sandbox: str
    name: str
    state: str
    operation: str = ""
    last_result: str = ""
    dataflow_id: str | None = None
    updated_at: str = ""
    execution: str = ""
    request: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    export_cursor: str | None = None

    @property
    def key(self) -> str:
        return registry_key(self.sandbox, self.name)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> RegisteredActivation:
        """From DynamoDB's typed item (``{"S": ...}`` values), as the client returns it."""

        def text(attribute: str) -> str | None:
            value = item.get(attribute)
            return value.get("S") if isinstance(value, Mapping) else None

        return cls(
            sandbox=text(SANDBOX) or "",
            name=text(NAME) or "",
            state=text(STATE) or "",
            operation=text(OPERATION) or "",
            last_result=text(LAST_RESULT) or "",
            dataflow_id=text(DATAFLOW_ID) or None,
            updated_at=text(UPDATED_AT) or "",
            execution=text(EXECUTION) or "",
            request=json_object(text(REQUEST)),
            summary=json_object(text(SUMMARY)),
            export_cursor=text(EXPORT_CURSOR),
        )


class ActivationRegistry:
    """Read the registry table (and keep the export watch's cursor on its items)."""

    def __init__(self, table_name: str, *, client: DynamoDBClient) -> None:
        self.table_name = table_name
        self._client = client

    def activations(self, *, sandbox: str | None = None) -> Iterator[RegisteredActivation]:
        """Every registered activation (torn-down ones too; see ``state``), by key."""
        items: list[RegisteredActivation] = []
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table_name, ConsistentRead=True):
            items.extend(RegisteredActivation.from_item(item) for item in page.get("Items", []))
        items.sort(key=lambda a: a.key)
        for activation in items:
            if sandbox is None or activation.sandbox == sandbox:
                yield activation

    def get(self, sandbox: str, name: str) -> RegisteredActivation | None:
        answer = self._client.get_item(
            TableName=self.table_name,
            Key={KEY: {"S": registry_key(sandbox, name)}},
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return RegisteredActivation.from_item(item) if item else None

    def applied_mapping_set(
        self, sandbox: str, name: str, dataflow_id: str
    ) -> tuple[str, int] | None:
        """The mapping set version (id, number) the last successful apply of this activation
        attached to ``dataflow_id``, as its summary reports it; None when the item holds none
        for that dataflow. A hint only: the flow's own ``profileMapping`` is the truth, and
        a person may have changed it since (an eventually consistent read is enough)."""
        answer = self._client.get_item(
            TableName=self.table_name,
            Key={KEY: {"S": registry_key(sandbox, name)}},
            ProjectionExpression="#state, #dataflowId, #summary",
            ExpressionAttributeNames={
                "#state": STATE,
                "#dataflowId": DATAFLOW_ID,
                "#summary": SUMMARY,
            },
        )
        item = RegisteredActivation.from_item(answer.get("Item") or {})
        if item.state != ACTIVE or item.dataflow_id != dataflow_id:
            return None
        mapping = item.summary.get("mappingSet")
        if not isinstance(mapping, Mapping):
            return None
        mapping_id, version = mapping.get("mappingId"), mapping.get("mappingVersion")
        if not isinstance(mapping_id, str) or not mapping_id:
            return None
        if not isinstance(version, int) or isinstance(version, bool):
            return None
        return mapping_id, version

    def set_export_cursor(self, sandbox: str, name: str, cursor: str) -> None:
        """Keep the export watch's cursor, only on an item that exists (a torn-down activation
        whose item was removed meanwhile is not brought back)."""
        self._client.update_item(
            TableName=self.table_name,
            Key={KEY: {"S": registry_key(sandbox, name)}},
            UpdateExpression="SET #cursor = :cursor",
            ConditionExpression="attribute_exists(#key)",
            ExpressionAttributeNames={"#cursor": EXPORT_CURSOR, "#key": KEY},
            ExpressionAttributeValues={":cursor": {"S": cursor}},
        )

    def record_result(
        self,
        summary: Mapping[str, Any],
        *,
        updated_at: str,
        execution: str,
        request: Callable[[], str],
    ) -> bool:
        """Record how an apply or a teardown ended, from its result summary: ACTIVE with the
        request (``request()``: the execution input's JSON text, read only then) and its
        dataflow after an apply, TORN_DOWN without a dataflow after a teardown, lastResult
        FAILED on a registered item only (a failed first apply registers nothing). False
        when there is nothing to record (a plan; a request that names no activation).

        Raises the client's error when DynamoDB refuses the write
        (``ConditionalCheckFailedException``: a newer outcome is there, or nothing to fail)."""
        sandbox, name = summary.get("sandbox"), summary.get("activation")
        operation = summary.get("operation")
        if not isinstance(sandbox, str) or not isinstance(name, str):
            return False
        if operation not in ("apply", "teardown"):
            return False
        values: dict[str, Any] = {
            ":operation": {"S": operation},
            ":summary": {"S": _json_text(summary)},
            ":updatedAt": {"S": updated_at},
            ":execution": {"S": execution},
        }
        attributes = [OPERATION, LAST_RESULT, SUMMARY, UPDATED_AT, EXECUTION]
        removed: list[str] = []
        failed = summary.get("status") != SUCCEEDED
        if failed:  # state, request and dataflow stay as the last success left them
            values[":lastResult"] = {"S": FAILED}
        else:
            values[":lastResult"] = {"S": SUCCEEDED}
            values[":sandbox"], values[":name"] = {"S": sandbox}, {"S": name}
            attributes = [SANDBOX, NAME, STATE, *attributes]
            if operation == "apply":
                values[":state"] = {"S": ACTIVE}
                values[":request"] = {"S": _json_text(json.loads(request()))}
                attributes.append(REQUEST)
                dataflow_id = (summary.get("resources") or {}).get("dataflowId")
                if isinstance(dataflow_id, str):
                    values[":dataflowId"] = {"S": dataflow_id}
                    attributes.append(DATAFLOW_ID)
            else:  # its resources are gone; the request last applied stays on the item
                values[":state"] = {"S": TORN_DOWN}
                removed.append(DATAFLOW_ID)
        names = {f"#{a}": a for a in (*attributes, *removed)}
        condition = _NOT_NEWER
        if failed:
            names["#activation"] = KEY
            condition = f"attribute_exists(#activation) AND {_NOT_NEWER}"
        expression = "SET " + ", ".join(f"#{a} = :{a}" for a in attributes)
        if removed:
            expression += " REMOVE " + ", ".join(f"#{a}" for a in removed)
        self._client.update_item(
            TableName=self.table_name,
            Key={KEY: {"S": registry_key(sandbox, name)}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return True


def record_result(
    registry: ActivationRegistry,
    summary: Mapping[str, Any],
    *,
    updated_at: str,
    execution: str,
    request: Callable[[], str],
) -> dict[str, str] | None:
    """:meth:`ActivationRegistry.record_result`, or ``{Error, Cause}`` when DynamoDB refused
    or failed it: the registry never changes the activation's outcome, the result says so."""
    # With the client, not at import: the result publisher calls DynamoDB without the SDK.
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        registry.record_result(summary, updated_at=updated_at, execution=execution, request=request)
    except (AwsCallError, ClientError) as exc:
        operation = exc.operation if isinstance(exc, AwsCallError) else exc.operation_name
        # Named as the state machine's native write named it (DynamoDB.<code>).
        prefix = "DynamoDB." if operation == "UpdateItem" else ""
        code = error_code(exc) or "ClientError"
        return {"Error": f"{prefix}{code}", "Cause": str(exc)[:1000]}
    except BotoCoreError as exc:
        return {"Error": f"DynamoDB.{type(exc).__name__}", "Cause": str(exc)[:1000]}
    return None


def _json_text(document: Any) -> str:
    """Compact JSON text, as ``States.JsonToString`` writes it."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def registry_from_env(
    client: DynamoDBClient, environ: Mapping[str, str] = os.environ
) -> ActivationRegistry:
    table = required(environ, REGISTRY_TABLE_VARIABLE)
    return ActivationRegistry(table, client=client)
