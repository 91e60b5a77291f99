"""The export watch: after activation, every managed dataflow's runs, reported once each.

A schedule runs one pass every few minutes (template.yaml, ``ExportWatchSchedule``). A pass
reads every ACTIVE activation of the registry and, for its dataflow, the runs created since
its cursor (one paged ``GET /runs?property=flowId==<id>&property=createdAt>=<ms>``). Each run
finished since the last pass is published once on the result bus, ``ExportSucceeded`` or
``ExportFailed`` (the activation, dataflow, run, audiences, counts, Adobe's errors), and
counted in CloudWatch metrics (embedded metric format, per dataflow and, where Adobe gives
counts, per audience). A run still unfinished ``delay_minutes`` after it began (150, as
Adobe's own "destination flow run delay" alert) gets one ``ExportDelayed``; when it ends, it is
reported as any other.

The cursor, kept on the activation's registry item (``exportCursor``), is a small JSON
document: the ``dataflowId`` it follows, ``since`` (a creation time, epoch ms: the oldest
unfinished run's, else the newest run's), and the ids of the runs created from an hour
before ``since`` on that were already reported (``reported``) or reported late
(``delayed``). Runs are read from that hour before ``since`` (``LOOK_BACK_MS``): a run Adobe
lists a little after a newer one is still seen, and the ids say what was reported. The cursor
moves only after the pass's events for the dataflow were accepted, so a run is reported at
least once and, while the events go through, exactly once. An activation without a cursor
yet (or whose dataflow changed) starts from when it was last applied (``updatedAt``), or a
day back.

One dataflow's trouble (Adobe's errors, bad data, a cursor that cannot be read) is logged by
name and counted (``ExportWatchErrors``); the pass goes on with the others. The pass stops
reading, with its cursors kept, when its invocation's time is nearly spent: the next pass
picks up the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools import Logger

from aep_activation.errors import ActivationError, ConfigurationError, error_name
from aep_activation.export_runs import FAILED, SUCCEEDED, RunOutcome, read_runs
from aep_activation.flow_service import FlowServiceClient
from aep_activation.registry import ACTIVE, RegisteredActivation
from aep_activation.watch_pass import Watch, WatchReport, emf_record, logged_reason, publish

logger = Logger(service="aep-activation", child=True)

EXPORT_SUCCEEDED: Final = "ExportSucceeded"
EXPORT_FAILED: Final = "ExportFailed"
EXPORT_DELAYED: Final = "ExportDelayed"
DEFAULT_DELAY_MINUTES: Final = 150
DELAY_VARIABLE: Final = "EXPORT_DELAYED_AFTER_MINUTES"
FIRST_LOOK_BACK_MS: Final = 24 * 3600 * 1000
LOOK_BACK_MS: Final = 3600 * 1000
RUNS_SUCCEEDED: Final = "ExportRunsSucceeded"
RUNS_FAILED: Final = "ExportRunsFailed"
RUNS_DELAYED: Final = "ExportRunsDelayed"
RECORDS: Final = "ExportRecords"
FILES: Final = "ExportFiles"
SKIPPED: Final = "ExportRecordsSkipped"
WATCH_ERRORS: Final = "ExportWatchErrors"


@dataclass
class Cursor:
    """Where a dataflow's watch stands (see the module's docstring)."""

    since: int
    reported: set[str] = field(default_factory=set)
    delayed: set[str] = field(default_factory=set)
    dataflow_id: str = ""

    @property
    def read_from(self) -> int:
        return self.since - LOOK_BACK_MS

    def to_text(self) -> str:
        return json.dumps(
            {
                "dataflowId": self.dataflow_id,
                "since": self.since,
                "reported": sorted(self.reported),
                "delayed": sorted(self.delayed),
            }
        )

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """The stored cursor; ValueError naming what is wrong with it."""
        value = json.loads(text)
        if not isinstance(value, dict) or not isinstance(value.get("since"), int):
            raise ValueError("exportCursor must be a JSON object with an integer since")
        return cls(
            since=value["since"],
            reported={str(i) for i in value.get("reported") or []},
            delayed={str(i) for i in value.get("delayed") or []},
            dataflow_id=str(value.get("dataflowId") or ""),
        )

    @classmethod
    def first(cls, activation: RegisteredActivation, now_ms: int) -> Cursor:
        """A dataflow watched for the first time: its runs since it was last applied."""
        dataflow_id = str(activation.dataflow_id or "")
        try:
            applied = datetime.fromisoformat(activation.updated_at.replace("Z", "+00:00"))
            return cls(since=int(applied.timestamp() * 1000), dataflow_id=dataflow_id)
        except ValueError:
            return cls(since=now_ms - FIRST_LOOK_BACK_MS, dataflow_id=dataflow_id)


@dataclass
class PassReport(WatchReport):
    """What one pass did, returned by the handler (ids and counts only)."""

    dataflows_read: int = 0
    events: dict[str, int] = field(
        default_factory=lambda: {EXPORT_SUCCEEDED: 0, EXPORT_FAILED: 0, EXPORT_DELAYED: 0}
    )

    def counts(self) -> dict[str, Any]:
        return {"dataflowsRead": self.dataflows_read, "events": dict(self.events)}


@dataclass
class ExportWatch(Watch):
    """One pass over the registry, reading each managed dataflow's runs."""

    delay_minutes: int = DEFAULT_DELAY_MINUTES

    def run_pass(self, now_ms: int | None = None) -> PassReport:
        """One pass. ``now_ms``: the schedule's time for this pass (what the delay is
        measured against); the clock's when not given."""
        now_ms = int(self.clock() * 1000) if now_ms is None else now_ms
        report = PassReport()
        watched = [a for a in self.registry.activations() if a.state == ACTIVE and a.dataflow_id]
        self.watch_all(
            watched,
            lambda activation, client: self._watch(activation, client, report, now_ms),
            lambda activation, exc: self._failed(activation, exc, report, now_ms),
            report,
            "export watch",
        )
        return report

    # ----------------------------------------------------------------- one dataflow

    def _watch(
        self,
        activation: RegisteredActivation,
        client: FlowServiceClient,
        report: PassReport,
        now_ms: int,
    ) -> None:
        dataflow_id = str(activation.dataflow_id)
        cursor = (
            Cursor.parse(activation.export_cursor)
            if activation.export_cursor
            else Cursor.first(activation, now_ms)
        )
        if cursor.dataflow_id != dataflow_id:  # re-created under the same activation
            cursor = Cursor.first(activation, now_ms)
        runs = read_runs(client, dataflow_id, created_since_ms=cursor.read_from)
        with report.lock:
            report.dataflows_read += 1
        entries: list[tuple[str, dict[str, Any]]] = []
        metrics: list[dict[str, Any]] = []
        reported, delayed = set(cursor.reported), set(cursor.delayed)
        for run in runs:
            if run.problems and run.run_id not in reported:  # not again once reported
                logger.warning(
                    "Adobe's run is not as documented",
                    extra={"dataflow": dataflow_id, "run": run.run_id, "problems": run.problems},
                )
            if not run.run_id:
                continue  # nothing to report it by, nor to remember it by
            if run.finished and run.run_id not in reported:
                kind = EXPORT_SUCCEEDED if run.outcome == SUCCEEDED else EXPORT_FAILED
                entries.append((kind, self._finished_detail(activation, run)))
                metrics.extend(_run_metrics(run, dataflow_id, now_ms))
                reported.add(run.run_id)
            elif not run.finished and run.run_id not in delayed and self._late(run, now_ms):
                entries.append((EXPORT_DELAYED, self._delayed_detail(activation, run, now_ms)))
                metrics.append(emf_record(now_ms, {RUNS_DELAYED: 1}, dataflow_id))
                delayed.add(run.run_id)
        publish(self.events, self.bus_name, entries, "export event(s)")
        for record in metrics:
            self.emit_metrics(record)
        with report.lock:
            for kind, _ in entries:
                report.events[kind] += 1
        moved = _next_cursor(cursor, runs, reported, delayed)
        if moved.to_text() != (activation.export_cursor or ""):
            self.registry.set_export_cursor(activation.sandbox, activation.name, moved.to_text())

    def _late(self, run: RunOutcome, now_ms: int) -> bool:
        began = run.began_at_ms
        return began is not None and now_ms - began >= self.delay_minutes * 60_000

    def _failed(
        self, activation: RegisteredActivation, exc: Exception, report: PassReport, now_ms: int
    ) -> None:
        name = error_name(exc)
        message = logged_reason(exc)
        if isinstance(exc, ValueError) and not isinstance(exc, ActivationError):
            message = f"bad data: {type(exc).__name__}"
        logger.warning(
            "export watch could not read a dataflow; the pass goes on",
            extra={
                "activation": activation.key,
                "dataflow": activation.dataflow_id,
                "error": name,
                "reason": message,
            },
        )
        with report.lock:
            report.errors.append(
                {
                    "activation": activation.key,
                    "dataflowId": str(activation.dataflow_id),
                    "error": name,
                }
            )
        self.emit_metrics(emf_record(now_ms, {WATCH_ERRORS: 1}))

    # ----------------------------------------------------------------- event details

    def _base(self, activation: RegisteredActivation, run: RunOutcome) -> dict[str, Any]:
        return {
            "activation": activation.name,
            "sandbox": activation.sandbox,
            "dataflowId": activation.dataflow_id,
            "runId": run.run_id,
            "status": run.status,
            "startedAt": _iso(run.began_at_ms),
        }

    def _finished_detail(self, activation: RegisteredActivation, run: RunOutcome) -> dict[str, Any]:
        detail = self._base(activation, run)
        detail.update(
            outcome=run.outcome,
            completedAt=_iso(run.completed_at_ms),
            counts={"records": run.records, "skipped": run.skipped, "files": run.files},
            audiences=_audiences(activation, run),
            errors=[dict(e) for e in run.errors],
        )
        if run.problems:
            detail["problems"] = list(run.problems)
        return detail

    def _delayed_detail(
        self, activation: RegisteredActivation, run: RunOutcome, now_ms: int
    ) -> dict[str, Any]:
        detail = self._base(activation, run)
        began = run.began_at_ms or now_ms
        detail.update(
            runningMinutes=(now_ms - began) // 60_000,
            thresholdMinutes=self.delay_minutes,
            audiences=_audiences(activation, run),
        )
        return detail


def _next_cursor(
    cursor: Cursor, runs: list[RunOutcome], reported: set[str], delayed: set[str]
) -> Cursor:
    """Read from the oldest unfinished run on (it is still to be reported), else from the
    newest run; remember only the ids the next read can return."""
    dated = [r for r in runs if r.run_id and r.created_at_ms is not None]
    unfinished = [r.created_at_ms for r in dated if not r.finished]
    newest = [r.created_at_ms for r in dated]
    since = (
        min(x for x in unfinished if x is not None)
        if unfinished
        else max((x for x in newest if x is not None), default=cursor.since)
    )
    since = max(since, cursor.since)
    kept = {r.run_id for r in dated if (r.created_at_ms or 0) >= since - LOOK_BACK_MS}
    # Runs the filter returned without a usable creation time stay remembered while listed.
    kept |= {r.run_id for r in runs if r.run_id and r.created_at_ms is None}
    still_running = {r.run_id for r in runs if r.run_id and not r.finished}
    return Cursor(
        since=since,
        reported=reported & kept,
        delayed=delayed & still_running,
        dataflow_id=cursor.dataflow_id,
    )


def _audiences(activation: RegisteredActivation, run: RunOutcome) -> list[dict[str, Any]]:
    """The run's audiences with Adobe's counts; the activation's own when Adobe names none
    (a failed run may not), with the names from the request last applied."""
    names = {
        str(a.get("id")): a.get("name")
        for a in activation.request.get("audiences") or []
        if isinstance(a, Mapping)
    }
    if run.audiences:
        listed = [a.to_dict() for a in run.audiences]
    else:
        listed = [{"audienceId": i, "records": None, "skipped": None} for i in names]
    for entry in listed:
        name = names.get(entry["audienceId"])
        if isinstance(name, str):
            entry["name"] = name
    return listed


def _run_metrics(run: RunOutcome, dataflow_id: str, now_ms: int) -> list[dict[str, Any]]:
    # Both, one of them 0: a dashboard's failure rate divides one by their sum.
    values = {
        RUNS_SUCCEEDED: int(run.outcome == SUCCEEDED),
        RUNS_FAILED: int(run.outcome == FAILED),
    }
    for name, count in ((RECORDS, run.records), (FILES, run.files), (SKIPPED, run.skipped)):
        if count is not None:
            values[name] = count
    records = [emf_record(now_ms, values, dataflow_id)]
    for audience in run.audiences:
        counts = {
            name: count
            for name, count in ((RECORDS, audience.records), (SKIPPED, audience.skipped))
            if count is not None
        }
        if counts:
            records.append(emf_record(now_ms, counts, dataflow_id, audience.audience_id))
    return records


def _iso(epoch_ms: int | None) -> str | None:
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def delay_minutes_from_env(environ: Mapping[str, str]) -> int:
    raw = environ.get(DELAY_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_DELAY_MINUTES
    try:
        minutes = int(raw)
    except ValueError:
        minutes = 0
    if minutes < 1:
        raise ConfigurationError(f"{DELAY_VARIABLE} must be a whole number of minutes, at least 1")
    return minutes
