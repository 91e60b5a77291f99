"""``/__admin/...``: the emulator's control surface over HTTP (the same as its Python API).

==========================================  ==================================================
``GET  /__admin/health``                    ``{"status": "ok"}``
``POST /__admin/reset``                     forget resources, faults, recordings, extra clients
``GET  /__admin/requests``                  recorded requests (secrets redacted)
``DELETE /__admin/requests``                forget recordings
``GET|POST|DELETE /__admin/faults``         list / add (one object or a list) / clear faults
``GET|POST /__admin/config``                ``{"patchStatus", "pageSize", "tokenExpiresIn",
                                            "dataPrepListNames"}``
``POST /__admin/expire-tokens``             every token handed out so far stops working
``POST /__admin/clients``                   register ``{"clientId", "clientSecret", "orgId"}``
``POST /__admin/flows/{id}/bump-etag``      a concurrent edit: the flow gets a new etag
``POST /__admin/runs``                      run a flow now ``{"flowId", "status", "records"}``
``POST /__admin/clock``                     ``{"advanceSeconds": n}``: scheduled runs fall due
``GET|POST /__admin/runs/config``           ``{"firstRunAfter", "runOutcome", "exportDir",
                                            "rowLimit", "profiles", "runEvery", "lateBy",
                                            "skippedRecords"}`` (simulated runs)
``POST /__admin/runs/scenario``             ``{"flowId", "scenario"}``: how the flow's scheduled
                                            runs go (``"failed"``, ``["success", "late"]``;
                                            null forgets it)
``POST /__admin/runs/nights``               ``{"nights": n}``: n scheduling periods go by
``GET  /__admin/resources/{kind}``          stored resources (``?sandbox=&org=``), masked
==========================================  ==================================================
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

from local.emulator import masking
from local.emulator.errors import ApiError
from local.emulator.exchange import Call, Reply
from local.emulator.faults import Fault
from local.emulator.ims import ImsClient
from local.emulator.recording import RecordedRequest
from local.emulator.store import KINDS, Document, Kind

_BUMP = re.compile(r"^/__admin/flows/([^/]+)/bump-etag/?$")
_RESOURCES = re.compile(r"^/__admin/resources/([A-Za-z]+)/?$")


class Controls(Protocol):
    """What the admin API drives (implemented by :class:`local.emulator.Emulator`)."""

    def reset(self) -> None: ...
    def inject(self, *faults: Fault) -> list[Fault]: ...
    def clear_faults(self) -> None: ...
    def pending_faults(self) -> list[Fault]: ...
    def clear_requests(self) -> None: ...
    def expire_tokens(self) -> int: ...
    def register_client(self, client_id: str, client_secret: str, org_id: str) -> ImsClient: ...
    def bump_etag(self, flow_id: str) -> str: ...
    def add_run(self, flow_id: str, status: str = ..., records: int | None = ...) -> Document: ...
    def advance_clock(self, seconds: float) -> None: ...
    def simulate_runs(self, **settings: Any) -> dict[str, Any]: ...
    def clock(self) -> float: ...
    def set_run_scenario(self, flow_id: str, scenario: str | list[str] | None) -> list[str]: ...
    def pass_nights(self, nights: int) -> None: ...
    def configure(self, **settings: Any) -> dict[str, Any]: ...
    def list_resources(self, kind: Kind, sandbox: str, org: str | None) -> list[Document]: ...

    @property
    def requests(self) -> list[RecordedRequest]: ...


class Admin:
    def __init__(self, controls: Controls) -> None:
        self._controls = controls

    def handle(self, call: Call) -> Reply:
        try:
            return self._route(call)
        except ApiError as exc:
            return Reply(exc.status, exc.body)
        except (ValueError, TypeError, KeyError, LookupError) as exc:
            return Reply(400, {"error": "bad_admin_request", "message": str(exc)})

    def _route(self, call: Call) -> Reply:
        c, method, path = self._controls, call.method, call.path.rstrip("/")
        if (method, path) == ("GET", "/__admin/health"):
            return Reply(200, {"status": "ok"})
        if (method, path) == ("POST", "/__admin/reset"):
            c.reset()
            return Reply(200, {"reset": True})
        if path == "/__admin/requests":
            if method == "DELETE":
                c.clear_requests()
                return Reply(204)
            return Reply(200, {"items": [r.to_dict() for r in c.requests]})
        if path == "/__admin/faults":
            return self._faults(call)
        if path == "/__admin/config":
            settings = _camel_to_snake(call.json_object()) if method == "POST" else {}
            return Reply(200, c.configure(**settings))
        if (method, path) == ("POST", "/__admin/expire-tokens"):
            return Reply(200, {"expired": c.expire_tokens()})
        if (method, path) == ("POST", "/__admin/clients"):
            body = call.json_object()
            client = c.register_client(body["clientId"], body["clientSecret"], body["orgId"])
            return Reply(201, {"clientId": client.client_id, "orgId": client.org_id})
        if method == "POST" and (bump := _BUMP.match(path)):
            return Reply(200, {"id": bump.group(1), "etag": c.bump_etag(bump.group(1))})
        if (method, path) == ("POST", "/__admin/runs"):
            body = call.json_object()
            run = c.add_run(body["flowId"], body.get("status", "success"), body.get("records"))
            return Reply(201, run)
        if path == "/__admin/runs/config":
            settings = _camel_to_snake(call.json_object()) if method == "POST" else {}
            return Reply(200, c.simulate_runs(**settings))
        if (method, path) == ("POST", "/__admin/runs/scenario"):
            body = call.json_object()
            outcomes = c.set_run_scenario(str(body["flowId"]), body.get("scenario"))
            return Reply(200, {"flowId": body["flowId"], "scenario": outcomes})
        if (method, path) == ("POST", "/__admin/runs/nights"):
            c.pass_nights(int(call.json_object().get("nights", 1)))
            return Reply(200, {"now": c.clock()})
        if (method, path) == ("POST", "/__admin/clock"):
            c.advance_clock(float(call.json_object().get("advanceSeconds", 0)))
            return Reply(200, {"now": c.clock()})
        if method == "GET" and (resources := _RESOURCES.match(path)):
            return self._resources(call, resources.group(1))
        return Reply(404, {"error": "not_found", "message": f"no admin route {method} {path}"})

    def _faults(self, call: Call) -> Reply:
        if call.method == "DELETE":
            self._controls.clear_faults()
            return Reply(204)
        if call.method == "POST":
            body = call.json()
            specs = body if isinstance(body, list) else [body]
            added = self._controls.inject(*(Fault.from_dict(spec) for spec in specs))
            return Reply(201, {"items": [fault.to_dict() for fault in added]})
        return Reply(200, {"items": [f.to_dict() for f in self._controls.pending_faults()]})

    def _resources(self, call: Call, kind: str) -> Reply:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind}; one of {', '.join(KINDS)}")
        sandbox = call.query_one("sandbox") or "prod"
        docs = self._controls.list_resources(cast(Kind, kind), sandbox, call.query_one("org"))
        if kind == "connections":
            docs = [masking.masked_connection(doc) for doc in docs]
        return Reply(200, {"items": docs})


def _camel_to_snake(data: dict[str, Any]) -> dict[str, Any]:
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): value for key, value in data.items()}
