"""The result summary names what failed and where, and carries nothing it was not told to."""

from __future__ import annotations

import json

from aep_activation.steps.result import failure_of, summarize


def lambda_cause(error: str, message: str) -> str:
    return json.dumps({"errorType": error, "errorMessage": message})


def test_a_failure_in_a_parallel_branch_names_the_branch_state_and_keeps_adobes_request_id() -> (
    None
):
    cause = "EnsureDestinationBaseConnection: " + lambda_cause(
        "PermissionDenied",
        "POST /connections: denied (status=403, code=FLOW-2120-403, requestId=abc-123)",
    )
    failure = failure_of(
        {"state": "ConnectProfileAndDestination", "error": "PermissionDenied", "cause": cause}
    )

    assert failure == {
        "state": "EnsureDestinationBaseConnection",
        "parentState": "ConnectProfileAndDestination",
        "error": "PermissionDenied",
        "kind": "system",
        "message": "POST /connections: denied (status=403, code=FLOW-2120-403, requestId=abc-123)",
        "adobeRequestId": "abc-123",
    }


def test_a_failure_outside_a_branch_keeps_its_state_and_a_plain_cause() -> None:
    failure = failure_of(
        {
            "state": "ActivateAudiences",
            "error": "EtagConflictsExhausted",
            "cause": "changed 30 times",
        }
    )

    assert failure["state"] == "ActivateAudiences"
    assert failure["parentState"] is None
    assert failure["message"] == "changed 30 times"
    assert failure["adobeRequestId"] is None


def test_the_summary_picks_fields_and_never_copies_the_request() -> None:
    raw = {
        "name": "summer",
        "sandbox": "prod",
        "destination": {"type": "Amazon S3", "auth": {"params": {"s3SecretKey": "do-not-copy-me"}}},
        "notes": "x" * 5000,
    }
    summary = summarize(
        "FAILED",
        "arn:exec",
        {
            "request": raw,
            "failure": {
                "state": "ValidateRequest",
                "error": "InvalidActivationRequest",
                "cause": "bad",
            },
        },
    )

    text = json.dumps(summary)
    assert "do-not-copy-me" not in text
    assert "xxxx" not in text
    assert summary["activation"] == "summer"
    assert summary["destination"]["type"] == "Amazon S3"
    assert summary["failure"]["state"] == "ValidateRequest"


def test_a_success_summary_names_every_resource() -> None:
    state = {
        "request": {"name": "summer", "sandbox": "prod", "destination": {"type": "Amazon S3"}},
        "specs": {"connectionSpecId": "cs", "flowSpecId": "fs"},
        "connections": {
            "profile": {"baseConnectionId": "pb", "sourceConnectionId": "sc"},
            "destination": {"baseConnectionId": "db", "targetConnectionId": "tc"},
        },
        "dataflow": {"id": "flow", "etag": '"1"'},
        "activation": {
            "etag": '"2"',
            "addedAudiences": ["a"],
            "updatedAudiences": [],
            "addedAttributes": ["p"],
        },
        "validation": {"etag": '"2"', "audiences": ["a"], "attributes": ["p"]},
    }
    summary = summarize("SUCCEEDED", "arn:exec", state)

    assert summary["resources"] == {
        "profileBaseConnectionId": "pb",
        "sourceConnectionId": "sc",
        "destinationBaseConnectionId": "db",
        "targetConnectionId": "tc",
        "dataflowId": "flow",
    }
    assert summary["dataflow"] == {
        "id": "flow",
        "etag": '"2"',
        "audiences": ["a"],
        "attributes": ["p"],
        "state": None,  # the validation step in this state predates dataflowState
    }
    assert summary["changes"]["addedAudiences"] == ["a"]


def test_only_a_requesters_error_counts_as_input() -> None:
    import aep_activation.errors as errors

    # Every name is a real error class: a typo would page on a requester's mistake.
    for name in errors.REQUESTER_ERRORS:
        assert issubclass(getattr(errors, name), errors.ActivationError), name
    for error, kind in [
        ("InvalidActivationRequest", "input"),
        ("TeardownNotConfirmed", "input"),
        ("FlowServiceRejected", "input"),
        ("AuthenticationFailed", "system"),
        ("FlowServiceUnavailable", "system"),
        ("ActivationLeaseHeld", "system"),
        ("SecretUnavailable", "system"),
        ("States.Timeout", "system"),
        ("Lambda.ServiceException", "system"),
        (None, "system"),
    ]:
        assert failure_of({"state": "S", "error": error, "cause": ""})["kind"] == kind, error
