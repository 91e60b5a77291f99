"""Ad-hoc activation ("export now"): ``POST /data/core/activation/disflowprovider/adhocrun``.

Shapes from Adobe's "Activate audiences to batch destinations via the ad-hoc activation API":
``Accept: application/vnd.adobe.adhoc.activation+json; version=2`` (v1 needs ``exportIds``),
body ``{"activationInfo": {"<dataflowId>": ["<audienceId>", ...]}}``, answer 200
``{"order": [{"segment", "order": <dataflowId>, "statusURL": ".../flowservice/runs/<id>"}]}``.

Refusals (400, Flow Service error shape), as Adobe documents them or the project requires:
- more than 80 audiences in one job;
- "Run already going on for segment <id> for order <dataflowId> with run id <runId>";
- "Segments <ids> are not part of this dataflow or out of schedule range!";
- the first scheduled activation of an audience less than an hour ago (or still to come).

Each accepted audience gets a run (``GET /runs``) that starts ``inProgress`` and ends on the
emulator's clock, with the outcome the run simulation gives it (:mod:`local.emulator.runs`),
or when a test finishes it (``Emulator.finish_adhoc_runs``). That clock, which these checks
also use, can be moved forward (``Emulator.advance_clock``).
"""

from __future__ import annotations

import datetime
from typing import Any, Final

from local.emulator import errors, runs
from local.emulator.context import ServiceContext
from local.emulator.exchange import Call, Reply

ADHOC_PATH: Final = "/data/core/activation/disflowprovider/adhocrun"
ADHOC_ACCEPT_V2: Final = "application/vnd.adobe.adhoc.activation+json; version=2"
MAX_AUDIENCES_PER_JOB: Final = 80
ADHOC_REFUSED: Final = "DEST-ADHOC-400"
FIRST_RUN_WAIT_SECONDS: Final = 3600


def _refuse(call: Call, message: str) -> errors.ApiError:
    return errors.bad_request(ADHOC_REFUSED, message, call.request_id)


def adhoc_run(call: Call, ctx: ServiceContext) -> Reply:
    accept = (call.header("accept") or "").replace(" ", "")
    body = call.json_object()
    if accept != ADHOC_ACCEPT_V2.replace(" ", "") and "exportIds" not in body:
        raise _refuse(call, f"exportIds is required (v1); send Accept: {ADHOC_ACCEPT_V2} for v2")
    info = body.get("activationInfo")
    if not isinstance(info, dict) or not info:
        raise _refuse(call, "activationInfo: must map dataflow ids to audience ids")
    total = sum(len(v) for v in info.values() if isinstance(v, list))
    if total > MAX_AUDIENCES_PER_JOB:
        raise _refuse(
            call,
            f"An ad-hoc activation job activates at most {MAX_AUDIENCES_PER_JOB} segments; "
            f"this one asks for {total}",
        )
    now = ctx.runs.now()  # the emulator's clock, which tests and skipped Waits advance
    tenant = call.require_tenant
    runs.settle_adhoc_runs(ctx.store, tenant, ctx.runs)  # a run that has ended is not "going on"
    orders: list[dict[str, Any]] = []
    for flow_id, segment_ids in info.items():
        flow = ctx.store.live_get("flows", tenant, flow_id)
        if not isinstance(segment_ids, list) or not all(isinstance(s, str) for s in segment_ids):
            raise _refuse(call, f"activationInfo.{flow_id}: must be a list of audience ids")
        selectors = _selector_values(flow) if flow is not None else {}
        outside = [s for s in segment_ids if not _in_range(selectors.get(s), now)]
        if outside:
            raise _refuse(
                call,
                f"Segments {', '.join(outside)} are not part of this dataflow or out of "
                "schedule range!",
            )
        for segment_id in segment_ids:
            running = _running(ctx, call, flow_id, segment_id)
            if running is not None:
                raise _refuse(
                    call,
                    f"Run already going on for segment {segment_id} for order {flow_id} "
                    f"with run id {running}",
                )
            first = _first_scheduled(selectors[segment_id])
            if first is not None and now - first < FIRST_RUN_WAIT_SECONDS:
                raise _refuse(
                    call,
                    f"The ad hoc activation for segment {segment_id} cannot start: its first "
                    "scheduled activation was less than an hour ago",
                )
    base = "https://platform.adobe.io/data/foundation/flowservice/runs"
    for flow_id, segment_ids in info.items():
        flow = ctx.store.live_get("flows", tenant, flow_id)
        assert flow is not None
        for segment_id in segment_ids:
            run = runs.new_run(
                tenant, flow, "inProgress", records=0, files=0, started_ms=int(now * 1000)
            )
            run["adhoc"] = {"segmentId": segment_id}
            ctx.store.insert("runs", tenant, run)
            orders.append(
                {"segment": segment_id, "order": flow_id, "statusURL": f"{base}/{run['id']}"}
            )
    return Reply(200, {"order": orders})


def _selector_values(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for transformation in flow.get("transformations") or []:
        params = transformation.get("params") or {}
        for selector in (params.get("segmentSelectors") or {}).get("selectors") or []:
            value = selector.get("value") if isinstance(selector, dict) else None
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                values[value["id"]] = value
    return values


def _in_range(value: dict[str, Any] | None, now: float) -> bool:
    if value is None:
        return False
    schedule = value.get("schedule") or {}
    today = datetime.datetime.fromtimestamp(now, tz=datetime.UTC).date()
    start = _date(schedule.get("startDate"))
    end = _date(schedule.get("endDate"))
    return (start is None or start <= today) and (end is None or today <= end)


def _first_scheduled(value: dict[str, Any]) -> float | None:
    schedule = value.get("schedule") or {}
    start = _date(schedule.get("startDate"))
    if start is None:
        return None
    hour, minute = 0, 0
    if isinstance(schedule.get("startTime"), str) and ":" in schedule["startTime"]:
        hour, minute = (int(p) for p in schedule["startTime"].split(":", 1))
    moment = datetime.datetime(
        start.year, start.month, start.day, hour, minute, tzinfo=datetime.UTC
    )
    return moment.timestamp()


def _date(raw: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _running(ctx: ServiceContext, call: Call, flow_id: str, segment_id: str) -> str | None:
    for run in ctx.store.live_items("runs", call.require_tenant):
        adhoc = run.get("adhoc") or {}
        status = run["metrics"]["statusSummary"]["status"]
        if (
            run["flowId"] == flow_id
            and adhoc.get("segmentId") == segment_id
            and status == "inProgress"
        ):
            return str(run["id"])
    return None
