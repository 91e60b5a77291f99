"""The runtime inside one local Lambda container: a process of its own, for one function.

It stands in for Lambda's runtime interface client and imports nothing of the local runtime,
so the handler sees what it would see on Lambda: its code directory, then its layers, then
the installed packages on ``sys.path``; its own environment; its own module state, kept from
one call to the next (a warm container).

``python bootstrap.py --zygote`` is the container factory (:class:`local.runtime.functions.Zygote`
talks to it): it imports the heavy third-party packages once, then forks one container per
request. A container thus starts in milliseconds instead of paying for those imports on a
2-core machine running dozens of them.

``python bootstrap.py --fresh`` is one container as a cold Lambda starts it, for the stacks that
measure cold starts (:class:`local.runtime.functions.ColdStarts`): an interpreter that has
imported nothing imports its handler first (the init phase) and reports how long that took.

Protocol (one call at a time, as in a Lambda container):

- stdin: one JSON document a line, ``{"event": ..., "context": {...}}``;
- the reply channel (file descriptor ``_LOCAL_REPLY_FD``): JSON lines, ``{"log": text}`` for
  each logging record, then ``{"result": ...}`` or ``{"errorType": ..., "errorMessage": ...}``;
- stdout and stderr: whatever the handler prints, each ending the call with :data:`END`, so
  the host knows it has read all of a call's output before answering the caller.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import signal
import socket
import sys
import time
from typing import Any, TextIO

END = "\x00end-of-invocation\x00"


class LambdaContext:
    def __init__(self, fields: dict[str, Any]) -> None:
        self.function_name: str = fields["function_name"]
        self.function_version: str = fields["function_version"]
        self.invoked_function_arn: str = fields["invoked_function_arn"]
        self.memory_limit_in_mb: int = fields["memory_limit_in_mb"]
        self.aws_request_id: str = fields["aws_request_id"]
        self.log_group_name: str = fields["log_group_name"]
        self.log_stream_name: str = fields["log_stream_name"]
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = time.monotonic() + fields["remaining_ms"] / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _ReplyHandler(logging.Handler):
    """Lambda's runtime puts a handler on the root logger; records go to the host's capture."""

    def __init__(self, reply: TextIO) -> None:
        super().__init__(level=logging.NOTSET)
        self._reply = reply
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        _send(self._reply, {"log": self.format(record)})


def _send(reply: TextIO, document: dict[str, Any]) -> None:
    reply.write(json.dumps(document) + "\n")
    reply.flush()


def _end_output() -> None:
    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
        with contextlib.suppress(OSError, ValueError):  # a handler may have closed it
            stream.flush()
        os.write(fd, f"{END}\n".encode())


def _load(handler_path: str) -> Any:
    module_name, _, attribute = handler_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _call(handler: Any, command: dict[str, Any]) -> dict[str, Any]:
    try:
        result = handler(command["event"], LambdaContext(command["context"]))
    except Exception as exc:
        return {"errorType": type(exc).__name__, "errorMessage": str(exc)}
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        return {"errorType": "Runtime.MarshalError", "errorMessage": str(exc)}
    return {"result": result}


def serve(reply_fd: int, search_path: list[str], *, eager: bool = False) -> None:
    """Answer calls, one at a time, until stdin closes.

    ``eager``: import the handler before the first call and report ``{"init": {...}}`` (its
    wall and CPU seconds), as Lambda's init phase does for a cold start; otherwise the first
    call imports it. Each outcome carries the CPU seconds the call used (``cpu``).
    """
    reply = os.fdopen(reply_fd, "w", encoding="utf-8")
    sys.path[:0] = search_path
    logging.getLogger().addHandler(_ReplyHandler(reply))
    handler_path = os.environ["_HANDLER"]
    handler = None
    import_error: dict[str, Any] | None = None

    def load() -> None:
        nonlocal handler, import_error
        try:
            handler = _load(handler_path)
            import_error = None
        except Exception as exc:
            module = handler_path.rpartition(".")[0]
            import_error = {
                "errorType": "Runtime.ImportModuleError",
                "errorMessage": f"Unable to import module '{module}': {exc}",
            }

    if eager:
        wall, cpu = time.perf_counter(), time.process_time()
        load()
        _send(
            reply,
            {"init": {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu}},
        )
    for line in sys.stdin:
        command = json.loads(line)
        cpu = time.process_time()
        if handler is None:
            load()
        outcome = _call(handler, command) if import_error is None else import_error
        outcome = {**outcome, "cpu": time.process_time() - cpu}
        _end_output()
        _send(reply, outcome)


def fresh() -> None:
    """One container in an interpreter of its own that has imported nothing in advance, as a
    cold Lambda's is: the host starts it with its environment, ``cwd`` and file descriptors."""
    sys.path.pop(0)  # this script's folder, which holds the local runtime's modules
    search_path = json.loads(os.environ.pop("_LOCAL_SEARCH_PATH"))
    serve(int(os.environ.pop("_LOCAL_REPLY_FD")), search_path, eager=True)


def zygote() -> None:
    """Preload, then fork a container for each request on the control socket.

    A request is one datagram: JSON ``{"environment", "cwd", "searchPath"}`` with four file
    descriptors attached (the container's stdin, stdout, stderr and reply channel); the
    answer is ``{"pid": ...}``. An empty datagram (or the host going away) ends the factory.
    """
    sys.path.pop(0)  # this script's folder, which holds the local runtime's modules
    for name in json.loads(os.environ.pop("_LOCAL_PRELOAD", "[]")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - a package a function does not use may be absent
            continue
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # containers are reaped by the kernel
    control = socket.socket(fileno=int(os.environ.pop("_LOCAL_CONTROL_FD")))
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
        if not message:
            return
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for target, fd in zip((0, 1, 2), fds[:3], strict=True):
                os.dup2(fd, target)
                os.close(fd)
            os.environ.clear()
            os.environ.update(request["environment"])
            os.chdir(request["cwd"])
            try:
                serve(fds[3], request["searchPath"])
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    fresh() if "--fresh" in sys.argv[1:] else zygote()
