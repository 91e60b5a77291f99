"""``os.environ`` as each thread should see it while functions run in this process.

A Lambda function has its process to itself, environment included. Here one process hosts
them all, and the interpreter runs Parallel branches (and the caller polls) on other
threads at the same time. Setting a function's variables in the real ``os.environ`` would
show them to every thread, and deleting them afterwards breaks any thread iterating the
environment at that moment (``KeyError`` inside botocore's proxy lookup, observed).

:class:`ThreadEnviron` replaces ``os.environ`` (``os.getenv`` reads it too) while installed:
a thread inside :meth:`ThreadEnviron.private` reads and writes its own copy (the process
environment plus the function's variables); every other thread sees the process
environment untouched. Threads a handler starts itself see the process environment.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager


class ThreadEnviron(MutableMapping[str, str]):
    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process
        self._local = threading.local()

    def _view(self) -> MutableMapping[str, str]:
        view: MutableMapping[str, str] | None = getattr(self._local, "view", None)
        return self.process if view is None else view

    def __getitem__(self, name: str) -> str:
        return self._view()[name]

    def __setitem__(self, name: str, value: str) -> None:
        self._view()[name] = value

    def __delitem__(self, name: str) -> None:
        del self._view()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._view()))

    def __len__(self) -> int:
        return len(self._view())

    def copy(self) -> dict[str, str]:
        """As ``os.environ.copy()``."""
        return dict(self._view())

    def environment_with(self, variables: Mapping[str, str]) -> dict[str, str]:
        """A private environment: the process environment plus ``variables``."""
        return {**dict(self.process), **variables}

    @contextmanager
    def private(self, environment: dict[str, str]) -> Iterator[None]:
        """Inside, this thread sees (and changes) only ``environment``."""
        outer = getattr(self._local, "view", None)
        self._local.view = environment
        try:
            yield
        finally:
            self._local.view = outer

    def install(self) -> None:
        os.environ = self  # type: ignore[assignment]  # noqa: B003 - replaced on purpose

    def uninstall(self) -> None:
        # Whoever kept a reference (a botocore session) still gets the process environment.
        if os.environ is self:
            os.environ = self.process  # type: ignore[assignment]  # noqa: B003
