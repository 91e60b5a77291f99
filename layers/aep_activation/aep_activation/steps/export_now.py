"""Export now: Adobe's ad-hoc activation of the request's audiences, after applying.

``POST /data/core/activation/disflowprovider/adhocrun`` with the v2 ``Accept`` header and
``{"activationInfo": {"<dataflowId>": [audience ids]}}``, at most 80 audiences per job.
Adobe answers one ``order`` per audience whose ``statusURL`` is the Flow Service run
(``/flowservice/runs/{id}``); the run ids are returned, and the run watch
(:mod:`aep_activation.steps.run_watch`) follows them for ``watchMinutes``.
Refusals become named errors (:class:`AdhocRunAlreadyRunning`, :class:`AudienceNotExportable`,
:class:`FirstScheduledRunTooRecent`); anything else stays :class:`FlowServiceRejected`.
"""

from __future__ import annotations

from typing import Any

from aep_activation.errors import (
    AdhocRunAlreadyRunning,
    AudienceNotExportable,
    FirstScheduledRunTooRecent,
    FlowServiceError,
    FlowServiceRejected,
    FlowServiceUnavailable,
)
from aep_activation.flow_service import FlowServiceClient
from aep_activation.limits import MAX_AUDIENCES_PER_JOB
from aep_activation.request import ActivationRequest

ADHOC_SERVICE_PATH = "/data/core/activation/disflowprovider"
ADHOC_ACCEPT = "application/vnd.adobe.adhoc.activation+json; version=2"
EXPORT_NOW_WATCH_MINUTES = 60
"""How long the run watch follows the ad-hoc runs when the request's ``waitForFirstRun``
does not say (its ``timeoutMinutes``, at most 1440, bounds it then)."""

_REFUSALS: tuple[tuple[str, type[FlowServiceError]], ...] = (
    ("run already going on", AdhocRunAlreadyRunning),
    ("not part of this dataflow or out of schedule range", AudienceNotExportable),
    ("first scheduled activation", FirstScheduledRunTooRecent),
)


def jobs(audience_ids: list[str]) -> list[list[str]]:
    """The audiences in jobs of at most 80, in request order."""
    return [
        audience_ids[start : start + MAX_AUDIENCES_PER_JOB]
        for start in range(0, len(audience_ids), MAX_AUDIENCES_PER_JOB)
    ]


def export_now(
    request: ActivationRequest, client: FlowServiceClient, dataflow_id: str
) -> dict[str, Any]:
    """Start the ad-hoc runs: ``{dataflowId, jobs, runs: [{audienceId, runId}], runIds,
    watchMinutes}``, the last two for the run watch that follows. The ``statusURL`` Adobe
    answers is Flow Service's ``/runs/{runId}``: only the id is kept (state is scarce)."""
    adhoc = client.api_at(ADHOC_SERVICE_PATH)
    batches = jobs([audience.id for audience in request.audiences])
    runs: list[dict[str, str]] = []
    for batch in batches:
        try:
            answer = adhoc.call_json(
                "POST",
                "/adhocrun",
                body={"activationInfo": {dataflow_id: batch}},
                headers={"Accept": ADHOC_ACCEPT},
            )
        except FlowServiceRejected as exc:
            raise _named(exc) from None
        orders = answer.get("order") if isinstance(answer, dict) else None
        if not isinstance(orders, list):
            raise FlowServiceUnavailable("POST /adhocrun: the answer lacks its order list")
        for order in orders:
            status_url = str(order.get("statusURL", "")) if isinstance(order, dict) else ""
            runs.append(
                {
                    "audienceId": str(order.get("segment")) if isinstance(order, dict) else "",
                    "runId": status_url.rstrip("/").rsplit("/", 1)[-1],
                }
            )
    return {
        "dataflowId": dataflow_id,
        "jobs": len(batches),
        "runs": runs,
        "runIds": [run["runId"] for run in runs],
        "watchMinutes": watch_minutes(request),
    }


def watch_minutes(request: ActivationRequest) -> int:
    """The run watch's bound: the request's ``waitForFirstRun`` minutes, or the default."""
    wait = request.wait_for_first_run
    return wait.timeout_minutes if wait is not None else EXPORT_NOW_WATCH_MINUTES


def _named(exc: FlowServiceRejected) -> FlowServiceError:
    text = exc.message.lower()
    for words, error in _REFUSALS:
        if words in text:
            return error(
                exc.message,
                status=exc.status,
                code=exc.code,
                request_id=exc.request_id,
            )
    return exc
