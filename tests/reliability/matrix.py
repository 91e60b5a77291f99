"""The fault matrix: every Adobe call the workflow makes x every fault, on the real state machine.

A cell runs one activation (``examples/amazon-s3.json``; for the Data Prep calls, the new S3
card's ``examples/amazon-s3-new-card.json``) with one fault injected into one call, then judges what happened as the README's reliability section defines it:

- a transient fault holds when the execution SUCCEEDED with exactly one of each resource and
  the flow holds the request;
- a permanent fault holds when the execution FAILED at the state making the call, with the
  error name the status maps to and Adobe's request id of the refused call, the refusal was not
  retried (one attempt of that state, no retry sleep; a 401 is sent once more after one token
  refresh, as the client does), and nothing was duplicated.

Known gaps are cells that fail today for a known reason outside the cell; they are listed by
name in :data:`KNOWN_GAPS` with that reason. A known gap that holds is reported too (the list must
then shrink), so the exit status stays honest both ways.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aep_activation.dataprep.ensure import data_prep_names
from aep_activation.naming import default_resource_names
from aep_activation.request import parse_activation_request
from local.emulator import DEFAULT_CLIENT, Emulator, Fault
from local.runtime import ExecutionResult, LocalDeployment
from tests.statemachine.conftest import _empty_queues, adobe_credentials_secret_name
from tests.statemachine.harness import Machine, assert_flow_holds, example, with_dataflow

REQUEST = "amazon-s3"
NEW_CARD_REQUEST = "amazon-s3-new-card"  # the Data Prep calls are a new card's
CONVERSION = "/data/foundation/conversion"
# The handlers' HTTP read timeout is scaled down for the matrix (env HTTP_READ_TIMEOUT), so
# that a slow answer can outlast it in seconds, not minutes.
READ_TIMEOUT = 1.5
CONNECT_TIMEOUT = 1.0
SLOW_ANSWER = READ_TIMEOUT + 1.5
STACK_ENVIRONMENT = {
    "HTTP_READ_TIMEOUT": str(READ_TIMEOUT),
    "HTTP_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
}
KINDS = (
    "profileBaseConnections",
    "destinationBaseConnections",
    "sourceConnections",
    "targetConnections",
    "flows",
)
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


# ------------------------------------------------------------------------------ the calls


@dataclass(frozen=True)
class Call:
    """One Adobe call of a run, and the state that makes it."""

    name: str
    method: str
    path: str
    state: str
    contains: str | None = None
    # The token is fetched by the first step to talk to Adobe after a cold start.
    cold: bool = False
    # The flow read is ActivateAudiences' first: the run names a dataflow made beforehand (on a
    # flow the run creates, the create's answer stands in for that read).
    existing_flow: bool = False
    request: str = REQUEST

    @property
    def ims(self) -> bool:
        return self.path.startswith("/ims/")

    def selector(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "contains": self.contains}

    def __str__(self) -> str:
        return self.name


def _calls() -> list[Call]:
    names = default_resource_names(str(example(REQUEST)["name"]))
    profile = names.profile_base_connection.name
    destination = names.destination_base_connection.name
    source = names.source_connection.name
    target = names.target_connection.name
    dataflow = names.dataflow.name
    return [
        Call("token", "POST", "/ims/token/v3", "ResolveSpecs", cold=True),
        Call("connection spec", "GET", "/connectionSpecs/*", "ResolveSpecs"),
        Call("flow specs", "GET", "/flowSpecs", "ResolveSpecs"),
        Call("find profile base", "GET", "/connections", "ResolveSpecs", profile),
        Call("create profile base", "POST", "/connections", "EnsureProfileBaseConnection", profile),
        Call("find source", "GET", "/sourceConnections", "ResolveSpecs", source),
        Call("create source", "POST", "/sourceConnections", "EnsureSourceConnection", source),
        Call("find dest base", "GET", "/connections", "ResolveSpecs", destination),
        Call(
            "create dest base",
            "POST",
            "/connections",
            "EnsureDestinationBaseConnection",
            destination,
        ),
        Call("find target", "GET", "/targetConnections", "ResolveSpecs", target),
        Call("create target", "POST", "/targetConnections", "EnsureTargetConnection", target),
        Call("find flow", "GET", "/flows", "ResolveSpecs", dataflow),
        Call("create flow", "POST", "/flows", "EnsureDataflow", dataflow),
        Call("flow read", "GET", "/flows/*", "ActivateAudiences", existing_flow=True),
        Call("PATCH flow", "PATCH", "/flows/*", "ActivateAudiences"),
        Call("validation read", "GET", "/flows/*", "ValidateDataflow"),
        *_data_prep_calls(),
    ]


def _data_prep_calls() -> list[Call]:
    """A new card's Data Prep: looked up beside the connections, made by EnsureMappingSet,
    and the set a named flow holds read by ActivateAudiences."""
    request = parse_activation_request(example(NEW_CARD_REQUEST))
    input_schema, output_schema, mapping_set = data_prep_names(request)
    schemas, sets = f"{CONVERSION}/schemas", f"{CONVERSION}/mappingSets"
    new_card = NEW_CARD_REQUEST
    return [
        Call("find input schema", "GET", schemas, "ResolveSpecs", input_schema, request=new_card),
        Call("find output schema", "GET", schemas, "ResolveSpecs", output_schema, request=new_card),
        Call("find mapping set", "GET", sets, "ResolveSpecs", mapping_set, request=new_card),
        Call(
            "create input schema",
            "POST",
            schemas,
            "EnsureMappingSet",
            input_schema,
            request=new_card,
        ),
        Call(
            "create output schema",
            "POST",
            schemas,
            "EnsureMappingSet",
            output_schema,
            request=new_card,
        ),
        Call("create mapping set", "POST", sets, "EnsureMappingSet", mapping_set, request=new_card),
        Call(
            "mapping set read",
            "GET",
            f"{sets}/*",
            "ActivateAudiences",
            existing_flow=True,
            request=new_card,
        ),
    ]


CALLS = _calls()


# ------------------------------------------------------------------------------ the faults


@dataclass(frozen=True)
class FaultCase:
    name: str
    transient: bool
    make: Callable[[Call], list[Fault]]
    # Permanent faults: the error the status must be named as (IMS has its own mapping).
    error: str | None = None
    ims_error: str | None = None

    def expected_error(self, call: Call) -> str | None:
        renamed = RENAMED.get((call.name, self.name))
        if renamed:
            return renamed
        return self.ims_error if call.ims and self.ims_error else self.error

    def __str__(self) -> str:
        return self.name


# Where a step names a refusal by what it means for the request rather than by its status.
RENAMED = {
    # A connection spec Flow Service does not know is a destination it does not offer.
    ("connection spec", "404"): "UnknownDestination",
}


def _status(status: int, **extra: Any) -> Callable[[Call], list[Fault]]:
    return lambda call: [Fault.status_code(status, **call.selector(), **extra)]


def _persistent_401(call: Call) -> list[Fault]:
    # Flow Service: the first 401 makes the client fetch a new token and send once more; that
    # one is refused too. IMS: a 401 is its refusal of the client credentials, final at once.
    return [Fault.status_code(401, **call.selector(), times=1 if call.ims else 2)]


TRANSIENT = [
    FaultCase("429", True, _status(429)),
    FaultCase("429 Retry-After", True, _status(429, retry_after=1)),
    FaultCase("500", True, _status(500)),
    FaultCase("502 HTML", True, _status(502, body=HTML_502)),
    FaultCase("503", True, _status(503)),
    FaultCase("read timeout", True, lambda c: [Fault.latency(SLOW_ANSWER, **c.selector())]),
    FaultCase("conn reset", True, lambda c: [Fault.reset(**c.selector())]),
    FaultCase("cut-off JSON", True, lambda c: [Fault.truncated(**c.selector())]),
    FaultCase("applied, lost", True, lambda c: [Fault.apply_then_reset(**c.selector())]),
]
PERMANENT = [
    FaultCase(
        "400", False, _status(400), error="FlowServiceRejected", ims_error="AuthenticationFailed"
    ),
    FaultCase(
        "401 persists",
        False,
        _persistent_401,
        error="AuthenticationFailed",
        ims_error="AuthenticationFailed",
    ),
    FaultCase(
        "403", False, _status(403), error="PermissionDenied", ims_error="AuthenticationFailed"
    ),
    FaultCase(
        "404", False, _status(404), error="ResourceNotFound", ims_error="FlowServiceRejected"
    ),
    FaultCase(
        "422", False, _status(422), error="FlowServiceRejected", ims_error="FlowServiceRejected"
    ),
]
FAULTS = TRANSIENT + PERMANENT

CREATES = (
    "create profile base",
    "create source",
    "create dest base",
    "create target",
    "create flow",
    "create input schema",
    "create output schema",
    "create mapping set",
)
# (call, fault) -> why it fails today. Remove an entry once the fix it names is merged.
# The last known gap (a POST applied after the client's read timeout left a duplicate) is
# closed: creates now re-find by name within a bounded wait. Add a cell here, with why it
# fails, only while a fix is pending.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def diagonal() -> list[tuple[Call, FaultCase]]:
    """One fault per call, every fault used at least once, no known gap: the slice that runs
    in ``make test``."""
    cells = []
    faults = list(FAULTS)
    offset = 0
    for index, call in enumerate(CALLS):
        for step in range(len(faults)):
            fault = faults[(index + offset + step) % len(faults)]
            if (call.name, fault.name) not in KNOWN_GAPS:
                offset += step
                cells.append((call, fault))
                break
    return cells


# ------------------------------------------------------------------------------ one cell


@dataclass
class Cell:
    call: Call
    fault: FaultCase
    status: str = ""
    stopped_at: str = "-"
    error: str = "-"
    attempts: int = 0
    calls: int = 0
    resources: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reruns: int = 0

    @property
    def holds(self) -> bool:
        return not self.problems

    @property
    def known_gap(self) -> str | None:
        return KNOWN_GAPS.get((self.call.name, self.fault.name))

    @property
    def verdict(self) -> str:
        if self.known_gap:
            return "KNOWN GAP" if not self.holds else "GAP CLOSED"
        return "holds" if self.holds else "FAILS"

    @property
    def as_expected(self) -> bool:
        """Holds, or is a listed gap that still fails."""
        return self.holds != bool(self.known_gap)

    def resources_text(self) -> str:
        return "/".join(str(self.resources.get(kind, 0)) for kind in KINDS)


def fresh_machine(emulator: Emulator, stack: LocalDeployment) -> Machine:
    """What tests/statemachine's ``machine`` fixture does before each test."""
    emulator.reset()
    _empty_queues(stack)
    stack.seed_secret(adobe_credentials_secret_name(stack), DEFAULT_CLIENT.credentials())
    stack.published_events()
    return Machine(emulator, stack)


def run_cell(emulator: Emulator, stack: LocalDeployment, call: Call, fault: FaultCase) -> Cell:
    started = time.monotonic()
    cell = Cell(call, fault)
    machine = fresh_machine(emulator, stack)
    request = example(call.request)
    if call.existing_flow:
        made = _run(machine, request)
        if made.status != "SUCCEEDED":
            cell.problems.append(f"setting up the existing flow failed: {made.error}")
            return cell
        request = with_dataflow(request, machine.only_flow()["id"])
        emulator.clear_requests()
        machine = Machine(emulator, stack)
    if call.cold:
        machine.cold()  # new containers and no shared token: the token call happens
    injected = fault.make(call)
    emulator.inject(*injected)
    result = _run(machine, request)
    if any(f.kind == "latency" for f in injected):
        _wait_for_late_answers(emulator)
    _observe(cell, machine, result)
    if emulator.pending_faults():
        cell.problems.append("the fault was never met: the call was not made as expected")
    if fault.transient:
        _judge_transient(cell, machine, result, request)
    else:
        _judge_permanent(cell, machine, result)
    emulator.clear_faults()
    cell.seconds = time.monotonic() - started
    return cell


class HistoryUnreadable(Exception):
    """moto 5.2.5 now and then cannot serialise the history of an execution whose Parallel
    failed while its other branch was running (GetExecutionHistory: "int() argument must be
    ... not 'dict'"), whatever the number of reads. The run is fine; moto cannot report it."""


def _run(machine: Machine, request: dict[str, Any]) -> ExecutionResult:
    arn = machine.start(request)
    for attempt in range(3):
        try:
            return machine.wait(arn)
        except TypeError as exc:
            if attempt == 2:
                raise HistoryUnreadable(str(exc)) from exc
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _wait_for_late_answers(emulator: Emulator, timeout: float = SLOW_ANSWER + 5) -> None:
    """A slow request is recorded when it finally ends: wait for it, so what it wrote late is
    counted in this cell (and cannot leak into the next)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.fault == "latency" for r in emulator.requests):
            return
        time.sleep(0.05)


def _faulted(machine: Machine, call: Call) -> list[Any]:
    return [r for r in machine.calls(call.method, call.path) if r.fault is not None]


def _observe(cell: Cell, machine: Machine, result: ExecutionResult) -> None:
    cell.status = result.status
    census = machine.census()
    cell.resources = census.get("prod", {})
    if set(census) - {"prod"}:
        cell.problems.append(f"resources in other sandboxes: {sorted(set(census) - {'prod'})}")
    cell.attempts = sum(visit.attempts for visit in result.visits_of(cell.call.state))
    cell.calls = len(
        [
            r
            for r in machine.calls(cell.call.method, cell.call.path)
            if cell.call.contains is None or _mentions(r, cell.call.contains)
        ]
    )
    events = machine.result_events(result.arn)
    if len(events) != 1:
        cell.problems.append(f"{len(events)} result events, expected 1")
        return
    failure = events[0]["detail"].get("failure")
    if failure:
        cell.stopped_at = str(failure.get("state"))
        cell.error = str(failure.get("error"))


def _looked_for_after(machine: Machine, call: Call) -> bool:
    """Whether a write was followed by a read of what it wrote: a create by a search for what
    it named, a PATCH by a read of the flow (a lost or unreadable answer's check: the write
    may have landed, so it is looked for rather than sent again)."""
    if call.method not in ("POST", "PATCH"):
        return False
    related = [
        r
        for r in machine.calls("*", call.path)
        if call.contains is None or _mentions(r, call.contains)
    ]
    methods = [r.method for r in related]
    if call.method not in methods:
        return False
    after = methods[methods.index(call.method) + 1 :]
    # After a PATCH, ValidateDataflow reads the flow anyway: the step's own re-read is a
    # second read.
    return after.count("GET") >= (2 if call.method == "PATCH" else 1)


def _mentions(recorded: Any, text: str) -> bool:
    query = " ".join(v for values in recorded.query.values() for v in values)
    body = recorded.body if isinstance(recorded.body, dict) else {}
    return text in query or body.get("name") == text


def _judge_transient(
    cell: Cell, machine: Machine, result: ExecutionResult, request: dict[str, Any]
) -> None:
    if result.status != "SUCCEEDED":
        cell.problems.append(f"{result.status}: {result.error}: {(result.cause or '')[:200]}")
        return
    if any(cell.resources.get(kind) != 1 for kind in KINDS):
        cell.problems.append(f"not exactly one of each resource: {cell.resources}")
        return
    try:
        assert_flow_holds(machine.only_flow(), request)
    except AssertionError as exc:
        cell.problems.append(f"the flow does not hold the request: {exc}")
    if cell.call.request == NEW_CARD_REQUEST:
        made = {
            "mappingSets": len(machine.emulator.list_resources("mappingSets")),
            "schemas": len(machine.emulator.list_resources("schemas")),
        }
        if made != {"mappingSets": 1, "schemas": 2}:
            cell.problems.append(f"not one mapping set and its two schemas: {made}")
    # Tried again by the state's Retry, or inside the step (Retry-After waited out, an
    # unreadable answer re-read), or, for a create whose answer was lost, looked for by name.
    if cell.attempts < 2 and cell.calls < 2 and not _looked_for_after(machine, cell.call):
        cell.problems.append("the call that met the fault was not tried again")


def _judge_permanent(cell: Cell, machine: Machine, result: ExecutionResult) -> None:
    call, expected = cell.call, cell.fault.expected_error(cell.call)
    if result.status != "FAILED":
        cell.problems.append(f"{result.status}, expected FAILED")
    if cell.stopped_at != call.state:
        cell.problems.append(f"stopped at {cell.stopped_at}, expected {call.state}")
    if cell.error != expected:
        cell.problems.append(f"error {cell.error}, expected {expected}")
    refused = _faulted(machine, call)
    sends = 2 if cell.fault.name == "401 persists" and not call.ims else 1
    if len(refused) != sends:
        cell.problems.append(f"the refused call was sent {len(refused)} times, expected {sends}")
    visits = result.visits_of(call.state)
    if [visit.attempts for visit in visits] != [1]:
        cell.problems.append(f"{call.state} attempts {[v.attempts for v in visits]}, expected [1]")
    if result.retry_sleeps(call.state):
        cell.problems.append(f"{call.state} was retried after the refusal")
    events = machine.result_events(result.arn)
    request_id = events[0]["detail"]["failure"].get("adobeRequestId") if events else None
    if refused and request_id != refused[-1].request_id:
        cell.problems.append(f"Adobe's request id {refused[-1].request_id} not reported")
    duplicated = {kind: n for kind, n in cell.resources.items() if n > 1}
    sets = len(machine.emulator.list_resources("mappingSets"))
    schemas = len(machine.emulator.list_resources("schemas"))
    if sets > 1 or schemas > 2:  # one set, with its input and output schema
        duplicated |= {"mappingSets": sets, "schemas": schemas}
    if duplicated:
        cell.problems.append(f"duplicated: {duplicated}")


# ------------------------------------------------------------------------------ the table


def run_matrix(
    emulator: Emulator,
    stack: LocalDeployment,
    cells: Iterable[tuple[Call, FaultCase]],
    progress: Callable[[Cell], None] | None = None,
) -> list[Cell]:
    done = []
    for call, fault in cells:
        try:
            cell = run_cell(emulator, stack, call, fault)
        except HistoryUnreadable:
            # Timing decides whether moto trips (see HistoryUnreadable): run the cell again,
            # once; a second failure is reported as the cell's problem.
            try:
                cell = run_cell(emulator, stack, call, fault)
            except HistoryUnreadable as exc:
                cell = Cell(call, fault, status="?", problems=[f"moto: history unreadable: {exc}"])
            cell.reruns = 1
        done.append(cell)
        if progress is not None:
            progress(cell)
    return done


HEADER = (
    f"{'call':<20} {'fault':<16} {'status':<9} {'stopped at':<31} {'error':<21} "
    f"{'att':>3} {'sent':>4} {'pb/db/sc/tc/fl':<14} verdict"
)


def row(cell: Cell) -> str:
    return (
        f"{cell.call.name:<20} {cell.fault.name:<16} {cell.status:<9} {cell.stopped_at:<31} "
        f"{cell.error:<21} {cell.attempts:>3} {cell.calls:>4} {cell.resources_text():<14} "
        f"{cell.verdict}"
    )


def summary(cells: Sequence[Cell]) -> list[str]:
    lines = [
        f"{len(cells)} cells ({len(CALLS)} calls x {len(FAULTS)} faults"
        f"{'' if len(cells) == len(CALLS) * len(FAULTS) else ', a slice'}): "
        f"{sum(c.holds for c in cells)} hold, "
        f"{sum(bool(c.known_gap) and not c.holds for c in cells)} known gaps, "
        f"{sum(not c.as_expected for c in cells)} unexpected"
    ]
    reran = [f"{c.call} x {c.fault}" for c in cells if c.reruns]
    if reran:
        lines.append(f"  run again once after moto could not report the history: {reran}")
    for cell in cells:
        if cell.known_gap and not cell.holds:
            lines.append(f"  known gap  {cell.call} x {cell.fault}: {cell.known_gap}")
        elif cell.known_gap:
            lines.append(f"  GAP CLOSED {cell.call} x {cell.fault}: remove it from KNOWN_GAPS")
        elif not cell.holds:
            lines.append(f"  FAILS      {cell.call} x {cell.fault}: {'; '.join(cell.problems)}")
    return lines
