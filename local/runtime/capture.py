"""What the handlers print or log, per function, in the order it was read.

Handlers run in their own container processes (:mod:`local.runtime.functions`); each
container's stdout, stderr and logging records are read by the host and recorded here under
the function's name.

While installed, a root logging handler also keeps this process quiet about moto's
interpreter noise (every failed state is logged at ERROR, and the execution history says it
all); anyone else's records go where logging would have sent them without it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Literal

Source = Literal["stdout", "stderr", "logging"]


@dataclass(frozen=True)
class CapturedLine:
    function: str
    source: Source
    text: str


class _QuietMoto(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
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
        self._lock = threading.Lock()
        self._lines: list[CapturedLine] = []
        self._handler = _QuietMoto(level=logging.NOTSET)
        self._installed = False

    @property
    def lines(self) -> list[CapturedLine]:
        with self._lock:
            return list(self._lines)

    def record(self, function: str, source: Source, text: str) -> None:
        with self._lock:
            self._lines.append(CapturedLine(function, source, text))

    def install(self) -> None:
        if not self._installed:
            self._installed = True
            logging.getLogger().addHandler(self._handler)

    def uninstall(self) -> None:
        if self._installed:
            self._installed = False
            logging.getLogger().removeHandler(self._handler)
