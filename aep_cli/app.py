"""``aep-activations``: drive the stack's activations from a terminal or a CI job.

    aep-activations apply|plan|teardown REQUEST... (--stack NAME | --local)
    aep-activations apply|plan DIR/ [--detect-drift] [--prune-missing] (--stack NAME | --local)
    aep-activations status [NAME] | runs NAME (--stack NAME | --local)
    aep-activations promote --from SANDBOX --to SANDBOX [NAME...] --overrides FILE --out DIR

Exit status: 0 done; 1 something failed (an execution, or a file of a folder that is not a
valid request); 2 ``plan --detect-drift`` found something that would change; 64 bad usage or
input, before anything was called.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TextIO

from aep_cli import folder as folders
from aep_cli.inputs import OPERATIONS, RequestFile, UsageError, read_folder, read_requests
from aep_cli.inputs import teardown_request as confirmed_teardown
from aep_cli.runner import Outcome, run
from aep_cli.target import Target, local_target, resolve_stack

PROG = "aep-activations"
STACK_VARIABLE = "AEP_ACTIVATIONS_STACK"
EXIT_OK, EXIT_FAILED, EXIT_CHANGES, EXIT_USAGE = 0, 1, 2, 64


class _Parser(argparse.ArgumentParser):
    """argparse, exiting with the usage status (64) rather than its own 2: 2 is the drift
    gate's answer ("something would change"), which bad usage must never be taken for."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    where = _Parser(add_help=False)
    group = where.add_argument_group("where")
    group.add_argument(
        "--stack",
        metavar="NAME",
        default=os.environ.get(STACK_VARIABLE),
        help=f"the deployed stack (CloudFormation name; default ${STACK_VARIABLE})",
    )
    group.add_argument(
        "--local",
        action="store_true",
        help="the local runtime and the embedded emulator instead (a fresh stack per command)",
    )
    group.add_argument("--region", help="AWS region of the stack (default: your AWS config)")
    group.add_argument("--profile", help="AWS profile (default: your AWS config)")
    group.add_argument("--template", type=Path, help=argparse.SUPPRESS)
    group.add_argument("--json", action="store_true", help="print one JSON object per request")

    parser = _Parser(
        prog=PROG,
        description="Apply, plan and tear down AEP audience activations through the stack; "
        "a folder of request files is the desired state of the activations it names.",
        usage=f"{PROG} apply|plan|teardown REQUEST...|DIR/ (--stack NAME | --local) [options]",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands._parser_class = _Parser
    for operation, text in (
        ("apply", "make each activation what its request says"),
        ("plan", "show what apply would change, changing nothing"),
        ("teardown", "delete what each activation made (its dataflow is read from the registry)"),
    ):
        command = commands.add_parser(operation, parents=[where], help=text, description=text)
        command.add_argument(
            "requests", nargs="+", type=Path, metavar="REQUEST", help="request files, or one folder"
        )
        command.add_argument(
            "--parallel",
            type=int,
            default=folders.DEFAULT_PARALLEL,
            help=f"a folder: executions at a time (default {folders.DEFAULT_PARALLEL})",
        )
        if operation == "plan":
            command.add_argument(
                "--detect-drift",
                action="store_true",
                help="a folder: also list registered activations it no longer names; "
                "exit 2 when anything would change",
            )
        if operation == "apply":
            command.add_argument(
                "--prune-missing",
                action="store_true",
                help="a folder: tear down registered activations it no longer names",
            )
    status = commands.add_parser(
        "status", parents=[where], help="registered activations: dataflow, audiences, state"
    )
    status.add_argument("name", nargs="?", help="one activation: NAME or SANDBOX/NAME")
    runs = commands.add_parser("runs", parents=[where], help="an activation's recent runs")
    runs.add_argument("name", help="the activation: NAME or SANDBOX/NAME")
    runs.add_argument("--limit", type=int, default=10, help="how many runs (default 10)")
    promote = commands.add_parser(
        "promote",
        parents=[where],
        help="write the request files for another sandbox, after planning them there",
    )
    promote.add_argument("names", nargs="*", metavar="NAME", help="activations (default: all)")
    promote.add_argument("--from", dest="from_sandbox", required=True, metavar="SANDBOX")
    promote.add_argument("--to", dest="to_sandbox", required=True, metavar="SANDBOX")
    promote.add_argument(
        "--overrides", type=Path, help="JSON merged into every promoted request (secret names...)"
    )
    promote.add_argument("--out", type=Path, help="folder for the files (default: ./SANDBOX/)")
    promote.add_argument("--parallel", type=int, default=folders.DEFAULT_PARALLEL)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = sys.stdout
    try:
        return _dispatch(args, out)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted (executions already started go on)", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    if args.stack and args.local:
        raise UsageError("--stack and --local: choose one")
    if not args.stack and not args.local:
        raise UsageError(f"say where: --stack NAME (or ${STACK_VARIABLE}) or --local")
    if args.command in OPERATIONS:
        return _operate(args, out)
    if args.command == "promote":
        return _promote(args, out)
    with _target(args) as target:
        if args.command == "status":
            from aep_cli.status import print_status

            return print_status(target, args.name, out, as_json_lines=args.json)
        from aep_cli.status import print_runs

        return print_runs(target, args.name, args.limit, out, as_json_lines=args.json)


@contextmanager
def _target(args: argparse.Namespace) -> Iterator[Target]:
    if args.local:
        with local_target(args.template) as target:
            yield target
    else:
        yield resolve_stack(args.stack, region=args.region, profile=args.profile)


# ------------------------------------------------------------------------- apply/plan/teardown


def _operate(args: argparse.Namespace, out: TextIO) -> int:
    operation = args.command
    paths: list[Path] = args.requests
    is_folder = len(paths) == 1 and paths[0].is_dir()
    if any(p.is_dir() for p in paths) and not is_folder:
        raise UsageError("give request files, or one folder alone")
    if getattr(args, "detect_drift", False) and not is_folder:
        raise UsageError("--detect-drift: needs a folder (the desired state)")
    if getattr(args, "prune_missing", False) and not is_folder:
        raise UsageError("--prune-missing: needs a folder (the desired state)")
    if args.parallel < 1:
        raise UsageError("--parallel: must be 1 or more")
    if is_folder:
        if operation == "teardown":
            raise UsageError("teardown takes request files, not a folder")
        files = read_folder(paths[0], operation)  # bad files are reported in the table
        with _target(args) as target:
            return _operate_folder(args, target, files, out)
    files = read_requests(paths, operation)  # every file valid, or nothing starts
    with _target(args) as target:
        if operation == "teardown":
            files = [_confirm_teardown(target, file) for file in files]
        return _operate_files(args, target, files, out)


def _confirm_teardown(target: Target, file: RequestFile) -> RequestFile:
    registered = target.registry.get(file.sandbox, file.name)
    active = registered.dataflow_id if registered and registered.state == "ACTIVE" else None
    confirmed = confirmed_teardown(file, active)
    if not confirmed.valid:
        raise UsageError(f"nothing started: {confirmed.problem()}")
    return confirmed


def _operate_files(
    args: argparse.Namespace, target: Target, files: list[RequestFile], out: TextIO
) -> int:
    failed = False
    for file in files:
        if not args.json:
            print(
                f"{file.request['operation']} {file.key} ({file.path}) on {target.description}",
                file=out,
            )
        outcome = run(target, file, None if args.json else out)
        failed = failed or not outcome.succeeded
        if args.json:
            print(json.dumps(outcome.to_json()), file=out, flush=True)
        elif outcome.report is not None:
            outcome.report.print_text(out)
            print(file=out)
        else:
            print(f"NOT STARTED: {outcome.problem}\n", file=out)
    return EXIT_FAILED if failed else EXIT_OK


def _operate_folder(
    args: argparse.Namespace, target: Target, files: list[RequestFile], out: TextIO
) -> int:
    operation = args.command
    detect = getattr(args, "detect_drift", False)
    prune = getattr(args, "prune_missing", False)
    missing: list[folders.Missing] = []
    if detect or prune:
        sandboxes = {file.sandbox for file in files if file.valid}
        missing = folders.missing_from(files, target.registry.activations(), sandboxes)
    # A folder with an invalid file is not a whole desired state: nothing is torn down on it.
    held_back = prune and any(not file.valid for file in files)
    prune = prune and not held_back
    to_run = list(files)
    if prune:
        to_run += [folders.prune_request(m) for m in missing]
    if not args.json:
        print(f"{operation} {len(files)} request file(s) on {target.description}", file=out)

    def done(outcome: Outcome) -> None:
        if args.json:
            print(json.dumps(outcome.to_json()), file=out, flush=True)
        else:
            print(folders.progress_line(outcome), file=out, flush=True)

    outcomes = folders.run_all(target, to_run, parallel=args.parallel, on_done=done)
    unpruned = missing if not prune else []
    if args.json:
        for item in unpruned:
            print(json.dumps(_missing_json(item)), file=out)
    else:
        print(file=out)
        rows = [folders.row(o) for o in outcomes]
        rows += [folders.missing_row(m, held_back=held_back) for m in unpruned]
        folders.print_table(rows, out)
        print(f"\n{folders.summary_line(outcomes, len(unpruned))}", file=out)
    if any(not o.succeeded for o in outcomes):
        return EXIT_FAILED
    if detect and (unpruned or any(o.changes() for o in outcomes)):
        return EXIT_CHANGES
    return EXIT_OK


def _promote(args: argparse.Namespace, out: TextIO) -> int:
    from aep_cli import promote

    if args.from_sandbox == args.to_sandbox:
        raise UsageError("--from and --to: name two different sandboxes")
    if args.parallel < 1:
        raise UsageError("--parallel: must be 1 or more")
    overrides = promote.read_overrides(args.overrides)  # checked before any call
    folder: Path = args.out or Path(args.to_sandbox)
    with _target(args) as target:
        activations = promote.sources(target, args.from_sandbox, args.names)
        promotion = promote.promote(target, activations, args.to_sandbox, overrides, folder)
        if promotion.problems:
            print(f"{PROG}: nothing written:", file=sys.stderr)
            for problem in promotion.problems:
                print(f"  {problem}", file=sys.stderr)
            return EXIT_FAILED
        if not args.json:
            print(
                f"Plan in {args.to_sandbox} of {len(promotion.files)} activation(s) from "
                f"{args.from_sandbox}, on {target.description}",
                file=out,
            )

        def done(outcome: Outcome) -> None:
            if args.json:
                print(json.dumps(outcome.to_json()), file=out, flush=True)
            else:
                print(folders.progress_line(outcome), file=out, flush=True)

        outcomes = folders.run_all(target, promotion.files, parallel=args.parallel, on_done=done)
    if not args.json:
        print(file=out)
        folders.print_table([folders.row(o) for o in outcomes], out)
    if any(not o.succeeded for o in outcomes):
        print(f"{PROG}: a plan failed in {args.to_sandbox}: nothing written", file=sys.stderr)
        return EXIT_FAILED
    written = promote.write(promotion.files, folder)
    if not args.json:
        print(f"\nWrote {len(written)} request file(s) to {folder}/: apply them with", file=out)
        print(f"  {PROG} apply {folder}/ --stack ...", file=out)
    return EXIT_OK


def _missing_json(missing: folders.Missing) -> dict[str, Any]:
    activation = missing.activation
    return {
        "activation": activation.name,
        "sandbox": activation.sandbox,
        "operation": "teardown",
        "status": "NOT_IN_FOLDER",
        "dataflowId": activation.dataflow_id,
        "changes": [f"delete dataflow {activation.dataflow_id} and its connections"],
    }


if __name__ == "__main__":
    sys.exit(main())
