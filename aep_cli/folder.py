"""A folder of request files as the desired state of the activations it names.

``apply DIR/`` and ``plan DIR/`` run every file's request at once (a bounded number of
executions at a time) and end with one table. ``--detect-drift`` also counts the registered
activations, in the sandboxes the folder speaks for, that no file names any more;
``--prune-missing`` tears those down (only with that flag).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from aep_activation.registry import ACTIVE, RegisteredActivation
from aep_cli.inputs import RequestFile, check, teardown_request
from aep_cli.runner import Outcome, failure_line, run
from aep_cli.target import Target

DEFAULT_PARALLEL = 4


@dataclass(frozen=True)
class Missing:
    """A registered, active activation the folder no longer names."""

    activation: RegisteredActivation

    @property
    def key(self) -> str:
        return self.activation.key


def missing_from(
    files: Iterable[RequestFile], registered: Iterable[RegisteredActivation], sandboxes: set[str]
) -> list[Missing]:
    # A file names its activation even when it is invalid: that one is not missing.
    named = {file.key for file in files if file.name and file.sandbox}
    return [
        Missing(activation)
        for activation in registered
        if activation.state == ACTIVE
        and activation.sandbox in sandboxes
        and activation.key not in named
    ]


def prune_request(missing: Missing) -> RequestFile:
    """The teardown of a missing activation: its last applied request, confirming its dataflow."""
    activation = missing.activation
    path = Path(f"(registry) {activation.key}")
    if not activation.request:
        return RequestFile(path, errors=("request: the registry holds no request to tear down",))
    base = check(path, {**activation.request, "operation": "apply"})
    if not base.valid:
        return base
    file = RequestFile(path, {**activation.request, "operation": "teardown"})
    return teardown_request(file, activation.dataflow_id)


def run_all(
    target: Target,
    files: list[RequestFile],
    *,
    parallel: int,
    on_done: Callable[[Outcome], None],
) -> list[Outcome]:
    """Each valid file's execution, ``parallel`` at a time; invalid files are outcomes at once.
    ``on_done`` hears of each as it finishes. The outcomes come back in the files' order."""
    outcomes: dict[int, Outcome] = {}
    for index, file in enumerate(files):
        if not file.valid:
            outcomes[index] = Outcome(
                file, str(file.request.get("operation") or ""), problem="; ".join(file.errors)
            )
            on_done(outcomes[index])
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = {
            pool.submit(run, target, file, None): index
            for index, file in enumerate(files)
            if file.valid
        }
        for future in concurrent.futures.as_completed(futures):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            on_done(outcome)
    return [outcomes[index] for index in range(len(files))]


# ---------------------------------------------------------------------------------- table


def changes_cell(outcome: Outcome) -> str:
    if outcome.report is None:
        return "-"
    changes = outcome.changes()
    if not changes:
        return "none"
    first = changes[0] if len(changes[0]) <= 48 else changes[0][:45] + "..."
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    return f"{len(changes)}: {first}{more}"


def result_cell(outcome: Outcome) -> str:
    if outcome.succeeded:
        return outcome.status
    reason = failure_line(outcome) if outcome.report is not None else (outcome.problem or "")
    return f"{outcome.status}: {reason}" if reason else outcome.status


def row(outcome: Outcome) -> tuple[str, str, str, str]:
    return (
        outcome.file.label(),
        outcome.operation or "-",
        changes_cell(outcome),
        result_cell(outcome),
    )


def print_table(rows: list[tuple[str, str, str, str]], out: TextIO) -> None:
    header = ("ACTIVATION", "OPERATION", "CHANGES", "RESULT")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for cells in [header, *rows]:
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells[:3]))
        print(f"{line}  {cells[3]}".rstrip(), file=out)


def progress_line(outcome: Outcome) -> str:
    mark = "ok" if outcome.succeeded else "fail"
    return (
        f"  [{mark:>4}] {outcome.file.label():<40} {outcome.operation:<9} {changes_cell(outcome)}"
    )


def missing_row(missing: Missing, *, held_back: bool = False) -> tuple[str, str, str, str]:
    dataflow = missing.activation.dataflow_id or "(none)"
    why = (
        "NOT IN FOLDER (not torn down: the folder has invalid files)"
        if held_back
        else "NOT IN FOLDER (apply --prune-missing tears it down)"
    )
    return (missing.key, "teardown", f"1: delete dataflow {dataflow} and its connections", why)


def summary_line(outcomes: list[Outcome], missing: int) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    changed = sum(1 for o in outcomes if o.succeeded and o.changes())
    parts = [f"{n} {status.lower()}" for status, n in sorted(counts.items())]
    text = f"{len(outcomes)} request(s): {', '.join(parts)}; {changed} with changes"
    return text + (f"; {missing} registered activation(s) not in the folder" if missing else "")


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    return outcome.to_json()
