"""One execution per activation at a time: a lease, one DynamoDB item per activation.

Every creation step finds-or-creates by a name derived from the activation (``naming.py``).
Two executions of one activation started together would both find nothing and both create.
So an execution takes its activation's lease once ValidateRequest has checked the request (a
plan, which only reads, takes none) and gives it back on every way out, success or failure;
meanwhile another execution of the same activation is refused, and the state machine asks
again with back-off (a bounded wait). Executions of other activations take other leases and
never wait.

The state machine takes and gives back the lease itself, with Step Functions' DynamoDB
integration (the ``AcquireLeaseFor*`` states, one per leased operation: a conditional
PutItem; the release states: a DeleteItem conditional on the holder); this module holds the
item's shape and condition (:data:`ACQUIRE_CONDITION`, which a test holds the ASL to), the
epoch numbers the ASL cannot compute (:func:`lease_for`, returned by ValidateRequest), and
the release of an execution that ended outside the state machine's own paths
(:func:`release_after_execution_ended`).

The item is keyed by ``<sandbox>/<name>`` and holds the execution ARN and ``expiresAt``
(epoch seconds, also the table's TTL attribute, which only tidies up). Taking the lease
succeeds when there is no item, when the item has expired, or when this very execution holds
it already (a write retried after its answer was lost). Giving it back is conditional on the
holder, so a late release never frees the lease of the execution that came next.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aep_activation.aws_json import AwsCallError, error_code
from aep_activation.documents import json_object
from aep_activation.environment import required
from aep_activation.errors import (
    ActivationLeaseHeld,
    ActivationLeaseUnavailable,
    ConfigurationError,
)
from aep_activation.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The lease item's attributes (the table's key and TTL attributes are in template.yaml).
KEY = "activation"
HOLDER = "holder"
ACQUIRED_AT = "acquiredAt"
EXPIRES_AT = "expiresAt"
_CONDITION_FAILED = "ConditionalCheckFailedException"


ACQUIRE_CONDITION = f"attribute_not_exists({KEY}) OR {EXPIRES_AT} < :now OR {HOLDER} = :holder"
"""Free when absent, expired, or already ours: the PutItem condition of the AcquireLeaseFor* states."""

LEASE_WAIT_SECONDS = 2700
"""At least the longest wait for the lease (the sum of the AcquireLeaseFor* states' retry
ceilings, checked by a test). The clock is read once, by ValidateRequest, before that wait:
a lease's expiry counts it in, so the leased part of a run always has its full
``ACTIVATION_LEASE_SECONDS``."""


def lease_key(sandbox: str, name: str) -> str:
    """What the lease guards: one activation name within one sandbox (its resources' names
    derive from it)."""
    return f"{sandbox}/{name}"


@dataclass(frozen=True)
class Lease:
    key: str
    holder: str
    expires_at: int

    def to_state(self) -> dict[str, Any]:
        return {"key": self.key, "holder": self.holder, "expiresAt": self.expires_at}


class ActivationLeases:
    """Take and give back leases in one table; ``seconds`` is how long a lease lasts."""

    def __init__(
        self,
        table_name: str,
        *,
        client: DynamoDBClient,
        seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if seconds <= 0:
            raise ConfigurationError("the activation lease must last a positive number of seconds")
        # The state machine takes leases natively; this method makes the same conditional
        # write (tests hold the two to one condition) for tools and tests.
        self.table_name = table_name
        self._client = client
        self._seconds = seconds
        self._clock = clock

    def acquire(self, key: str, holder: str) -> Lease:
        """Take the lease for ``holder``, or raise ActivationLeaseHeld naming who has it."""
        # With the client, not at import: ValidateRequest imports this module and no SDK.
        from botocore.exceptions import BotoCoreError, ClientError

        now = int(self._clock())
        lease = Lease(key=key, holder=holder, expires_at=now + self._seconds)
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={
                    KEY: {"S": key},
                    HOLDER: {"S": holder},
                    ACQUIRED_AT: {"N": str(now)},
                    EXPIRES_AT: {"N": str(lease.expires_at)},
                },
                ConditionExpression=ACQUIRE_CONDITION,
                ExpressionAttributeValues={":now": {"N": str(now)}, ":holder": {"S": holder}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except (AwsCallError, ClientError) as exc:
            if error_code(exc) == _CONDITION_FAILED:
                # The SDK keeps the answer's item (ALL_OLD); a signed call's holder goes unnamed.
                item = exc.response.get("Item") if isinstance(exc, ClientError) else None
                raise ActivationLeaseHeld(held_message(key, item)) from None
            raise _unavailable("PutItem", exc) from None
        except BotoCoreError as exc:
            raise _unavailable("PutItem", exc) from None
        return lease

    def holder_item(self, key: str) -> dict[str, Any] | None:
        """The lease's item (holder and expiry, as DynamoDB gives them); None when there is
        none or it cannot be read (it only words a failure event)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.get_item(
                TableName=self.table_name,
                Key={KEY: {"S": key}},
                ProjectionExpression=f"{HOLDER}, {EXPIRES_AT}",
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError, AwsCallError):
            return None
        item = answer.get("Item")
        return dict(item) if item else None

    def release(self, key: str, holder: str) -> bool:
        """Give the lease back if ``holder`` has it; False if it did not (nothing to do)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key={KEY: {"S": key}},
                ConditionExpression=f"{HOLDER} = :holder",
                ExpressionAttributeValues={":holder": {"S": holder}},
            )
        except (AwsCallError, ClientError) as exc:
            if error_code(exc) == _CONDITION_FAILED:
                return False
            raise _unavailable("DeleteItem", exc) from None
        except BotoCoreError as exc:
            raise _unavailable("DeleteItem", exc) from None
        return True


def _unavailable(operation: str, exc: Exception) -> ActivationLeaseUnavailable:
    detail = error_code(exc) or type(exc).__name__
    return ActivationLeaseUnavailable(f"activation lease table: {operation} failed ({detail})")


def held_message(key: str, item: object) -> str:
    """Who holds the activation's lease, and until when, from its item (as DynamoDB gives it)."""
    if not isinstance(item, Mapping) or not item:
        return f"activation {key!r} is being worked on by another execution"
    holder = item.get(HOLDER, {}).get("S", "another execution")
    until = item.get(EXPIRES_AT, {}).get("N")
    when = (
        f" (lease until {datetime.fromtimestamp(int(until), UTC).isoformat()})"
        if until and until.isdigit()
        else ""
    )
    return f"activation {key!r} is being worked on by {holder}{when}"


# ------------------------------------------------------------------ the clock


def lease_for(
    sandbox: str, name: str, execution: str, *, seconds: int, now: float | None = None
) -> dict[str, Any]:
    """What the AcquireLeaseFor* states write, as the state carries it (``$.lease``): JSONPath has
    no clock, so ValidateRequest reads it. ``now`` is the condition's notion of the present
    (a lease that expired before it is free); ``expiresAt`` leaves the leased part of the run
    ``seconds`` after the longest wait for the lease (see :data:`LEASE_WAIT_SECONDS`)."""
    if seconds <= 0:
        raise ConfigurationError("the activation lease must last a positive number of seconds")
    at = int(time.time() if now is None else now)
    return {
        "key": lease_key(sandbox, name),
        "holder": execution,
        "now": at,
        "expiresAt": at + LEASE_WAIT_SECONDS + seconds,
    }


# The detail of Step Functions' "Execution Status Change" events for runs that can end
# without passing through the ASL's own release (stopped, timed out, a runtime error).
ENDED_WITHOUT_RELEASE = ("ABORTED", "TIMED_OUT", "FAILED")


def release_after_execution_ended(
    leases: ActivationLeases, detail: Mapping[str, Any]
) -> dict[str, Any]:
    """Release the lease an ended execution may still hold; its input names the activation."""
    execution = detail.get("executionArn")
    status = detail.get("status")
    key = _key_from_execution_input(detail.get("input"))
    if not isinstance(execution, str) or status not in ENDED_WITHOUT_RELEASE or key is None:
        logger.info(
            "execution status change without a lease to release",
            extra={"execution": execution, "status": status},
        )
        return {"key": key, "released": False}
    released = leases.release(key, execution)
    logger.info(
        "lease of an ended execution given back",
        extra={"lease": key, "execution": execution, "status": status, "released": released},
    )
    return {"key": key, "released": released}


def _key_from_execution_input(text: Any) -> str | None:
    """The activation an execution's input names. Only ``sandbox`` and ``name`` are read: an
    input too large for the event is left out by Step Functions, and the lease expires then."""
    data = json_object(text)
    sandbox, name = data.get("sandbox"), data.get("name")
    if not isinstance(sandbox, str) or not isinstance(name, str):
        return None
    return lease_key(sandbox, name)


# ------------------------------------------------------------------ configuration

LEASE_TABLE_VARIABLE = "ACTIVATION_LEASE_TABLE"
LEASE_SECONDS_VARIABLE = "ACTIVATION_LEASE_SECONDS"


def lease_seconds_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """How long the leased part of a run may last (the template sets an hour)."""
    text = environ.get(LEASE_SECONDS_VARIABLE, "3600").strip()
    if not text.isdigit() or int(text) <= 0:
        raise ConfigurationError(
            f"environment variable {LEASE_SECONDS_VARIABLE} must be a positive whole number of "
            f"seconds, got {text!r}"
        )
    return int(text)


def leases_from_env(
    client: DynamoDBClient, environ: Mapping[str, str] = os.environ
) -> ActivationLeases:
    """The lease table, for giving back the lease of an execution that ended (the publisher)."""
    table = required(environ, LEASE_TABLE_VARIABLE)
    return ActivationLeases(table, client=client, seconds=3600)
