"""Record, and skip or shorten, the interpreter's Retry back-off sleeps and Wait states.

moto sleeps for real: a Retry waits with ``time.sleep`` in
``moto.stepfunctions.parser.asl.component.common.retry.retrier_decl`` (module attribute
``time``), a Wait state waits on ``env.program_state_event`` in
``WaitFunction._wait_interval``. While installed, :class:`SleepRecorder` swaps both, keeps
what was asked (state, execution, seconds, after MaxDelaySeconds and jitter) and sleeps
``seconds * scale`` instead (0: not at all).

Time the runtime skips in a Wait state can be handed on: :func:`add_wait_listener` registers
a callable that gets the seconds of every Wait (the embedded emulator advances its clock, so
that what Adobe would do meanwhile, a scheduled dataflow run, happens during the wait).
"""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

SleepKind = Literal["retry", "wait"]
WaitListener = Callable[[float], None]
_wait_listeners: list[WaitListener] = []
_listeners_lock = threading.Lock()


def add_wait_listener(listener: WaitListener) -> None:
    """Call ``listener(seconds)`` for every Wait state, slept or skipped, from now on."""
    with _listeners_lock:
        _wait_listeners.append(listener)


def remove_wait_listener(listener: WaitListener) -> None:
    with _listeners_lock:
        if listener in _wait_listeners:
            _wait_listeners.remove(listener)


def _tell_wait_listeners(seconds: float) -> None:
    with _listeners_lock:
        listeners = list(_wait_listeners)
    for listener in listeners:
        listener(seconds)


@dataclass(frozen=True)
class RecordedSleep:
    kind: SleepKind
    state: str | None
    execution_arn: str | None
    seconds: float


def _where(env: Any) -> tuple[str | None, str | None]:
    """The state and execution an interpreter environment is evaluating, if it says."""
    try:
        context = env.states.context_object.context_object_data
        return context.get("State", {}).get("Name"), context.get("Execution", {}).get("Id")
    except AttributeError:
        return None, None


class _RetryClock(types.ModuleType):
    """Stands in for the ``time`` module inside retrier_decl; only ``sleep`` differs."""

    def __init__(self, recorder: SleepRecorder) -> None:
        super().__init__("time")
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        # RetrierDecl._eval_body(self, env) is the caller: its ``env`` says which state
        # is retrying (moto 5.2.x; if that ever changes the sleep is still recorded).
        caller = sys._getframe(1)
        state, execution = _where(caller.f_locals.get("env"))
        self._recorder.record("retry", state, execution, seconds)
        if self._recorder.scale > 0:
            time.sleep(seconds * self._recorder.scale)


class SleepRecorder:
    """Install with :meth:`install`, undo with :meth:`uninstall` (or use as a context)."""

    def __init__(self, scale: float = 0.0) -> None:
        if scale < 0:
            raise ValueError("scale must be >= 0")
        self.scale = scale
        self._lock = threading.Lock()
        self._sleeps: list[RecordedSleep] = []
        self._saved_time: Any = None
        self._saved_wait: Any = None

    @property
    def sleeps(self) -> list[RecordedSleep]:
        with self._lock:
            return list(self._sleeps)

    def record(
        self, kind: SleepKind, state: str | None, execution: str | None, seconds: float
    ) -> None:
        with self._lock:
            self._sleeps.append(RecordedSleep(kind, state, execution, float(seconds)))

    def install(self) -> None:
        if self._saved_time is not None:
            raise RuntimeError("SleepRecorder is already installed")
        self._saved_time = retrier_decl.time  # type: ignore[attr-defined]
        self._saved_wait = wait_function.WaitFunction._wait_interval
        recorder = self

        def wait_interval(function: Any, env: Any, wait_seconds: float) -> None:
            state, execution = _where(env)
            recorder.record("wait", state, execution, wait_seconds)
            _tell_wait_listeners(wait_seconds)
            if recorder.scale > 0 and wait_seconds > 0:
                # Woken early when the execution is stopped, like moto's own wait.
                env.program_state_event.wait(wait_seconds * recorder.scale)

        retrier_decl.time = _RetryClock(self)  # type: ignore[attr-defined]
        wait_function.WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        if self._saved_time is None:
            return
        retrier_decl.time = self._saved_time  # type: ignore[attr-defined]
        wait_function.WaitFunction._wait_interval = self._saved_wait  # type: ignore[method-assign]
        self._saved_time = None
        self._saved_wait = None

    def __enter__(self) -> SleepRecorder:
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()
