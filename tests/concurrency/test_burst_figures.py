"""The burst figures count what happened: a 412 is what Flow Service answered, whichever step
met it (no emulator server, no stack: the counting alone)."""

from __future__ import annotations

from local.emulator import Emulator, RecordedRequest
from local.runtime import ExecutionResult
from local.runtime.history import Failure, StateVisit
from tests.concurrency.races import etag_conflicts, outcome

FLOWS = "/data/foundation/flowservice/flows"


def call(method: str, path: str, status: int | None) -> RecordedRequest:
    return RecordedRequest(
        method=method, path=path, query={}, headers={}, body=None, status=status, request_id="r"
    )


def test_every_412_answered_is_counted_and_nothing_else() -> None:
    calls = [
        call("POST", "/ims/token/v3", 200),
        call("GET", f"{FLOWS}/f1", 200),
        call("PATCH", f"{FLOWS}/f1", 412),
        call("GET", f"{FLOWS}/f1", 200),
        call("PATCH", f"{FLOWS}/f1", 412),
        call("PATCH", f"{FLOWS}/f1", None),  # a reset connection is no 412
        call("PATCH", f"{FLOWS}/f1", 200),
        call("GET", f"{FLOWS}/f2", 404),
    ]
    assert etag_conflicts(calls) == 2
    assert etag_conflicts([]) == 0


def test_a_burst_reports_the_412s_its_calls_met() -> None:
    # ActivateAudiences met two 412s: its Retry on EtagMismatch, three attempts in one visit.
    activate = StateVisit(
        name="ActivateAudiences", type="Task", entered_event_id=7, input={}, attempts=3
    )
    activate.failures += [Failure("EtagMismatch", "412"), Failure("EtagMismatch", "412")]
    result = ExecutionResult(
        arn="arn:aws:states:us-east-1:123456789012:execution:m:one",
        name="one",
        status="SUCCEEDED",
        input={"name": "a"},
        output={},
        error=None,
        cause=None,
        states=("ActivateAudiences",),
        visits=(activate,),
        events=(),
        sleeps=(),
    )
    calls = [call("PATCH", f"{FLOWS}/f1", 412)] * 2 + [call("PATCH", f"{FLOWS}/f1", 200)]
    burst = outcome("console", Emulator(), [], [result], 1.0, calls)
    assert burst.etag_conflicts == 2
    assert burst.other_retries == 2
    assert "412s/request 2.00" in burst.figures()
