"""The last step: a secret-free summary of the execution, published on EventBridge.

It reads only ids, names and error text from the state; the request's own fields are picked
one by one, so nothing a person wrongly put into a request travels on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aep_activation import catalog
from aep_activation.errors import ConfigurationError, failure_kind
from aep_activation.fields import CLIENT_REQUEST_ID_PATTERN
from aep_activation.steps.lease import held_message

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

EVENT_SOURCE = "aep.activation"
DETAIL_TYPES = {"SUCCEEDED": "ActivationSucceeded", "FAILED": "ActivationFailed"}
_REQUEST_ID = re.compile(r"requestId=([A-Za-z0-9._:-]+)")
_CLIENT_REQUEST_ID = re.compile(CLIENT_REQUEST_ID_PATTERN)
# The states that take the lease: one per leased operation, each going straight to its first step.
LEASE_STATES = frozenset(
    {"AcquireLeaseForApply", "AcquireLeaseForNamedDataflow", "AcquireLeaseForTeardown"}
)
LEASE_HELD = "DynamoDB.ConditionalCheckFailedException"
# The run watch's own fields: the next poll's, not the result's.
_WATCH_BOOKKEEPING = frozenset({"runIds", "runs", "waitedSeconds", "nextWaitSeconds", "timeUp"})
_BRANCH_STATE = re.compile(r"^([A-Z][A-Za-z]+): (.*)$", re.DOTALL)


def summarize(
    status: str,
    execution: str,
    state: dict[str, Any],
    lease_holder: Callable[[str], object] | None = None,
) -> dict[str, Any]:
    """The result event's detail; ``lease_holder`` reads the lease's item when the run failed
    because another execution held it (who, until when)."""
    request = _object(state.get("request"))
    destination = _object(request.get("destination"))
    connections = state.get("connections") or {}
    profile = connections.get("profile") or {}
    destination_side = connections.get("destination") or {}
    dataflow = state.get("dataflow") or {}
    activation = state.get("activation") or {}
    specs = state.get("specs") or {}
    summary: dict[str, Any] = {
        "status": status,
        "execution": execution,
        # The requester's own id, so it can match this result to its request; from the raw
        # request too (an invalid one), but only in the shape the model allows.
        "requestId": _client_request_id(request.get("requestId")),
        "operation": _text(request.get("operation")) or "apply",
        "activation": _text(request.get("name")),
        "sandbox": _text(request.get("sandbox")),
        "destination": {
            "type": _text(destination.get("type")),
            "connectionSpecId": _text(
                specs.get("connectionSpecId") or destination.get("connectionSpecId")
            ),
            "flowSpecId": _text(specs.get("flowSpecId")),
        },
        "resources": {
            "profileBaseConnectionId": profile.get("baseConnectionId"),
            "sourceConnectionId": profile.get("sourceConnectionId"),
            "destinationBaseConnectionId": destination_side.get("baseConnectionId"),
            "targetConnectionId": destination_side.get("targetConnectionId"),
            "dataflowId": dataflow.get("id")
            or (state.get("plan") or {}).get("dataflowId")
            or ((state.get("teardown") or {}).get("resources") or {}).get("dataflowId")
            or _text(request.get("dataflowId")),
        },
    }
    # The flow's own card: from EnsureDataflow's snapshot, or ActivateAudiences' read of the
    # flow the request names (dataflowId).
    flow_card = _text(dataflow.get("targetConnectionSpecId")) or _text(
        activation.get("targetConnectionSpecId")
    )
    warnings = retirement_warnings(destination, specs, flow_card)
    warnings += [str(w) for w in specs.get("warnings") or [] if str(w) not in warnings]
    if warnings:
        summary["warnings"] = warnings
    if status == "SUCCEEDED" and "plan" in state:
        summary["plan"] = state["plan"]  # the dry run: what apply would do, nothing done
    elif status == "SUCCEEDED" and "teardown" in state:
        summary["teardown"] = state["teardown"]  # what was deleted, already gone, or kept
    elif status == "SUCCEEDED":
        validation = state.get("validation") or {}
        summary["dataflow"] = {
            "id": dataflow.get("id"),
            "etag": validation.get("etag") or activation.get("etag"),
            "audiences": validation.get("audiences", []),
            "attributes": validation.get("attributes", []),
            "state": validation.get("state"),
        }
        if validation.get("columns"):  # new cards: each attribute -> its exported column
            summary["dataflow"]["columns"] = validation["columns"]
        _note_truncated(summary["dataflow"], validation)
        watch = _object(state.get("runWatch"))
        export = state.get("exportNow")
        if isinstance(export, dict):
            summary["exportNow"] = export_now_summary(export, watch)
        elif watch:
            summary["firstRun"] = {k: v for k, v in watch.items() if k not in _WATCH_BOOKKEEPING}
        summary["changes"] = {
            key: activation.get(key, [])
            for key in (
                "addedAudiences",
                "updatedAudiences",
                "removedAudiences",
                "addedAttributes",
                "removedAttributes",
                "fieldsChanged",
                "changes",
            )
        }
        summary["changes"]["patched"] = bool(activation.get("patched"))
        summary["changes"]["stateAction"] = activation.get("stateAction")
        mapping = activation.get("mappingSet")
        if isinstance(mapping, dict):  # a new card: the set the flow names, and any orphan
            summary["mappingSet"] = {
                key: mapping.get(key) for key in ("mappingId", "mappingVersion", "created")
            }
            summary["leftBehind"] = list(mapping.get("leftBehind") or [])
        _note_truncated(summary["changes"], activation)
    else:
        summary["failure"] = failure_of(failure_in(state, lease_holder))
    return summary


def failure_in(
    state: dict[str, Any], lease_holder: Callable[[str], object] | None = None
) -> dict[str, Any]:
    """``{state, error, cause}`` of the run's failure. Each state's Catch puts what it caught
    (``{Error, Cause}``) under ``$.failed.<its name>``, so the key names the failed state; a
    run reported from outside (``execution_ended``) hands ``failure`` in that shape already."""
    failed = state.get("failed")
    if not isinstance(failed, dict) or not failed:
        return _object(state.get("failure"))
    name, caught = next(iter(failed.items()))
    error, cause = _object(caught).get("Error"), _object(caught).get("Cause")
    if name in LEASE_STATES and error == LEASE_HELD:
        # The native PutItem's refusal, once its retries were spent: another execution of
        # the activation held the lease all along: who, read now.
        key = str(_object(state.get("lease")).get("key"))
        held_by = lease_holder(key) if lease_holder is not None else None
        error, cause = "ActivationLeaseHeld", held_message(key, held_by)
    return {"state": name, "error": error, "cause": cause}


def export_now_summary(export: dict[str, Any], watch: dict[str, Any]) -> dict[str, Any]:
    """Each ad-hoc run with how the run watch saw it end: ``success``, ``failed`` with
    Adobe's errors, or still running (``finished`` false) when the watch ran out of time."""
    seen = {
        r.get("runId"): r for r in watch.get("runs") or [] if isinstance(r, dict) and r.get("runId")
    }
    runs = []
    for started in export.get("runs") or []:
        if not isinstance(started, dict):
            continue
        run = {"audienceId": started.get("audienceId"), "runId": started.get("runId")}
        report = seen.get(started.get("runId"), {})
        run.update(
            status=report.get("status"),
            finished=bool(report.get("finished")),
            records=report.get("records"),
            files=report.get("files"),
            errors=report.get("errors") or [],
        )
        if watch.get("timedOut") and not run["finished"]:
            run["stillRunning"] = True  # the watch's time ran out before this run ended
        runs.append(run)
    summary: dict[str, Any] = {
        "jobs": export.get("jobs"),
        "runs": runs,
        "watch": {
            "finished": bool(watch.get("finished")),
            "timedOut": bool(watch.get("timedOut")),
            "polls": watch.get("polls"),
            "timeoutMinutes": watch.get("timeoutMinutes"),
        },
    }
    _note_truncated(summary, export)
    if isinstance(watch.get("truncated"), dict):
        summary["watch"]["truncated"] = watch["truncated"]
        summary["watch"]["statusCounts"] = watch.get("statusCounts")
    return summary


def _note_truncated(summary: dict[str, Any], step_result: dict[str, Any]) -> None:
    """A step result cut to fit the state says so (how many of each list, where the whole
    lists are): the summary carries that on, so nobody takes a short list for all of it."""
    truncated = step_result.get("truncated")
    if isinstance(truncated, dict):
        summary["truncated"] = truncated


def retirement_warnings(
    destination: dict[str, Any], specs: dict[str, Any], flow_card: str | None
) -> list[str]:
    """Warn when the request or the dataflow it names uses a card Adobe retired (the legacy
    S3, Azure Blob and SFTP cards): such runs still validate, but their days are counted."""
    spec_ids: list[str | None] = [
        _text(specs.get("connectionSpecId")) or _text(destination.get("connectionSpecId")),
        flow_card,
    ]
    entry = (
        catalog.find_destination(destination["type"]) if _text(destination.get("type")) else None
    )
    if entry is not None:
        spec_ids.append(entry.connection_spec_id)
    warnings: list[str] = []
    for spec_id in spec_ids:
        warning = catalog.retirement_warning(spec_id)
        if warning is not None and warning not in warnings:
            warnings.append(warning)
    return warnings


def failure_of(failure: dict[str, Any]) -> dict[str, Any]:
    """Name the failed state and error; keep the message and Adobe's request id from the cause."""
    cause = failure.get("cause")
    message = cause if isinstance(cause, str) else ""
    state = failure.get("state")
    within = _BRANCH_STATE.match(message)
    if within:  # a Parallel branch prefixes the cause with the name of its failed state
        state, message = within.group(1), within.group(2)
    try:  # a Lambda error's Cause is a JSON document with errorMessage/errorType
        parsed = json.loads(message)
        if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
            message = parsed["errorMessage"]
    except ValueError:
        pass
    request_id = _REQUEST_ID.search(message)
    return {
        "state": state,
        "parentState": failure.get("state") if state != failure.get("state") else None,
        "error": failure.get("error"),
        # input: the requester's to fix (the request or its timing); system: the operators'.
        "kind": failure_kind(failure.get("error")),
        "message": message[:2000],
        "adobeRequestId": request_id.group(1) if request_id else None,
    }


def publish(summary: dict[str, Any], events: EventBridgeClient, bus_name: str) -> None:
    answer = events.put_events(
        Entries=[
            {
                "Source": EVENT_SOURCE,
                "DetailType": DETAIL_TYPES[summary["status"]],
                "Detail": json.dumps(summary),
                "EventBusName": bus_name,
            }
        ]
    )
    if answer.get("FailedEntryCount"):
        entry = (answer.get("Entries") or [{}])[0]
        raise ConfigurationError(
            f"EventBridge refused the result event on bus {bus_name!r}: {entry.get('ErrorCode')}"
        )


def _client_request_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _CLIENT_REQUEST_ID.match(value) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= 200 else None


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (the state may hold a raw request)."""
    return value if isinstance(value, dict) else {}
