"""What a dataflow run's outcome is: the one definition the run watch and the export watch share.

Adobe lists a destination dataflow's runs under
``GET /data/foundation/flowservice/runs?property=flowId==<id>`` (``Flow_Runs`` in
``tests/contract/adobe/destinations.openapi.yaml``; its examples ``Batch_Flow_Run_Success``
and ``Batch_Flow_Run_Failure``). A run's ``metrics`` hold:

- ``statusSummary.status``: ``success``, ``failed``, or a status of a run still going on (the
  schema's enum also names ``Processing`` and ``Waiting``; the UI's batch monitoring page,
  help/dataflows/ui/monitor-destinations.md, shows Success, Failed and Processing), and
  ``statusSummary.errors[]`` (``code``, ``message``) on a failure;
- ``recordSummary``: ``outputRecordCount``, ``skippedRecordCount``, ``failedInfo[]`` and
  ``skippedInfo[]`` (``code``, ``message``, ``count``), and per audience
  ``sourceSummaries[].entitySummaries[]`` (``id: segment:<audience id>``, its input and
  skipped records) and ``targetSummaries[].entitySummaries[]`` (its output records);
- ``fileSummary.outputFileCount``, and ``durationSummary.startedAtUTC`` / ``completedAtUTC``
  (epoch milliseconds).

Anything may be missing: a count Adobe does not give is ``None``, never 0; a run without a
status is not finished, and says so in ``problems``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from aep_activation.flow_service import FlowServiceClient, JsonObject

SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
RUNNING: Final = "running"
Outcome = Literal["succeeded", "failed", "running"]

# Adobe's statuses, lower-cased. A partial success wrote some records and failed others: it is
# a failed export to an operator (Adobe's failedInfo says which), not a silent success.
_SUCCEEDED_STATUSES: Final = frozenset({"success"})
_FAILED_STATUSES: Final = frozenset({"failed", "partialsuccess", "cancelled"})
FINISHED_STATUSES: Final = _SUCCEEDED_STATUSES | _FAILED_STATUSES

UNKNOWN_STATUS: Final = "unknown"
MESSAGE_LIMIT: Final = 500
"""Characters kept of one Adobe error message (events and state stay small)."""
MAX_ERRORS: Final = 20
_SEGMENT_PREFIX: Final = "segment:"


@dataclass(frozen=True)
class AudienceCounts:
    """One audience's part of a run, where Adobe gives it (``None``: not given)."""

    audience_id: str
    records: int | None = None
    skipped: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"audienceId": self.audience_id, "records": self.records, "skipped": self.skipped}


@dataclass(frozen=True)
class RunOutcome:
    """How one run stands."""

    run_id: str
    flow_id: str
    status: str  # Adobe's own word, or "unknown"
    outcome: Outcome
    created_at_ms: int | None = None
    started_at_ms: int | None = None
    completed_at_ms: int | None = None
    records: int | None = None
    skipped: int | None = None
    files: int | None = None
    errors: tuple[dict[str, str], ...] = ()
    audiences: tuple[AudienceCounts, ...] = ()
    problems: tuple[str, ...] = field(default=())  # what was wrong with Adobe's answer

    @property
    def finished(self) -> bool:
        return self.outcome != RUNNING

    @property
    def began_at_ms(self) -> int | None:
        """When the run began: its start, else its creation."""
        return self.started_at_ms if self.started_at_ms is not None else self.created_at_ms

    def watch_report(self) -> dict[str, Any]:
        """The in-execution run watch's view (CheckRuns' ``runs[]``)."""
        return {
            "runId": self.run_id,
            "status": self.status,
            "finished": self.finished,
            "records": self.records,
            "files": self.files,
            "errors": [dict(e) for e in self.errors],
        }


def run_outcome(run: JsonObject) -> RunOutcome:
    """Read one run as Adobe lists it; never raises on a missing or odd field."""
    problems: list[str] = []
    run_id = run.get("id")
    if not isinstance(run_id, str) or not run_id:
        problems.append("the run has no id")
        run_id = ""
    metrics = _object(run.get("metrics"))
    status_summary = _object(metrics.get("statusSummary"))
    records = _object(metrics.get("recordSummary"))
    files = _object(metrics.get("fileSummary"))
    duration = _object(metrics.get("durationSummary"))
    raw_status = status_summary.get("status")
    if isinstance(raw_status, str) and raw_status.strip():
        status = raw_status.strip()
    else:
        status = UNKNOWN_STATUS
        problems.append("the run has no status (metrics.statusSummary.status)")
    word = status.lower()
    outcome: Outcome = (
        SUCCEEDED
        if word in _SUCCEEDED_STATUSES
        else FAILED
        if word in _FAILED_STATUSES
        else RUNNING
    )
    errors = _errors(status_summary.get("errors"), records.get("failedInfo"), problems)
    if outcome == FAILED and not errors:
        problems.append("the run failed without an error Adobe named")
    return RunOutcome(
        run_id=run_id,
        flow_id=str(run.get("flowId") or ""),
        status=status,
        outcome=outcome,
        created_at_ms=_count(run.get("createdAt")),
        started_at_ms=_count(duration.get("startedAtUTC")),
        completed_at_ms=_count(duration.get("completedAtUTC")),
        records=_count(records.get("outputRecordCount")),
        skipped=_count(records.get("skippedRecordCount")),
        files=_count(files.get("outputFileCount")),
        errors=errors,
        audiences=_audiences(records),
        problems=tuple(problems),
    )


def read_runs(
    client: FlowServiceClient, flow_id: str, *, created_since_ms: int | None = None
) -> list[RunOutcome]:
    """A dataflow's runs (all pages), oldest first; ``created_since_ms`` keeps to the runs
    created at or after it (Adobe's ``property=createdAt>=<epoch ms>`` filter, as the
    destinations OpenAPI's list examples use it), so a watch reads only what is new."""
    filters = [f"createdAt>={created_since_ms}"] if created_since_ms is not None else []
    listed = client.runs.of_flow(flow_id, *filters)
    outcomes = [run_outcome(run) for run in listed]
    outcomes.sort(key=lambda o: (o.created_at_ms or 0, o.began_at_ms or 0, o.run_id))
    return outcomes


def _errors(
    status_errors: Any, failed_info: Any, problems: list[str]
) -> tuple[dict[str, str], ...]:
    """Adobe's error codes and messages: the status summary's, then any failedInfo not already
    there (Adobe's failure example repeats the one in both)."""
    found: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for source in (status_errors, failed_info):
        if source is None:
            continue
        if not isinstance(source, list):
            problems.append("an error list that is not a list")
            continue
        for error in source:
            if not isinstance(error, dict) or not ("code" in error or "message" in error):
                problems.append("an error of an unknown shape")
                continue
            entry = {
                "code": str(error.get("code") or "unknown"),
                "message": str(error.get("message") or "")[:MESSAGE_LIMIT],
            }
            key = (entry["code"], entry["message"])
            if key not in seen and len(found) < MAX_ERRORS:
                seen.add(key)
                found.append(entry)
    return tuple(found)


def _audiences(records: dict[str, Any]) -> tuple[AudienceCounts, ...]:
    """Per audience: output records from the target summaries, skipped records from the
    source summaries (``id: segment:<audience id>``), summed over the summaries."""
    output: dict[str, int | None] = {}
    skipped: dict[str, int | None] = {}
    for summaries, key, into in (
        (records.get("targetSummaries"), "outputRecordCount", output),
        (records.get("sourceSummaries"), "skippedRecordCount", skipped),
    ):
        for summary in summaries if isinstance(summaries, list) else []:
            entities = _object(summary).get("entitySummaries")
            for entity in entities if isinstance(entities, list) else []:
                entity = _object(entity)
                entity_id = entity.get("id")
                if not isinstance(entity_id, str) or not entity_id.startswith(_SEGMENT_PREFIX):
                    continue
                audience = entity_id[len(_SEGMENT_PREFIX) :]
                value = _count(entity.get(key))
                held = into.get(audience)
                into[audience] = value if held is None else held + (value or 0)
    order = list(dict.fromkeys([*output, *skipped]))
    return tuple(
        AudienceCounts(audience, records=output.get(audience), skipped=skipped.get(audience))
        for audience in order
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
