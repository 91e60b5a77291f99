"""The run watch: follow a dataflow's runs until they finish, and report how each ended.

It follows either the runs an ``exportNow`` started (their ids, taken from the ad-hoc
activation's ``statusURL``s) or, without ids, the dataflow's first scheduled run
(``waitForFirstRun``). The state machine polls (``CheckRuns``, then a Wait of the seconds
it returns: :func:`next_wait_seconds`, bounded by the watch's ``timeoutMinutes``); each poll
is one paged
``GET /runs?property=flowId==<id>``, however many runs are followed, and reports per run its
status, record and file counts, and Adobe's error codes when it failed.
"""

from __future__ import annotations

from typing import Any, Final

from aep_activation.export_runs import FINISHED_STATUSES, run_outcome
from aep_activation.flow_service import FlowServiceClient, JsonObject
from aep_activation.slim import fit

FINISHED: Final = FINISHED_STATUSES
NOT_LISTED: Final = "notListed"
"""The status of a followed run that ``GET /runs`` does not list (yet)."""

FIRST_WAIT_SECONDS: Final = 30
LONGEST_WAIT_SECONDS: Final = 900
TIMED_OUT: Final = {"status": "TIMED_OUT", "finished": False, "timedOut": True}


def next_wait_seconds(polls: int, waited_seconds: int, timeout_minutes: int) -> int:
    """How long to wait after look number ``polls`` (1 for the first), ``waited_seconds``
    into the watch: doubling from 30 s to at most 15 minutes, and never past the watch's end,
    where one last look is taken; 0 once that look has been (the watch's time is up). A
    60-minute watch looks 9 times (at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 30.5, 45.5 and 60 minutes),
    a day's 101 times, instead of once a minute."""
    left = timeout_minutes * 60 - waited_seconds
    if left <= 0:
        return 0
    growing: int = FIRST_WAIT_SECONDS << min(max(polls - 1, 0), 8)  # x 2 per look
    return min(growing, LONGEST_WAIT_SECONDS, left)


def check_runs(
    client: FlowServiceClient,
    flow_id: str,
    *,
    polls: int,
    timeout_minutes: int,
    run_ids: list[str] | None = None,
    waited_seconds: int = 0,
) -> dict[str, Any]:
    """One poll. ``finished`` once every followed run has; the watch's own fields
    (``runIds``, ``timeoutMinutes``) are handed back for the next poll, with when to look
    next: ``nextWaitSeconds`` (the Wait's ``SecondsPath``), ``waitedSeconds`` once that wait
    is behind, and ``timeUp`` when this was the watch's last look (then, with runs still
    going, :data:`TIMED_OUT`'s fields in place of the first run's)."""
    listed = client.runs.of_flow(flow_id)
    wait = next_wait_seconds(polls + 1, waited_seconds, timeout_minutes)
    watch: dict[str, Any] = {
        "polls": polls + 1,
        "timeoutMinutes": timeout_minutes,
        "runIds": run_ids,
        "waitedSeconds": waited_seconds + wait,
        "nextWaitSeconds": wait,
        "timeUp": wait == 0,
    }
    if run_ids is None:  # the first scheduled run: the earliest one listed
        runs = [run_report(min(listed, key=_started))] if listed else []
        first = runs[0] if runs else {"status": None, "finished": False}
        outcome = {**watch, **first, "runs": runs}
    else:
        by_id = {str(run.get("id")): run for run in listed}
        runs = [
            run_report(by_id[run_id])
            if run_id in by_id
            else {"runId": run_id, "status": NOT_LISTED, "finished": False}
            for run_id in run_ids
        ]
        outcome = {**watch, "finished": all(run["finished"] for run in runs), "runs": runs}
    if watch["timeUp"] and not outcome["finished"]:
        # The last look, and the runs still going: the watch ends as timed out, with how each
        # run stood (the activation itself succeeded).
        return {**watch, **TIMED_OUT, "runs": runs}
    return outcome


def fit_watch(watch: dict[str, Any], execution: str | None) -> dict[str, Any]:
    """The poll's answer within its state budget. The next poll needs every run id; when the
    per-run reports are cut (and logged whole), ``statusCounts`` still counts every run."""
    slim = fit(watch, "CheckRuns", execution=execution, keep=("runIds",))
    if "truncated" in slim:
        counts: dict[str, int] = {}
        for run in watch.get("runs") or []:
            counts[str(run.get("status"))] = counts.get(str(run.get("status")), 0) + 1
        slim["statusCounts"] = counts
    return slim


def run_report(run: JsonObject) -> dict[str, Any]:
    """How one run stands: status, finished, counts, Adobe's errors (the one definition of a
    run's outcome, :mod:`aep_activation.export_runs`, which the export watch uses too)."""
    return run_outcome(run).watch_report()


def _started(run: JsonObject) -> float:
    duration = _object(_object(run.get("metrics")).get("durationSummary"))
    value = duration.get("startedAtUTC", run.get("createdAt"))
    return float(value) if isinstance(value, int | float) else 0.0


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
