"""Capture what handlers print or log, per function, without hiding anyone else's output.

Handlers run on the interpreter's threads while the caller (a test, the CLI) keeps printing
on its own. So capture is per thread: ``sys.stdout``/``sys.stderr`` become routing streams
that divert writes made inside :meth:`LogCapture.capturing` and pass every other write
through; a root logging handler keeps records logged inside it (other records go where
logging would have sent them, except moto's own ERROR lines about failed states).

The routing streams are (re)installed at the start of every capture, because others replace
``sys.stdout`` too (pytest does between test phases). Powertools' Logger binds its stream
when it is created (inside a handler, so to a routing stream), which is why routing streams
stay usable after :meth:`LogCapture.uninstall`: they pass everything through.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TextIO

Source = Literal["stdout", "stderr", "logging"]


@dataclass(frozen=True)
class CapturedLine:
    function: str
    source: Source
    text: str


class _RoutedStream(io.TextIOBase):
    def __init__(self, target: TextIO, source: Source, capture: LogCapture) -> None:
        self.target = target
        self.source: Source = source
        self.capture = capture

    def write(self, text: str) -> int:
        if not self.capture.feed(self.source, text):
            self.target.write(text)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")


class _CapturingHandler(logging.Handler):
    def __init__(self, capture: LogCapture) -> None:
        super().__init__(level=logging.NOTSET)
        self._capture = capture
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if self._capture.current_function() is not None:
            self._capture.feed("logging", self.format(record) + "\n")
            return
        # Anyone else's record goes where logging would have sent it without this handler
        # (stderr, when nothing is configured), except moto's interpreter noise: every
        # failed state is logged at ERROR, and the execution history says it all.
        fallback = logging.lastResort
        if (
            fallback is not None
            and record.levelno >= fallback.level
            and logging.getLogger().handlers == [self]
            and not record.name.startswith("moto")
        ):
            fallback.handle(record)


class LogCapture:
    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._lines: list[CapturedLine] = []
        self._handler = _CapturingHandler(self)
        self._installed = False

    @property
    def lines(self) -> list[CapturedLine]:
        with self._lock:
            return list(self._lines)

    def install(self) -> None:
        if self._installed:
            return
        self._installed = True
        self._route_std_streams()
        logging.getLogger().addHandler(self._handler)

    def uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        logging.getLogger().removeHandler(self._handler)
        if isinstance(sys.stdout, _RoutedStream) and sys.stdout.capture is self:
            sys.stdout = sys.stdout.target
        if isinstance(sys.stderr, _RoutedStream) and sys.stderr.capture is self:
            sys.stderr = sys.stderr.target

    def _route_std_streams(self) -> None:
        if not (isinstance(sys.stdout, _RoutedStream) and sys.stdout.capture is self):
            sys.stdout = _RoutedStream(sys.stdout, "stdout", self)
        if not (isinstance(sys.stderr, _RoutedStream) and sys.stderr.capture is self):
            sys.stderr = _RoutedStream(sys.stderr, "stderr", self)

    def current_function(self) -> str | None:
        return getattr(self._local, "function", None)

    @contextmanager
    def capturing(self, function: str) -> Iterator[None]:
        """Everything this thread prints or logs inside belongs to ``function``."""
        if self._installed:
            self._route_std_streams()
        outer = self.current_function()
        self._local.function = function
        self._local.partial = {}
        try:
            yield
        finally:
            for source, rest in self._local.partial.items():
                if rest:
                    self._append(function, source, rest)
            self._local.function = outer
            self._local.partial = {}

    def feed(self, source: Source, text: str) -> bool:
        """Keep ``text`` if this thread is capturing; False means "not mine, pass it on"."""
        function = self.current_function()
        if function is None:
            return False
        pending: dict[Source, str] = self._local.partial
        *complete, rest = (pending.get(source, "") + text).split("\n")
        pending[source] = rest
        for line in complete:
            self._append(function, source, line)
        return True

    def _append(self, function: str, source: Source, text: str) -> None:
        with self._lock:
            self._lines.append(CapturedLine(function, source, text))
