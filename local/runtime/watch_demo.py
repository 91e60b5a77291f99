"""``python -m local watch``: the export watch catching a failed export, on this machine.

An activation runs through the real state machine against the embedded emulator; the
emulator then exports its dataflow nightly, and the story of those nights is set by a
scenario (by default: a success, a failure with Adobe's error, a run that is late and then
succeeds). The template's export watch schedule is fired every ``ExportWatchRateMinutes`` of
the emulator's time, as EventBridge Scheduler would, and every event it puts on the result
bus is printed as it comes, then what the metrics and alarms make of it.

The export watch follows only what the registry holds: the run's result publisher records
the applied activation there, and the demo stops (exit status 1), saying so, if it did not.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from local.runtime.cli import (
    DEFAULT_TEMPLATE,
    REPOSITORY,
    _credentials,
    _put_layers_on_path,
    _read_json,
    _seed_secrets,
)
from local.runtime.deployment import LocalDeployment

DEFAULT_REQUEST = REPOSITORY / "examples" / "amazon-s3-new-card.json"
SCHEDULE = "ExportWatchSchedule"
WATCH = "ExportWatchFunction"
EXPORT_KINDS = ("ExportSucceeded", "ExportFailed", "ExportDelayed")
HOUR = 3600.0
DAY = 86400.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local watch",
        description="Activate, then watch the dataflow's nightly exports as the stack does.",
    )
    parser.add_argument("request", type=Path, nargs="?", default=DEFAULT_REQUEST)
    parser.add_argument("--nights", type=int, default=3, help="nights to simulate (default 3)")
    parser.add_argument(
        "--scenario",
        default="success,failed,late",
        help="the nightly runs' outcomes in order: success, failed, late, skipped "
        "(default: success,failed,late)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["watch"]:
        args_list = args_list[1:]
    args = build_parser().parse_args(args_list)
    if args.nights < 1:
        print("python -m local watch: --nights must be at least 1", file=sys.stderr)
        return 2
    return _run(args, sys.stdout)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from local.emulator import Emulator

    request = _read_json(args.request, "request")
    scenario = [part.strip() for part in str(args.scenario).split(",") if part.strip()]
    _put_layers_on_path(DEFAULT_TEMPLATE)
    with ExitStack() as resources:
        emulator = resources.enter_context(Emulator())
        exports = Path(tempfile.mkdtemp(prefix="aep-exports-"))
        emulator.simulate_runs(
            first_run_after=HOUR, run_every=DAY, late_by=4 * HOUR, export_dir=exports
        )
        stack = resources.enter_context(LocalDeployment.against(emulator, DEFAULT_TEMPLATE))
        _seed_secrets(stack, request, _credentials(None), {}, make_up_destination_secret=True)
        result = stack.run(request, timeout=120)
        if not result.succeeded:
            print(f"The activation failed: {json.dumps(result.output)}", file=out)
            return 1
        dataflow_id = str(result.output["resources"]["dataflowId"])
        print(f"Activation {request['name']!r} applied: dataflow {dataflow_id}", file=out)
        if not _registered(stack, request, dataflow_id, out):
            return 1
        emulator.set_run_scenario(dataflow_id, scenario)
        rate = _rate_seconds(stack.schedule_expression(SCHEDULE))
        print(
            f"Nightly runs: {', '.join(scenario)}; the watch runs every {rate / 60:.0f} minutes "
            f"of simulated time ({SCHEDULE})",
            file=out,
        )
        seen = len(stack.published_events())
        lines = len(stack.captured_logs)
        start = emulator.clock()

        def fire() -> None:
            nonlocal seen
            stack.fire_schedule(SCHEDULE, at=emulator.clock())
            events = stack.published_events()
            for event in events[seen:]:
                if event.get("detail-type") in EXPORT_KINDS:
                    print(_line(event, emulator.clock() - start), file=out)
            seen = len(events)

        emulator.pass_nights(args.nights, step=rate, each=fire)
        _summary(stack, lines, out)
    return 0


def _registered(
    stack: LocalDeployment, request: dict[str, Any], dataflow_id: str, out: TextIO
) -> bool:
    """Whether the state machine registered the applied activation, with its dataflow: the
    export watch reads only what the registry holds."""
    from aep_activation.registry import ACTIVE, ActivationRegistry

    table = stack.physical("ActivationRegistryTable")
    item = ActivationRegistry(table, client=stack.client("dynamodb")).get(
        str(request["sandbox"]), str(request["name"])
    )
    if item is None or (item.state, item.dataflow_id) != (ACTIVE, dataflow_id):
        print(f"The registry does not hold the activation as applied: {item}", file=out)
        return False
    print(f"Registered: {item.key} {item.state}, dataflow {item.dataflow_id}", file=out)
    return True


def _line(event: dict[str, Any], elapsed: float) -> str:
    detail = event["detail"]
    when = f"night {int(elapsed // DAY) + 1} +{(elapsed % DAY) / HOUR:4.1f} h"
    text = f"  {when}  {event['detail-type']:<15} run {detail['runId'][:8]}"
    if event["detail-type"] == "ExportDelayed":
        return f"{text}  still {detail['status']} after {detail['runningMinutes']} min"
    counts = {k: "-" if v is None else v for k, v in (detail.get("counts") or {}).items()}
    text += f"  {detail['status']}: {counts.get('records')} records, {counts.get('files')} files"
    for error in detail.get("errors") or []:
        text += f"\n{'':24}{error['code']}: {error['message']}"
    return text


def _summary(stack: LocalDeployment, lines_before: int, out: TextIO) -> None:
    from aep_activation.watch_pass import emf_records

    watch_lines = [
        line.text for line in stack.captured_logs[lines_before:] if line.function == WATCH
    ]
    totals: dict[str, int] = {}
    for record in emf_records(watch_lines):
        if "audience" in record:
            continue  # the per-audience series repeat the dataflow's
        for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            name = metric["Name"]
            if name.startswith("Export"):  # the watch's own (Powertools adds ColdStart)
                totals[name] = totals.get(name, 0) + int(record[name])
    print("\nMetrics (AepActivation, all dataflows):", file=out)
    for name in sorted(totals):
        print(f"  {name:<22} {totals[name]}", file=out)
    print("Alarms (on AWS, a sum over 0 in a 5-minute period):", file=out)
    for alarm, metric in (
        ("ExportsFailedAlarm", "ExportRunsFailed"),
        ("ExportsDelayedAlarm", "ExportRunsDelayed"),
    ):
        state = "goes to ALARM" if totals.get(metric, 0) > 0 else "stays OK"
        print(f"  {alarm:<22} {state} ({metric} {totals.get(metric, 0)})", file=out)


def _rate_seconds(expression: str) -> float:
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", expression)
    if match is None:
        raise ValueError(f"the demo fires rate(...) schedules only, not {expression!r}")
    return int(match.group(1)) * (60.0 if match.group(2).startswith("minute") else HOUR)
