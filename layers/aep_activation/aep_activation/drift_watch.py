"""The drift watch: every ACTIVE activation planned against Adobe on a schedule, reading only.

A schedule (template.yaml, ``DriftWatchSchedule``; off unless ``DriftWatchEnabled``) runs one
pass. A pass reads every ACTIVE activation of the registry and plans the request last applied
(the registry's ``request``) against the live resources, with the very plan the state
machine's ``plan`` operation and ``aep-activations plan --detect-drift`` make
(``steps/plan.py``): only GETs reach Flow Service, nothing is written, to Adobe or to the
registry. Each activation whose plan is not empty (its live dataflow no longer matches what
was applied: an audience removed or added in the UI, a field changed, the dataflow disabled
or deleted) gets one ``ActivationDrifted`` event on the result bus, its changes in the plan's
plain words.

A pass keeps no memory: an activation still drifted at the next pass is reported again, at
every pass until an apply (or a teardown) converges it, as a schedule of checks does. A
consumer that wants one notice per drift keys on the activation and its changes.

One activation's trouble (Adobe's errors, a destination secret gone, a stored request that no
longer validates) is logged by error name and counted (``DriftWatchErrors``); the pass goes
on with the others. The pass stops planning when its invocation's time is nearly spent; the
rest waits for the next pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from aws_lambda_powertools import Logger

from aep_activation.errors import error_name
from aep_activation.flow_service import FlowServiceClient
from aep_activation.registry import ACTIVE, RegisteredActivation
from aep_activation.request import ActivationRequest
from aep_activation.steps.plan import Plan, plan
from aep_activation.watch_pass import Watch, WatchReport, emf_record, logged_reason, publish

logger = Logger(service="aep-activation", child=True)

ACTIVATION_DRIFTED: Final = "ActivationDrifted"
DRIFTED: Final = "ActivationsDrifted"
DRIFT_ERRORS: Final = "DriftWatchErrors"


@dataclass
class DriftReport(WatchReport):
    """What one pass did, returned by the handler (names and counts only)."""

    planned: int = 0
    drifted: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"planned": self.planned, "drifted": sorted(self.drifted)}


@dataclass
class DriftWatch(Watch):
    """One pass over the registry, planning each ACTIVE activation."""

    secret_keys: Callable[[str], Iterable[str]]

    def run_pass(self) -> DriftReport:
        report = DriftReport()
        watched = [a for a in self.registry.activations() if a.state == ACTIVE]
        self.watch_all(
            watched,
            lambda activation, client: self._check(activation, client, report),
            lambda activation, exc: self._failed(activation, exc, report),
            report,
            "drift watch",
        )
        if report.drifted:
            self.emit_metrics(emf_record(int(self.clock() * 1000), {DRIFTED: len(report.drifted)}))
        return report

    def _check(
        self, activation: RegisteredActivation, client: FlowServiceClient, report: DriftReport
    ) -> None:
        # The request was valid when applied; dates that were today then are not checked again.
        request = ActivationRequest.from_state(activation.request)
        dry_run = plan(request, client, secret_keys=self.secret_keys)
        with report.lock:
            report.planned += 1
        if dry_run.converged:
            return
        publish(
            self.events,
            self.bus_name,
            [(ACTIVATION_DRIFTED, drifted_detail(activation, dry_run))],
            "drift event(s)",
        )
        logger.info(
            "activation drifted",
            extra={"activation": activation.key, "changes": len(dry_run.changes)},
        )
        with report.lock:
            report.drifted.append(activation.key)

    def _failed(
        self, activation: RegisteredActivation, exc: Exception, report: DriftReport
    ) -> None:
        name = error_name(exc)
        message = logged_reason(exc)
        logger.warning(
            "drift watch could not plan an activation; the pass goes on",
            extra={"activation": activation.key, "error": name, "reason": message},
        )
        with report.lock:
            report.errors.append({"activation": activation.key, "error": name})
        self.emit_metrics(emf_record(int(self.clock() * 1000), {DRIFT_ERRORS: 1}))


def drifted_detail(activation: RegisteredActivation, dry_run: Plan) -> dict[str, Any]:
    """The event's detail: which activation, and what apply would change, in words."""
    return {
        "activation": activation.name,
        "sandbox": activation.sandbox,
        "dataflowId": dry_run.dataflow_id or activation.dataflow_id,
        "changes": list(dry_run.changes),
        "lastAppliedAt": activation.updated_at or None,
        "lastExecution": activation.execution or None,
    }
