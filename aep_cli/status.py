"""``status`` (what the registry says) and ``runs`` (what Adobe says the dataflow did)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any, TextIO

from aep_activation.errors import ActivationError
from aep_activation.registry import RegisteredActivation
from aep_activation.steps.run_watch import run_report
from aep_cli.inputs import UsageError
from aep_cli.target import Target


def age(updated_at: str, now: datetime.datetime | None = None) -> str:
    """``3m``, ``5h``, ``2d``: how long ago an ISO 8601 time was."""
    try:
        then = datetime.datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
    except ValueError:
        return "?"
    seconds = ((now or datetime.datetime.now(datetime.UTC)) - then).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{max(0, int(seconds))}s"


def find(target: Target, name: str) -> RegisteredActivation:
    """``SANDBOX/NAME``, or ``NAME`` when one sandbox alone has it."""
    registered = list(target.registry.activations())
    if "/" in name:
        matches = [a for a in registered if a.key == name]
    else:
        matches = [a for a in registered if a.name == name]
    if not matches:
        raise UsageError(f"{name}: no such activation in the registry (see status)")
    if len(matches) > 1:
        keys = ", ".join(a.key for a in matches)
        raise UsageError(f"{name}: in several sandboxes ({keys}): say SANDBOX/NAME")
    return matches[0]


def audiences(activation: RegisteredActivation) -> list[dict[str, Any]]:
    listed = activation.request.get("audiences")
    return [a for a in listed if isinstance(a, dict)] if isinstance(listed, list) else []


def as_json(activation: RegisteredActivation) -> dict[str, Any]:
    return {
        "activation": activation.name,
        "sandbox": activation.sandbox,
        "state": activation.state,
        "operation": activation.operation,
        "lastResult": activation.last_result,
        "dataflowId": activation.dataflow_id,
        "audiences": [{"id": a.get("id"), "name": a.get("name")} for a in audiences(activation)],
        "updatedAt": activation.updated_at,
        "execution": activation.execution,
    }


def print_status(target: Target, name: str | None, out: TextIO, *, as_json_lines: bool) -> int:
    if name is not None:
        activation = find(target, name)
        if as_json_lines:
            print(json.dumps(as_json(activation)), file=out)
            return 0
        listed = audiences(activation)
        lines = [
            ("Activation", activation.key),
            ("State", activation.state),
            ("Last result", f"{activation.last_result} ({activation.operation})"),
            ("Dataflow", activation.dataflow_id or "(none)"),
            ("Audiences", str(len(listed))),
            *[("", f"{a.get('name')} ({a.get('id')})") for a in listed],
            ("Updated", f"{activation.updated_at} ({age(activation.updated_at)} ago)"),
            ("Execution", activation.execution),
        ]
        for label, value in lines:
            print(f"  {label:<14} {value}", file=out)
        return 0
    registered = list(target.registry.activations())
    if as_json_lines:
        for activation in registered:
            print(json.dumps(as_json(activation)), file=out)
        return 0
    if not registered:
        print(f"No activations registered on {target.description}.", file=out)
        return 0
    rows = [("ACTIVATION", "STATE", "LAST RESULT", "DATAFLOW", "AUDIENCES", "AGE")]
    for activation in registered:
        rows.append(
            (
                activation.key,
                activation.state,
                activation.last_result,
                activation.dataflow_id or "-",
                str(len(audiences(activation))),
                age(activation.updated_at),
            )
        )
    _print_rows(rows, out)
    return 0


def print_runs(target: Target, name: str, limit: int, out: TextIO, *, as_json_lines: bool) -> int:
    activation = find(target, name)
    if not activation.dataflow_id:
        raise UsageError(f"{activation.key}: has no dataflow (it is {activation.state})")
    try:
        runs = target.adobe(activation.sandbox).runs.of_flow(activation.dataflow_id)
    except ActivationError as exc:
        print(f"Adobe refused the runs of {activation.dataflow_id}: {exc}", file=out)
        return 1
    runs.sort(key=lambda r: r.get("createdAt") or 0, reverse=True)
    shown = [
        {"runId": r.get("id"), "createdAt": _time(r.get("createdAt")), **run_report(r)}
        for r in runs[:limit]
    ]
    if as_json_lines:
        for run in shown:
            print(json.dumps(run), file=out)
        return 0
    print(f"{activation.key}: dataflow {activation.dataflow_id}, {len(runs)} run(s)", file=out)
    if not shown:
        return 0
    rows = [("RUN", "STARTED", "STATUS", "RECORDS", "FILES", "ERRORS")]
    for run in shown:
        errors = ", ".join(str(e.get("code")) for e in run.get("errors") or [])
        rows.append(
            (
                str(run["runId"]),
                str(run["createdAt"] or "-"),
                str(run.get("status")),
                _count(run.get("records")),
                _count(run.get("files")),
                errors or "-",
            )
        )
    _print_rows(rows, out)
    return 0


def _time(millis: Any) -> str | None:
    if not isinstance(millis, int | float):
        return None
    moment = datetime.datetime.fromtimestamp(millis / 1000, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(value: Any) -> str:
    return "-" if value is None else str(value)


def _print_rows(rows: Sequence[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip(), file=out)
