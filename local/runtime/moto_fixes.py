"""Where moto 5.2.5's interpreter departs from AWS Step Functions, and the corrections.

**A definite path through an array index yields a list.** ``$[0].id`` or ``$.items[0].id``
evaluate to ``["x"]`` in moto but to ``"x"`` on AWS (Jayway JsonPath: a path without
filters, wildcards, slices, unions or deep scan is *definite* and yields the value itself).
moto wraps every match whose parent was reached by an index: its fix for filter expressions
(getmoto/moto#7825) is broader than filters. A Parallel state's ``ResultSelector`` reading
``$[0].someId`` is the everyday victim. :class:`JsonPathFix` wraps moto's ``extract_json``
so that a definite path with exactly one match yields that match's value; every other path
is left to moto.

**DynamoDB conditional writes are not atomic.** moto checks a ``ConditionExpression`` and then
writes, with no lock: two PutItems racing from the server's threads can both pass
``attribute_not_exists`` (observed: two executions holding one activation lease). On AWS a
conditional write is atomic. :class:`DynamoDBAtomicWritesFix` runs the backend's writes one
at a time.

**The 256 KiB state limit is looser than AWS's.** moto fails a state whose output or a
Lambda's result reaches 256 KiB, but lets ``States.ALL`` catch and retry that
``States.DataLimitExceeded`` (and ``States.Runtime``), refuses exactly 262,144 bytes, and never
checks what ``Parameters`` hands a state. On AWS neither error is matched by ``States.ALL``
(the execution fails), 262,144 bytes are allowed, and a state's input after ``Parameters`` is
held to the limit as well. :class:`DataLimitFix` makes the local runtime as strict as AWS.

**The context object's times are in another format.** ``$$.State.EnteredTime`` is
``2026-12-07T00:10:27.456064+00:00`` in moto, ``2026-12-07T00:10:27.456Z`` on AWS
(milliseconds, UTC as ``Z``). The registry keeps it as ``updatedAt`` and compares it as text
(a late write never replaces a newer one), so the local runtime must write what AWS writes:
:class:`ContextTimeFix` gives states AWS's format.

**Local costs, not departures.** moto spends time AWS does not, on the thread that runs the
execution: it parses the definition on every StartExecution (:class:`ParseOnceFix`), builds
a boto3 client for every Task (:class:`ClientReuseFix`) and parses every JSONPath anew
(:class:`PathParseOnceFix`). Each fix keeps the result instead of making it again.

**Which are moto bugs.** :class:`JsonPathFix`, :class:`DynamoDBAtomicWritesFix`,
:class:`DataLimitFix`, :class:`ContextTimeFix`, :class:`ParallelStopFix` and
:class:`HistoryTimeoutFix` correct moto bugs (results that differ from AWS's); each one's
docstring says which moto function is wrong and what upstream would need, so the fix can go
once moto has it. The three local costs are not bugs: moto is right, only slower.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import json
import re
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import jsonpath_ng
import jsonpath_ng.ext
from moto.core.models import botocore_stubber
from moto.dynamodb.models import DynamoDBBackend
from moto.settings import moto_server_port
from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import (
    ErrorEqualsDecl,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.parargs import Parargs
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branch_worker import (
    BranchWorker,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils import boto_client, json_path
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

# Every module that imported ``extract_json`` by name (moto 5.2.5).
_USERS = (
    "moto.stepfunctions.parser.asl.utils.json_path",
    "moto.stepfunctions.parser.asl.eval.states",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.boolean_equals",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.numeric",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.string_operators",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.timestamp_operators",
)
# Filters ?( ), wildcards, slices, unions and deep scan make a path indefinite.
_INDEFINITE = re.compile(r"\?\(|\*|\.\.|\[[^\]]*[:,][^\]]*\]")


def is_definite(path: str) -> bool:
    return _INDEFINITE.search(path) is None


# A parsed JSONPath depends on its text alone, and evaluating one only reads it (see
# PathParseOnceFix): parse each text once. The paths come from the definitions, so few.
parse = functools.lru_cache(maxsize=4096)(jsonpath_ng.ext.parse)  # type: ignore[attr-defined]
_parse_plain = functools.lru_cache(maxsize=4096)(jsonpath_ng.parse)  # type: ignore[attr-defined]


def aws_extract_json(original: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    def extract_json(path: str, data: Any) -> Any:
        if "[" in path and is_definite(path):
            matches = parse(path).find(data)
            if len(matches) == 1:
                return matches[0].value
        return original(path, data)

    return extract_json


class _GlobalSwaps:
    """Replace a module's global (where moto imported a function by name) or a class's method,
    and put every one back on :meth:`uninstall`: the mechanism of the fixes that wrap one of
    moto's functions."""

    def __init__(self) -> None:
        self._swapped: list[tuple[Any, str, Any]] = []

    def _swap(self, owner: ModuleType | type, name: str, value: Any) -> None:
        # What the owner itself holds (a class's staticmethod, not the function it wraps), so
        # that uninstall puts back exactly that.
        held = vars(owner)[name] if name in vars(owner) else getattr(owner, name)
        self._swapped.append((owner, name, held))
        setattr(owner, name, value)

    def _swap_where_imported(
        self, modules: tuple[str, ...], name: str, original: Any, value: Any
    ) -> None:
        for module_name in modules:
            module = importlib.import_module(module_name)
            if getattr(module, name, None) is original:
                self._swap(module, name, value)

    def uninstall(self) -> None:
        for module, name, original in reversed(self._swapped):
            setattr(module, name, original)
        self._swapped = []


class JsonPathFix(_GlobalSwaps):
    """A definite path through an index yields the value, as on AWS (see the module doc).

    A moto bug. Upstream would need, in
    ``moto.stepfunctions.parser.asl.utils.json_path.extract_json``, the list only for an
    indefinite path (filter, wildcard, slice, union, deep scan) or several matches: the test
    ``matches[0].context.path`` is an ``Index`` (its fix for getmoto/moto#7825) should apply
    to filter expressions only. AWS evaluates definite paths as Jayway JsonPath does.
    """

    def install(self) -> None:
        if self._swapped:
            return
        original = json_path.extract_json
        self._swap_where_imported(_USERS, "extract_json", original, aws_extract_json(original))


MAX_STATE_BYTES = 256 * 1024
"""Step Functions' quota on a state's input, output and a task's result, as UTF-8 JSON."""

# Every module that imported moto's size check by name (moto 5.2.5).
_QUOTA_USERS = (
    "moto.stepfunctions.parser.asl.component.state.state",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
)
# What States.ALL does not match on AWS: the execution fails.
_TERMINAL = (
    StatesErrorNameType.StatesStatesDataLimitExceeded,
    StatesErrorNameType.StatesRuntime,
)


def state_bytes(value: Any) -> int:
    """Bytes of ``value`` as Step Functions counts them: compact JSON in UTF-8, characters
    as they are (moto's own encoding escapes non-ASCII, six bytes for an "é")."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return len(text.encode("utf-8"))


def within_state_quota(value: Any) -> bool:
    return state_bytes(value) <= MAX_STATE_BYTES


class DataLimitFix(_GlobalSwaps):
    """Hold every state to 256 KiB as AWS does (see the module doc): 262,144 bytes pass, the
    input ``Parameters`` make is checked too, and ``States.ALL`` neither retries nor catches
    ``States.DataLimitExceeded`` or ``States.Runtime``.

    A moto bug, in four places upstream: ``moto.stepfunctions.parser.quotas.is_within_size_quota``
    would compare with ``<=`` and count compact JSON with non-ASCII unescaped;
    ``ErrorEqualsDecl._eval_body`` (``...component.common.error_name.error_equals_decl``)
    would not let ``States.ALL`` match those two errors; ``Parargs._eval_body``
    (``...component.common.parargs``) would check the input it builds; and
    ``branches_decl`` (``...state_parallel.branches_decl``) would re-raise a branch's
    ``States.`` error under its own name instead of a ``CustomErrorName``. AWS's quotas
    page gives the 256 KiB limit; its error handling page says ``States.ALL`` does not catch
    ``States.DataLimitExceeded`` or runtime errors.
    """

    def install(self) -> None:
        if self._swapped:
            return
        from moto.stepfunctions.parser import quotas

        self._swap_where_imported(
            _QUOTA_USERS, "is_within_size_quota", quotas.is_within_size_quota, within_state_quota
        )
        # A Parallel re-raises a branch's error under a custom name, which moto refuses for a
        # "States." one (the execution then fails with States.Runtime): keep the States. name.
        self._swap(branches_decl, "CustomErrorName", error_name_of)
        self._swap(Parargs, "_eval_body", self._checked_parameters(Parargs._eval_body))
        self._swap(
            ErrorEqualsDecl, "_eval_body", self._all_but_terminal(ErrorEqualsDecl._eval_body)
        )

    @staticmethod
    def _checked_parameters(original: Callable[..., None]) -> Callable[..., None]:
        def _eval_body(component: Any, env: Any) -> None:
            original(component, env)
            if env.stack and not within_state_quota(env.stack[-1]):
                raise data_limit_exceeded(env, "the input its Parameters made")

        return _eval_body

    @staticmethod
    def _all_but_terminal(original: Callable[..., None]) -> Callable[..., None]:
        all_errors = StatesErrorName(typ=StatesErrorNameType.StatesALL)

        def _eval_body(component: Any, env: Any) -> None:
            error = env.stack[-1]
            terminal = isinstance(error, StatesErrorName) and error.typ in _TERMINAL
            if terminal and all_errors in component.error_names:
                env.stack.pop()
                env.stack.append(False)
                return
            original(component, env)

        return _eval_body


def error_name_of(error_name: str | None) -> Any:
    if error_name is not None and error_name.startswith("States."):
        return StatesErrorName.from_name(error_name)
    return CustomErrorName(error_name=error_name)


def data_limit_exceeded(env: Any, what: str) -> FailureEventException:
    error = StatesErrorNameType.StatesStatesDataLimitExceeded
    name = env.states.context_object.context_object_data.get("State", {}).get("Name", "")
    cause = (
        f"The state/task '{name}' returned a result with a size exceeding the maximum number "
        f"of bytes service limit ({what})."
    )
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(  # type: ignore[typeddict-item]
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=error.to_name(), cause=cause
                )
            ),
        )
    )


class ParallelStopFix(_GlobalSwaps):
    """**A failed Parallel state abandons its other branches mid-Task.** When one branch fails,
    moto stops the others and moves on at once, while their threads still wait on a running
    Task; when that Task returns, the abandoned thread keeps evaluating and writes into the
    execution's shared event history (observed: a history event holding a state's input as
    ``timeoutInSeconds``, which then breaks GetExecutionHistory). AWS stops those branches
    cleanly. The fix: stopping a branch waits for its thread to end (the running Task's
    Lambda returns; the stopped branch then evaluates nothing more).

    A moto bug. Upstream would need ``BranchWorker.stop``
    (``...state_parallel.branch_worker``) to join the branch's worker thread, or the
    stopped branch's environment to refuse further history writes.
    """

    JOIN_SECONDS = 300.0

    def install(self) -> None:
        if self._swapped:
            return
        original = BranchWorker.stop

        def stop(worker: BranchWorker, stop_date: Any, cause: Any, error: Any) -> None:
            original(worker, stop_date, cause, error)
            thread = worker._worker_thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(ParallelStopFix.JOIN_SECONDS)

        self._swap(BranchWorker, "stop", stop)


class DynamoDBAtomicWritesFix:
    """Serialise moto's DynamoDB writes, so a condition and its write are one step (see the
    module doc). Install it for as long as handlers may write concurrently.

    A moto bug. Upstream would need ``moto.dynamodb.models.table.Table.put_item`` (and
    ``update_item``, ``delete_item``, the transact and batch writes in
    ``moto.dynamodb.models.DynamoDBBackend``) to evaluate the ``ConditionExpression`` and
    write under one lock per table. On AWS a conditional write is atomic.
    """

    WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
    _lock = threading.RLock()

    def __init__(self) -> None:
        self._originals: dict[str, Any] = {}

    def install(self) -> None:
        if self._originals or getattr(DynamoDBBackend, "_local_atomic_writes", False):
            return  # installed already (by this or another stack)
        for name in self.WRITES:
            original = self._originals[name] = getattr(DynamoDBBackend, name)
            setattr(DynamoDBBackend, name, self._locked(original))
        DynamoDBBackend._local_atomic_writes = True  # type: ignore[attr-defined]

    @classmethod
    def _locked(cls, original: Callable[..., Any]) -> Callable[..., Any]:
        def write(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with cls._lock:
                return original(backend, *args, **kwargs)

        return write

    def uninstall(self) -> None:
        if not self._originals:
            return
        for name, original in self._originals.items():
            setattr(DynamoDBBackend, name, original)
        DynamoDBBackend._local_atomic_writes = False  # type: ignore[attr-defined]
        self._originals = {}


class HistoryTimeoutFix(_GlobalSwaps):
    """**A history event moto cannot serialise.** Rarely, after one Parallel branch fails
    while another is mid-Task, moto records a ``LambdaFunctionScheduled`` event whose
    ``timeoutInSeconds`` is a state's input instead of a number (a race inside its
    interpreter, not pinned down; :class:`ParallelStopFix` narrows it). GetExecutionHistory
    then fails on every read. AWS records the Task's TimeoutSeconds there; the fix drops the
    field when it is not a number, so the rest of the history stays readable.

    A moto bug, most likely the same race as :class:`ParallelStopFix`'s:
    ``StateTaskLambda._eval_execution`` (``...state_task.state_task_lambda``) evaluates the
    timeout and pops it from the environment's shared stack, which a thread left running
    can push onto meanwhile. Upstream would need the timeout evaluated without the shared
    stack, or stopped branches joined.
    """

    def install(self) -> None:
        if self._swapped:
            return
        original = StepFunctionsParserBackend.get_execution_history

        def get_execution_history(backend: Any, execution_arn: str) -> Any:
            history = original(backend, execution_arn)
            for event in history.get("events", []):
                details = event.get("lambdaFunctionScheduledEventDetails")
                if details and not isinstance(details.get("timeoutInSeconds", 0), int):
                    del details["timeoutInSeconds"]
            return history

        self._swap(StepFunctionsParserBackend, "get_execution_history", get_execution_history)


class ParseOnceFix(_GlobalSwaps):
    """**A local cost, not a departure from AWS.** moto lexes and parses the whole definition
    with its pure-Python ANTLR parser on every StartExecution: about 0.25 s for this state
    machine, where AWS starts an execution in milliseconds, so every local execution (and
    every benchmark figure) would carry it. The parse tree depends on the definition alone and
    is only read afterwards, so it is kept per definition; the evaluation components are still
    built afresh for each execution, as they hold that execution's state. A definition that
    does not parse is not kept and fails as before."""

    def install(self) -> None:
        if self._swapped:
            return
        original = AmazonStateLanguageParser.__dict__["parse"]
        trees: dict[str, Any] = {}

        def parse(definition: str) -> tuple[Any, Any]:
            tree = trees.get(definition)
            if tree is None:
                _, tree = original.__func__(definition)
                trees[definition] = tree
            return Preprocessor().visit(tree), tree

        self._swap(AmazonStateLanguageParser, "parse", staticmethod(parse))


# Every module that imported ``boto_client_for`` by name for a Task this project's ASL can
# hold (moto 5.2.5): Lambda, and the optimised and SDK service integrations.
_CLIENT_USERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
)


class ClientReuseFix(_GlobalSwaps):
    """**A local cost, not a departure from AWS.** moto builds a new boto3 client for every
    Task it runs (``boto_client_for``): 6 ms of CPU alone, more with the containers' threads
    about, on every Lambda step, where Step Functions on AWS builds none. The client moto
    builds depends only on the region, the service and where calls go (intercepted, or the
    moto server); its credentials are fixed. So one client per such key is kept: botocore's
    clients are safe to share between threads."""

    def install(self) -> None:
        if self._swapped:
            return
        original = boto_client.boto_client_for
        clients: dict[tuple[str, str, str], Any] = {}
        lock = threading.Lock()

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            key = (region, service, "" if botocore_stubber.enabled else str(moto_server_port()))
            with lock:
                client = clients.get(key)
                if client is None:
                    client = clients[key] = original(region, service, state_credentials)
                return client

        self._swap_where_imported(_CLIENT_USERS, "boto_client_for", original, boto_client_for)


class PathParseOnceFix(_GlobalSwaps):
    """**A local cost, not a departure from AWS.** moto parses every JSONPath it evaluates
    (InputPath, each ``.$`` field of Parameters and ResultSelector, ResultPath, each Choice
    variable) with jsonpath_ng's PLY parser: about 1 ms each, some 56 for one activation, all
    on the execution's own thread, between one Task and the next. Step Functions on AWS
    spends no such time. Each path's text is parsed once (``parse`` above)."""

    def install(self) -> None:
        if self._swapped:
            return
        self._swap(json_path, "parse", parse)
        self._swap(result_path, "parse", _parse_plain)


def aws_timestamp(text: str) -> str:
    """An ISO 8601 time as Step Functions' context object gives it: UTC, milliseconds, ``Z``."""
    moment = datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ContextTimeFix(_GlobalSwaps):
    """``$$.State.EnteredTime`` in AWS's format (see the module doc).

    A moto bug. Upstream would need ``State._eval_body``
    (``moto.stepfunctions.parser.asl.component.state.state``) to build ``StateData`` with
    ``EnteredTime`` as AWS gives it: UTC, milliseconds, ``Z`` (``2026-12-07T00:10:27.456Z``),
    not ``datetime.isoformat()``.
    """

    def install(self) -> None:
        if self._swapped:
            return
        original: Any = state_module.StateData  # type: ignore[attr-defined]

        def state_data(*, EnteredTime: str, Name: str) -> Any:
            return original(EnteredTime=aws_timestamp(EnteredTime), Name=Name)

        self._swap(state_module, "StateData", state_data)
