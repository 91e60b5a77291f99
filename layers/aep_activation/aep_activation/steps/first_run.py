"""waitForFirstRun: look for the dataflow's first run and report how it went.

The state machine polls (``CheckFirstRun``, a Wait state between polls, bounded by the
request's ``timeoutMinutes``); this step reads ``GET /runs?property=flowId==<id>`` once and
says whether the first run has finished, with its status, record and file counts, and
Adobe's error codes when it failed.
"""

from __future__ import annotations

from typing import Any, Final

from aep_activation.flow_service import FlowServiceClient, JsonObject

FINISHED: Final = frozenset({"success", "failed", "partialsuccess", "cancelled"})


def check_first_run(client: FlowServiceClient, flow_id: str, polls: int) -> dict[str, Any]:
    runs = client.list_runs(flow_id)
    report: dict[str, Any] = {"finished": False, "polls": polls + 1, "status": None}
    if not runs:
        return report
    first = min(runs, key=_started)
    metrics = _object(first.get("metrics"))
    status_summary = _object(metrics.get("statusSummary"))
    records = _object(metrics.get("recordSummary"))
    files = _object(metrics.get("fileSummary"))
    status = str(status_summary.get("status") or "unknown")
    report.update(
        runId=first.get("id"),
        status=status,
        finished=status.lower() in FINISHED,
        records=_count(records.get("outputRecordCount")),
        files=_count(files.get("outputFileCount")),
        errors=[
            {"code": str(e.get("code")), "message": str(e.get("message", ""))[:500]}
            for e in status_summary.get("errors") or []
            if isinstance(e, dict)
        ],
    )
    return report


def _started(run: JsonObject) -> float:
    duration = _object(_object(run.get("metrics")).get("durationSummary"))
    value = duration.get("startedAtUTC", run.get("createdAt"))
    return float(value) if isinstance(value, int | float) else 0.0


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
