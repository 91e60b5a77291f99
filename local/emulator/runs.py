"""Simulated dataflow runs: run documents shaped like Adobe's, and the files a run writes.

Adobe runs an activation dataflow on its audiences' schedules and lists each run under
``GET /runs?property=flowId==<id>`` (``Batch_Flow_Run_Success`` / ``_Failure`` examples in
``destinations.openapi.yaml``). The emulator does the same, two ways:

- on schedule: an enabled flow holding at least one audience gets its first run
  ``first_run_after`` seconds after it was created, on the emulator's clock, and, when
  ``run_every`` is set (86400: nightly), another run every ``run_every`` seconds after that.
  That clock is real time plus what :meth:`RunSimulation.advance` added: the local runtime
  advances it by each Wait state it skips, so time is compressed in tests and the demo. Runs
  are made when someone looks (``GET /runs``), as if they had happened at their time;
- a scenario per dataflow (``scenarios``, a test and demo control, not Adobe's API) says how
  its scheduled runs go, one outcome for all or one per run in order (then ``outcome``):
  ``success``; ``failed`` (Adobe's error of the ``Batch_Flow_Run_Failure`` example);
  ``late`` (``inProgress`` for ``late_by`` seconds after its start, then a success);
  ``skipped`` (a success that skipped ``skipped_records`` records per audience, with the
  ``skippedInfo`` of Adobe's ``Batch_Flow_Run_Success`` example);
- on demand: ``Emulator.add_run`` / ``POST /__admin/runs``;
- ad hoc (``exportNow``, :mod:`local.emulator.adhoc`): a run per audience starts
  ``inProgress`` and ends ``adhoc_run_takes`` seconds later on the emulator's clock (negative:
  never on its own), with ``run_outcome``, or the audience's entry in ``adhoc_outcomes``
  (``success``, ``failed``, or ``inProgress``: it never ends). ``Emulator.finish_adhoc_runs``
  ends them at once.

A successful run writes, when ``export_dir`` is set, one CSV per audience of the flow under
``export_dir/<flow id>/``, named by the audience's filename template (tokens replaced), the
profile attributes as columns in order, rows from a small synthetic profile set, split at
``row_limit`` rows (Adobe's 5,000,000 by default) as ``name.csv``, ``name_2.csv``, ...
"""

from __future__ import annotations

import copy as copy_module
import csv
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from local.emulator import identifiers
from local.emulator.context import new_version
from local.emulator.conversion import mapping_set_version
from local.emulator.exchange import Tenant
from local.emulator.store import Document, ResourceStore

ADOBE_ROW_LIMIT: Final = 5_000_000
RUN_STATUSES: Final = ("success", "failed")
ADHOC_OUTCOMES: Final = (*RUN_STATUSES, "inProgress")
SCENARIO_OUTCOMES: Final = (*RUN_STATUSES, "late", "skipped")
FAILURE: Final = {"code": "ACTIVATION_BATCH-0000-FAILED", "message": "Job aborted."}
SKIP: Final = {
    "code": "ACTIVATION_BATCH-0000-SKIP",
    "message": "Records didn't match attribute filter.",
}
_FIRST_NAMES: Final = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
_LAST_NAMES: Final = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen")
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class RunSimulation:
    """How runs are simulated (``Emulator.reset()`` restores the defaults)."""

    first_run_after: float = 120.0  # seconds after a flow's creation; None-like: negative
    outcome: str = "success"
    export_dir: Path | None = None
    row_limit: int = ADOBE_ROW_LIMIT
    profiles: int = 8
    adhoc_run_takes: float = 90.0  # seconds an ad-hoc run stays in progress; negative: forever
    adhoc_outcomes: dict[str, str] = field(default_factory=dict)  # audience id -> outcome
    clock_offset: float = 0.0
    written: list[Path] = field(default_factory=list)
    run_every: float = -1.0  # seconds between scheduled runs after the first; negative: none
    late_by: float = 4 * 3600.0  # how long a "late" run stays in progress
    skipped_records: int = 2  # per audience, in a "skipped" run
    scenarios: dict[str, list[str]] = field(default_factory=dict)  # flow id -> outcomes
    scheduled: dict[str, int] = field(default_factory=dict)  # flow id -> scheduled runs made
    late: dict[str, float] = field(default_factory=dict)  # run id -> when it ends

    def __post_init__(self) -> None:
        validate(self.outcome, self.row_limit, self.profiles)
        validate_adhoc_outcomes(self.adhoc_outcomes)

    def scenario_outcome(self, flow_id: str, number: int) -> str:
        """The outcome of the flow's scheduled run ``number`` (0 the first)."""
        planned = self.scenarios.get(flow_id) or []
        if len(planned) == 1:
            return planned[0]
        return planned[number] if number < len(planned) else self.outcome

    def now(self) -> float:
        """The emulator's clock, in epoch seconds."""
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        self.clock_offset += max(0.0, float(seconds))


def validate(outcome: str, row_limit: int, profiles: int) -> None:
    if outcome not in RUN_STATUSES:
        raise ValueError(f"run outcome must be one of {RUN_STATUSES}")
    if row_limit < 1:
        raise ValueError("row_limit must be at least 1")
    if profiles < 0:
        raise ValueError("profiles must be at least 0")


def validate_scenario(scenario: str | list[str]) -> list[str]:
    """One outcome for every scheduled run, or a list, one per run in order."""
    outcomes = [scenario] if isinstance(scenario, str) else list(scenario)
    wrong = [o for o in outcomes if o not in SCENARIO_OUTCOMES]
    if wrong or not outcomes:
        raise ValueError(f"a scenario is one or more of {SCENARIO_OUTCOMES}; got {scenario!r}")
    return outcomes


def validate_adhoc_outcomes(outcomes: dict[str, str]) -> None:
    wrong = {audience: o for audience, o in outcomes.items() if o not in ADHOC_OUTCOMES}
    if wrong:
        raise ValueError(f"adhoc_outcomes must be among {ADHOC_OUTCOMES}; got {wrong}")


def settle_adhoc_runs(store: ResourceStore, tenant: Tenant, simulation: RunSimulation) -> None:
    """End every ad-hoc run whose time has come, with its outcome (hold the store lock)."""
    if simulation.adhoc_run_takes < 0:
        return
    now = simulation.now()
    for run in store.live_items("runs", tenant):
        segment = (run.get("adhoc") or {}).get("segmentId")
        if segment is None or run["metrics"]["statusSummary"]["status"] != "inProgress":
            continue
        outcome = simulation.adhoc_outcomes.get(segment, simulation.outcome)
        started = run["metrics"]["durationSummary"]["startedAtUTC"] / 1000
        if outcome != "inProgress" and started + simulation.adhoc_run_takes <= now:
            end_adhoc_run(store, tenant, run, simulation, outcome)


def end_adhoc_run(
    store: ResourceStore, tenant: Tenant, run: Document, simulation: RunSimulation, status: str
) -> None:
    """The in-progress ad-hoc ``run`` ends with ``status``: its metrics become those of a
    finished run of its one audience (a success writes that audience's files)."""
    if status not in RUN_STATUSES:
        raise ValueError(f"status must be one of {RUN_STATUSES}")
    flow = store.live_get("flows", tenant, run["flowId"])
    if flow is None:  # the dataflow was deleted meanwhile: the run just stops
        run["metrics"]["statusSummary"]["status"] = status
        return
    flow = _with_only_audience(flow, run["adhoc"]["segmentId"])
    started = run["metrics"]["durationSummary"]["startedAtUTC"] / 1000
    rows, files = 0, list[Path]()
    if status == "success":
        rows, files = _export(store, tenant, flow, simulation, started)
    ended = new_run(
        tenant, flow, status, records=rows, files=len(files), started_ms=int(started * 1000)
    )
    run["metrics"], run["activities"] = ended["metrics"], ended["activities"]


def _with_only_audience(flow: Document, segment_id: str) -> Document:
    """A copy of ``flow`` whose selectors hold only the audience ``segment_id``."""
    copy = copy_module.deepcopy(flow)
    for transformation in copy.get("transformations") or []:
        selectors = ((transformation.get("params") or {}).get("segmentSelectors") or {}).get(
            "selectors"
        )
        if isinstance(selectors, list):
            selectors[:] = [
                s
                for s in selectors
                if isinstance(s, dict) and (s.get("value") or {}).get("id") == segment_id
            ]
    return copy


def run_due_runs(store: ResourceStore, tenant: Tenant, simulation: RunSimulation) -> None:
    """Make every scheduled run whose time has come, and end the late runs whose time has
    come (hold the store lock)."""
    if simulation.first_run_after < 0:
        return
    now = simulation.now()
    ran = {run.get("flowId") for run in store.live_items("runs", tenant)}
    for flow in store.live_items("flows", tenant):
        if flow.get("state") != "enabled" or not _audiences(flow):
            continue
        made = simulation.scheduled.get(flow["id"], 0)
        if made == 0 and flow["id"] in ran:
            made = 1  # a run made another way stands for the first scheduled one
        first = flow["createdAt"] / 1000 + simulation.first_run_after
        while True:
            if made > 0 and simulation.run_every < 0:
                break
            due = first + made * max(simulation.run_every, 0.0)
            if due > now or (made > 0 and simulation.run_every == 0):
                break
            outcome = simulation.scenario_outcome(flow["id"], made)
            store.insert(
                "runs", tenant, _scheduled_run(store, tenant, flow, simulation, due, outcome)
            )
            made += 1
        simulation.scheduled[flow["id"]] = made
    _end_late_runs(store, tenant, simulation, now)


def _scheduled_run(
    store: ResourceStore,
    tenant: Tenant,
    flow: Document,
    simulation: RunSimulation,
    due: float,
    outcome: str,
) -> Document:
    if outcome == "late":
        run = new_run(tenant, flow, "inProgress", records=0, files=0, started_ms=int(due * 1000))
        del run["metrics"]["durationSummary"]["completedAtUTC"]
        simulation.late[run["id"]] = due + simulation.late_by
        return run
    if outcome == "skipped":
        return run_flow(store, tenant, flow, simulation, due, "success", skipped=True)
    return run_flow(store, tenant, flow, simulation, due, outcome)


def _end_late_runs(
    store: ResourceStore, tenant: Tenant, simulation: RunSimulation, now: float
) -> None:
    for run in store.live_items("runs", tenant):
        ends = simulation.late.get(run["id"])
        if ends is None or ends > now:
            continue
        del simulation.late[run["id"]]
        flow = store.live_get("flows", tenant, run["flowId"])
        if flow is None:  # the dataflow was deleted meanwhile: the run just stops
            run["metrics"]["statusSummary"]["status"] = "failed"
            continue
        started = run["metrics"]["durationSummary"]["startedAtUTC"] / 1000
        rows, files = _export(store, tenant, flow, simulation, started)
        ended = new_run(
            tenant,
            flow,
            "success",
            records=rows,
            files=len(files),
            started_ms=int(started * 1000),
            completed_ms=int(ends * 1000),
        )
        run["metrics"], run["activities"] = ended["metrics"], ended["activities"]
        run["updatedAt"] = int(ends * 1000)


def run_flow(
    store: ResourceStore,
    tenant: Tenant,
    flow: Document,
    simulation: RunSimulation,
    at: float | None = None,
    status: str | None = None,
    records: int | None = None,
    *,
    skipped: bool = False,
) -> Document:
    """One finished run of ``flow`` at ``at`` (the emulator's now by default); ``skipped``:
    each audience also skipped ``simulation.skipped_records`` records."""
    status = status or simulation.outcome
    if status not in RUN_STATUSES:
        raise ValueError(f"status must be one of {RUN_STATUSES}")
    started = simulation.now() if at is None else at
    files: list[Path] = []
    rows = 0
    if status == "success":
        rows, files = _export(store, tenant, flow, simulation, started)
    return new_run(
        tenant,
        flow,
        status,
        records=rows if records is None else records,
        files=len(files),
        started_ms=int(started * 1000),
        skipped_per_audience=simulation.skipped_records if skipped else 0,
    )


def new_run(
    tenant: Tenant,
    flow: Document,
    status: str,
    *,
    records: int,
    files: int,
    started_ms: int | None = None,
    completed_ms: int | None = None,
    skipped_per_audience: int = 0,
) -> Document:
    """A finished run shaped like Adobe's ``Batch_Flow_Run_Success`` / ``_Failure``: the
    records split over its audiences (``entitySummaries``, ``segment:<id>``) in the source
    summary (input, skipped) and the target summary (output), as in those examples."""
    started = identifiers.now_ms() if started_ms is None else started_ms
    completed = started + 60_000 if completed_ms is None else completed_ms
    client = flow.get("createdClient", "acp_foundation_connectors")
    activity = identifiers.new_id()
    segments = [f"segment:{audience['id']}" for audience in _audiences(flow)]
    output = _split(records, len(segments))
    skipped = skipped_per_audience * len(segments)
    status_summary: dict[str, Any] = {"status": status, "activityRefs": [activity]}
    record_summary: dict[str, Any] = {
        "inputRecordCount": records + skipped,
        "createdRecordCount": records,
        "outputRecordCount": records,
        "skippedRecordCount": skipped,
        "sourceSummaries": [
            {
                "id": source,
                "inputRecordCount": records + skipped,
                "skippedRecordCount": skipped,
                "entitySummaries": [
                    {
                        "id": s,
                        "inputRecordCount": count + skipped_per_audience,
                        "skippedRecordCount": skipped_per_audience,
                    }
                    for s, count in zip(segments, output, strict=True)
                ],
            }
            for source in flow.get("sourceConnectionIds") or []
        ],
        "targetSummaries": [
            {
                "id": target,
                "createdRecordCount": records,
                "outputRecordCount": records,
                "entitySummaries": [
                    {"id": s, "createdRecordCount": count, "outputRecordCount": count}
                    for s, count in zip(segments, output, strict=True)
                ],
            }
            for target in flow.get("targetConnectionIds") or []
        ],
    }
    if skipped:
        record_summary["skippedInfo"] = [{**SKIP, "count": skipped}]
    if status == "failed":
        status_summary["errors"] = [dict(FAILURE)]
        record_summary = {"failedInfo": [dict(FAILURE)]}
    run: dict[str, Any] = {
        **identifiers.system_fields(tenant, client, completed),
        "flowId": flow["id"],
        "flowSpec": dict(flow["flowSpec"]),
        "providerRefId": identifiers.new_id().replace("-", ""),
        "metrics": {
            "durationSummary": {"startedAtUTC": started, "completedAtUTC": completed},
            "recordSummary": record_summary,
            "fileSummary": {"inputFileCount": files, "outputFileCount": files}
            if status == "success"
            else {},
            "statusSummary": status_summary,
        },
        "activities": [
            {
                "id": activity,
                "name": "Activation Batch Publisher Activity",
                "durationSummary": {"startedAtUTC": started, "completedAtUTC": completed},
                "statusSummary": {k: v for k, v in status_summary.items() if k != "activityRefs"},
            }
        ],
    }
    new_version(run)
    del run["version"]
    return run


def _split(total: int, parts: int) -> list[int]:
    """``total`` over ``parts`` as evenly as whole numbers allow (the first ones get the rest)."""
    if parts == 0:
        return []
    base, rest = divmod(total, parts)
    return [base + (1 if index < rest else 0) for index in range(parts)]


# --- the files a run writes -------------------------------------------------------------


def _export(
    store: ResourceStore,
    tenant: Tenant,
    flow: Document,
    simulation: RunSimulation,
    at: float,
) -> tuple[int, list[Path]]:
    audiences = _audiences(flow)
    rows_total = simulation.profiles * len(audiences)
    if simulation.export_dir is None:
        return rows_total, []
    folder = simulation.export_dir / flow["id"]
    folder.mkdir(parents=True, exist_ok=True)
    columns = _attributes(flow, store, tenant)
    destination = _destination_name(store, tenant, flow)
    files: list[Path] = []
    for audience in audiences:
        base = file_name(audience, destination, at, flow)
        rows = [_profile(index, columns) for index in range(simulation.profiles)]
        chunks = [
            rows[i : i + simulation.row_limit] for i in range(0, len(rows), simulation.row_limit)
        ] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            path = folder / (f"{base}.csv" if number == 1 else f"{base}_{number}.csv")
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow([column for column, _ in columns])
                writer.writerows(chunk)
            files.append(path)
    simulation.written.extend(files)
    return rows_total, files


def file_name(
    audience: dict[str, Any], destination: str, at: float, flow: Document | None = None
) -> str:
    """The audience's filename template with its tokens replaced (no extension); ``flow``
    fills the new cards' dataflow tokens (destinations OpenAPI, BatchSegmentSelector_V2)."""
    moment = datetime.fromtimestamp(at, UTC)
    flow = flow or {}
    tokens = {
        "DESTINATION_NAME": destination,
        "DESTINATION": destination,
        "DESTINATION_INSTANCE_ID": str(flow.get("id", "")),
        "DESTINATION_INSTANCE_NAME": str(flow.get("name", "")),
        "SANDBOX_NAME": str(flow.get("sandboxName", "")),
        # The emulator knows no organization's name: its IMS org id stands in.
        "ORGANIZATION_NAME": str(flow.get("imsOrgId", "")),
        "SEGMENT_ID": str(audience.get("id", "")),
        "SEGMENT_NAME": str(audience.get("name") or audience.get("id", "")),
        "DATETIME(YYYYMMdd_HHmmss)": moment.strftime("%Y%m%d_%H%M%S"),
        "TIMESTAMP": str(int(at)),
    }
    template = str(audience.get("filenameTemplate") or "%DESTINATION_NAME%_%SEGMENT_ID%")
    name = re.sub(r"%([^%]*)%", lambda m: tokens.get(m.group(1), m.group(0)), template)
    return _UNSAFE.sub("_", name).strip("_") or "export"


def _profile(index: int, columns: list[tuple[str, str]]) -> list[str]:
    """One synthetic row: each (column, source) filled from the profile's source field."""
    first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
    last = _LAST_NAMES[index % len(_LAST_NAMES)]
    values = {
        "person.name.firstName": first,
        "person.name.lastName": last,
        "personalEmail.address": f"{first}.{last}{index}@example.com".lower(),
    }
    return [
        values.get(source, f"{column.rsplit('.', 1)[-1]}-{index}") for column, source in columns
    ]


def _params(flow: Document) -> dict[str, Any]:
    for transformation in flow.get("transformations") or []:
        if isinstance(transformation, dict) and isinstance(transformation.get("params"), dict):
            return dict(transformation["params"])
    return {}


def _audiences(flow: Document) -> list[dict[str, Any]]:
    selectors = (_params(flow).get("segmentSelectors") or {}).get("selectors") or []
    return [
        s["value"] for s in selectors if isinstance(s, dict) and isinstance(s.get("value"), dict)
    ]


def _attributes(flow: Document, store: ResourceStore, tenant: Tenant) -> list[tuple[str, str]]:
    """(column header, source field) of each exported attribute, in order."""
    reference = _params(flow).get("profileMapping")
    if isinstance(reference, dict):  # a new card: the columns are its mapping set's destinations
        doc = store.live_get("mappingSets", tenant, str(reference.get("mappingId")))
        version = reference.get("mappingVersion")
        held = mapping_set_version(doc, version) if doc and isinstance(version, int) else None
        return [
            (str(m.get("destination")), str(m.get("source")))
            for m in (held or {}).get("mappings") or []
        ]
    selectors = (_params(flow).get("profileSelectors") or {}).get("selectors") or []
    return [
        (str(s["value"]["path"]), str(s["value"]["path"]))
        for s in selectors
        if isinstance(s, dict) and isinstance(s.get("value"), dict) and "path" in s["value"]
    ]


def _destination_name(store: ResourceStore, tenant: Tenant, flow: Document) -> str:
    """%DESTINATION_NAME%: the name of the destination the flow exports to."""
    for target_id in flow.get("targetConnectionIds") or []:
        target = store.live_get("targetConnections", tenant, target_id)
        base = (
            store.live_get("connections", tenant, target.get("baseConnectionId", ""))
            if target
            else None
        )
        if base is not None:
            return str(base.get("name") or "destination")
    return "destination"
