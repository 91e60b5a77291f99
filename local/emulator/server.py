"""HTTP plumbing: a threading HTTP/1.1 server on real sockets, faults, recording, dispatch."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Protocol
from urllib.parse import parse_qs, unquote_plus, urlsplit

from local.emulator import adhoc, audiences, errors, gateway, ims, masking, routes
from local.emulator.context import ServiceContext
from local.emulator.exchange import Call, Reply
from local.emulator.faults import (
    CONVERSION_BASE,
    DEFAULT_GARBAGE,
    FLOW_SERVICE_BASE,
    Fault,
    FaultKind,
    FaultRegistry,
)
from local.emulator.identifiers import new_request_id
from local.emulator.ims import TokenRegistry
from local.emulator.recording import RecordedRequest, Recorder, parse_body

ADMIN_PREFIX: Final = "/__admin"
_FLOW_PATH: Final = re.compile(r"/flows/([^/]+)")
_log = logging.getLogger(__name__)
_IMS_FAULT_ERRORS: Final = {
    400: "invalid_request",
    401: "invalid_client",
    403: "unauthorized_client",
    429: "too_many_requests",
    503: "temporarily_unavailable",
}


@dataclass
class EmulatorState:
    """Everything a request may touch; owned by :class:`local.emulator.Emulator`."""

    tokens: TokenRegistry
    faults: FaultRegistry
    recorder: Recorder
    service: ServiceContext
    # Bumped by reset(): a request that began before a reset (say, one held by a latency
    # fault) must neither touch nor be recorded in the state of the next test.
    generation: int = 0


class AdminHandler(Protocol):
    def handle(self, call: Call) -> Reply: ...


def answer(state: EmulatorState, call: Call, fault: Fault | None) -> Reply:
    """The reply to one API call (IMS or Flow Service), with status/garbage faults applied."""
    try:
        if fault is not None and fault.kind is FaultKind.STATUS:
            return _status_fault_reply(fault, call)
        if fault is not None and fault.kind is FaultKind.GARBAGE:
            garbage = fault.body if isinstance(fault.body, str) else DEFAULT_GARBAGE
            return Reply(200, raw=garbage.encode("utf-8"))
        if call.path.rstrip("/") == ims.TOKEN_PATH:
            if call.method != "POST":
                raise errors.ims_error(405, "invalid_request", "use POST")
            return ims.handle_token(call, state.tokens)
        if call.path == FLOW_SERVICE_BASE or call.path.startswith(FLOW_SERVICE_BASE + "/"):
            gateway.admit(call, state.tokens)
            relative = call.path[len(FLOW_SERVICE_BASE) :] or "/"
            return routes.dispatch(call, relative, state.service)
        if call.path.rstrip("/") == adhoc.ADHOC_PATH:
            gateway.admit(call, state.tokens)
            if call.method != "POST":
                raise errors.gateway_error(405, "405000", "Method Not Allowed")
            with state.service.store.lock:
                return adhoc.adhoc_run(call, state.service)
        if call.path.startswith(CONVERSION_BASE + "/"):
            gateway.admit(call, state.tokens)
            relative = call.path[len(CONVERSION_BASE) :]
            return routes.dispatch(call, relative, state.service, routes.CONVERSION_ROUTES)
        if call.path.startswith(audiences.AUDIENCES_BASE + "/"):
            gateway.admit(call, state.tokens)
            relative = call.path[len(audiences.AUDIENCES_BASE) :]
            return routes.dispatch(call, relative, state.service, routes.AUDIENCE_ROUTES)
        raise errors.gateway_error(404, "404000", "Resource not found")
    except errors.ApiError as exc:
        return Reply(exc.status, exc.body, headers=dict(exc.headers))
    except Exception:  # an emulator bug must look like Adobe's 500, not kill the thread
        _log.exception("emulator failed on %s %s", call.method, call.path)
        body = errors.flow_error_body(
            500, errors.INTERNAL, "An internal error occurred.", call.request_id
        )
        return Reply(500, body)


def _status_fault_reply(fault: Fault, call: Call) -> Reply:
    assert fault.status is not None
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    if fault.body is not None:
        raw = fault.body if isinstance(fault.body, str) else json.dumps(fault.body)
        # An edge proxy's error page (a 502 from a load balancer, say) is HTML, and says so.
        html = isinstance(fault.body, str) and fault.body.lstrip().startswith("<")
        content_type = "text/html; charset=utf-8" if html else "application/json"
        return Reply(
            fault.status, raw=raw.encode("utf-8"), headers=headers, content_type=content_type
        )
    if call.path.rstrip("/") == ims.TOKEN_PATH:
        error = _IMS_FAULT_ERRORS.get(fault.status, "server_error")
        body: Any = {"error": error, "error_description": errors.title_for(fault.status)}
    else:
        body = errors.fault_body(fault.status, call.request_id)
    return Reply(fault.status, body, headers=headers)


def _cut_in_half(reply: Reply) -> Reply:
    """The same answer with only the first half of its body, as if cut off on the way."""
    payload = reply.payload()
    return Reply(
        reply.status,
        raw=payload[: len(payload) // 2],
        headers=dict(reply.headers),
        content_type=reply.content_type,
    )


def bump_flow_in_path(state: EmulatorState, path: str, edit: Any = None) -> None:
    """A concurrent editor: give the flow named in ``path`` a new etag, if it exists, after
    applying ``edit`` (a JSON Patch) to it when given."""
    from local.emulator.flows import bump_etag, edit_flow  # local import: flows imports much

    match = _FLOW_PATH.search(path)
    if match is None:
        return
    with state.service.store.lock:
        located = state.service.store.locate("flows", match.group(1))
        if located is not None:
            if edit is not None:
                edit_flow(located[1], edit)
            bump_etag(located[1])


def _apply_later(state: EmulatorState, call: Call, delay: float, generation: int) -> None:
    """Handle ``call`` ``delay`` seconds from now, unless the emulator was reset meanwhile."""

    def apply() -> None:
        if state.generation == generation:
            answer(state, call, None)

    timer = threading.Timer(delay, apply)
    timer.daemon = True
    timer.start()


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: EmulatorState, admin: AdminHandler):
        self.state = state
        self.admin = admin
        super().__init__(address, RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Adobe's edge and requests.Session use
    timeout = 10  # an idle keep-alive connection is dropped after this many seconds
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without NODELAY, Nagle + delayed ACK
        # would hold every keep-alive answer ~40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s %s", self.address_string(), format % args)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        call = Call(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
            request_id=new_request_id(),
        )
        if call.path.startswith(ADMIN_PREFIX):  # control calls: never faulted nor recorded
            self._send(self.server.admin.handle(call), call.request_id)
            return
        state = self.server.state
        generation = state.generation
        fault = state.faults.take(
            call.method,
            call.path,
            unquote_plus(url.query),
            call.body.decode("utf-8", errors="replace"),
        )
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.LATENCY and fault is not None:
            time.sleep(fault.delay)
            if state.generation != generation:  # reset while we slept: this call is history
                self._reset_connection()
                return
        if kind is FaultKind.RESET:
            self._record(call, None, fault)
            self._reset_connection()
            return
        if kind is FaultKind.APPLY_LATE and fault is not None:
            self._record(call, None, fault)
            time.sleep(fault.hold)
            self._reset_connection()
            _apply_later(state, call, fault.delay, generation)
            return
        if kind is FaultKind.BUMP_ETAG:
            bump_flow_in_path(state, call.path)
        if kind is FaultKind.EDIT_FLOW and fault is not None:
            bump_flow_in_path(state, call.path, edit=fault.body)
        reply = answer(state, call, fault)
        if kind is FaultKind.APPLY_THEN_RESET:
            self._record(call, None, fault)
            self._reset_connection()
            return
        if kind is FaultKind.TRUNCATED:
            reply = _cut_in_half(reply)
        self._record(call, reply, fault)  # before sending: the client may look right after
        self._send(reply, call.request_id)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply, request_id: str) -> None:
        payload = reply.payload()
        try:
            self.send_response(reply.status)
            self.send_header("x-request-id", request_id)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)
        except OSError:  # the client gave up (e.g. its read timeout fired during a latency fault)
            self.close_connection = True

    def _record(self, call: Call, reply: Reply | None, fault: Fault | None) -> None:
        response_body = None
        response_headers: dict[str, str] = {}
        if reply is not None:
            response_headers = {"x-request-id": call.request_id, **reply.headers}
            if reply.raw is None and reply.body is not None:
                response_body = masking.redact(reply.body)
                response_headers["Content-Type"] = reply.content_type
            elif reply.raw is not None:
                response_body = reply.raw.decode("utf-8", errors="replace")
                response_headers["Content-Type"] = reply.content_type
        self.server.state.recorder.add(
            RecordedRequest(
                method=call.method,
                path=call.path,
                query=call.query,
                headers=masking.redact_headers(dict(self.headers.items())),
                body=parse_body(call.body, call.content_type),
                status=reply.status if reply is not None else None,
                request_id=call.request_id,
                response_headers=response_headers,
                response_body=response_body,
                fault=str(fault.kind) if fault is not None else None,
                received_at=call.received_at,
            )
        )

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP RST: the client sees 'connection reset by peer'."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The read stream holds a reference to the socket: close it first, so that closing
        # the socket really closes it (and, with linger 0, sends the RST) right now.
        with contextlib.suppress(OSError):
            self.rfile.close()
        self.connection.close()
        self.wfile = io.BytesIO()  # absorbs the final flush of BaseHTTPRequestHandler
