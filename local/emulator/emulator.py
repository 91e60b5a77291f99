"""The :class:`Emulator`: Flow Service + IMS on a local port, with its control surface."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from local.emulator import flows, runs
from local.emulator.admin import Admin
from local.emulator.audiences import new_audience
from local.emulator.context import ServiceContext, Settings, validate_settings
from local.emulator.exchange import Tenant
from local.emulator.faults import FLOW_SERVICE_BASE, Fault, FaultRegistry
from local.emulator.ims import DEFAULT_CLIENT, DEFAULT_EXPIRES_IN, ImsClient, TokenRegistry
from local.emulator.recording import RecordedRequest, Recorder
from local.emulator.server import EmulatorHTTPServer, EmulatorState
from local.emulator.store import Document, Kind, ResourceStore

_RUN_SETTINGS = frozenset(
    {
        "first_run_after",
        "run_outcome",
        "export_dir",
        "row_limit",
        "profiles",
        "adhoc_run_takes",
        "adhoc_outcomes",
        "run_every",
        "late_by",
        "skipped_records",
    }
)
NIGHT: float = 86400.0


class Emulator:
    """Adobe Flow Service and IMS over real HTTP, for local runs and tests.

    ``Emulator(port=0)`` takes a free port. Use as a context manager, or ``start()`` /
    ``stop()``. ``reset()`` forgets resources, faults, recordings, registered clients and
    restores the constructor settings; tokens already issued stay valid (a client may
    cache one across tests, as a warm Lambda does).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        page_size: int = 3,
        patch_status: int = 200,
        token_expires_in: int = DEFAULT_EXPIRES_IN,
    ) -> None:
        validate_settings(page_size, patch_status)
        self._host = host
        self._requested_port = port
        self._defaults = (page_size, patch_status, token_expires_in)
        self.store = ResourceStore()
        self._state = EmulatorState(
            tokens=TokenRegistry(token_expires_in),
            faults=FaultRegistry(),
            recorder=Recorder(),
            service=ServiceContext(self.store, Settings(page_size, patch_status)),
        )
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._server = EmulatorHTTPServer(
            (self._host, self._requested_port), self._state, Admin(self)
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"aep-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"Emulator({where})"

    # --- addresses --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def platform_url(self) -> str:
        """``PLATFORM_URL`` for the project: the Flow Service base."""
        return f"{self.url}{FLOW_SERVICE_BASE}"

    @property
    def ims_url(self) -> str:
        """``IMS_URL`` for the project (token at ``{ims_url}/ims/token/v3``)."""
        return self.url

    # --- settings -------------------------------------------------------------------------

    @property
    def page_size(self) -> int:
        return self._state.service.settings.page_size

    @page_size.setter
    def page_size(self, value: int) -> None:
        validate_settings(value, self.patch_status)
        self._state.service.settings.page_size = value

    @property
    def patch_status(self) -> int:
        """200 (``{id, etag}``, API reference) or 202 (no body, the tutorial)."""
        return self._state.service.settings.patch_status

    @patch_status.setter
    def patch_status(self, value: int) -> None:
        validate_settings(self.page_size, value)
        self._state.service.settings.patch_status = value

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change ``patch_status``, ``page_size``, ``token_expires_in`` or
        ``data_prep_list_names`` (Data Prep list items carry ``name``); answer all four."""
        known = {"patch_status", "page_size", "token_expires_in", "data_prep_list_names"}
        unknown = set(settings) - known
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
        if "patch_status" in settings:
            self.patch_status = int(settings["patch_status"])
        if "page_size" in settings:
            self.page_size = int(settings["page_size"])
        if "token_expires_in" in settings:
            self._state.tokens.expires_in = int(settings["token_expires_in"])
        service = self._state.service.settings
        if "data_prep_list_names" in settings:
            service.data_prep_list_names = bool(settings["data_prep_list_names"])
        return {
            "patchStatus": self.patch_status,
            "pageSize": self.page_size,
            "tokenExpiresIn": self._state.tokens.expires_in,
            "dataPrepListNames": service.data_prep_list_names,
        }

    def simulate_runs(self, **settings: Any) -> dict[str, Any]:
        """Change how runs are simulated; answer the settings. ``first_run_after`` (seconds
        after a flow's creation; negative: never), ``run_outcome`` (success|failed),
        ``export_dir`` (None: write no files), ``row_limit``, ``profiles`` (rows per audience),
        ``adhoc_run_takes`` (seconds an ad-hoc run stays in progress; negative: until
        :meth:`finish_adhoc_runs`), ``adhoc_outcomes`` ({audience id: success|failed|inProgress},
        the others end with ``run_outcome``), ``run_every`` (seconds between scheduled runs
        after the first; negative: only the first), ``late_by`` (seconds a ``late`` run stays
        in progress), ``skipped_records`` (per audience, in a ``skipped`` run)."""
        unknown = set(settings) - _RUN_SETTINGS
        if unknown:
            raise ValueError(
                f"unknown setting(s) {sorted(unknown)}; known: {sorted(_RUN_SETTINGS)}"
            )
        simulation = self._runs
        outcome = str(settings.get("run_outcome", simulation.outcome))
        row_limit = int(settings.get("row_limit", simulation.row_limit))
        profiles = int(settings.get("profiles", simulation.profiles))
        runs.validate(outcome, row_limit, profiles)
        simulation.outcome, simulation.row_limit, simulation.profiles = outcome, row_limit, profiles
        if "first_run_after" in settings:
            simulation.first_run_after = float(settings["first_run_after"])
        if "export_dir" in settings:
            folder = settings["export_dir"]
            simulation.export_dir = Path(folder) if folder else None
        if "adhoc_run_takes" in settings:
            simulation.adhoc_run_takes = float(settings["adhoc_run_takes"])
        if "adhoc_outcomes" in settings:
            outcomes = {str(k): str(v) for k, v in dict(settings["adhoc_outcomes"]).items()}
            runs.validate_adhoc_outcomes(outcomes)
            simulation.adhoc_outcomes = outcomes
        if "run_every" in settings:
            simulation.run_every = float(settings["run_every"])
        if "late_by" in settings:
            simulation.late_by = max(0.0, float(settings["late_by"]))
        if "skipped_records" in settings:
            if int(settings["skipped_records"]) < 0:
                raise ValueError("skipped_records must be at least 0")
            simulation.skipped_records = int(settings["skipped_records"])
        return {
            "firstRunAfter": simulation.first_run_after,
            "runOutcome": simulation.outcome,
            "exportDir": str(simulation.export_dir) if simulation.export_dir else None,
            "rowLimit": simulation.row_limit,
            "profiles": simulation.profiles,
            "adhocRunTakes": simulation.adhoc_run_takes,
            "adhocOutcomes": dict(simulation.adhoc_outcomes),
            "runEvery": simulation.run_every,
            "lateBy": simulation.late_by,
            "skippedRecords": simulation.skipped_records,
        }

    def set_run_scenario(self, flow_id: str, scenario: str | list[str] | None) -> list[str]:
        """A test and demo control (not Adobe's API): how ``flow_id``'s scheduled runs go, one
        outcome for all (``"failed"``) or one per run in order (``["success", "late"]``, then
        ``run_outcome``): ``success``, ``failed``, ``late``, ``skipped``. None: forget it."""
        with self.store.lock:
            if scenario is None:
                self._runs.scenarios.pop(flow_id, None)
                return []
            outcomes = runs.validate_scenario(scenario)
            self._runs.scenarios[flow_id] = outcomes
            return list(outcomes)

    def pass_nights(
        self,
        nights: int,
        *,
        step: float | None = None,
        each: Callable[[], object] | None = None,
    ) -> None:
        """Let ``nights`` scheduling periods (``run_every``, a day unless set) go by on the
        emulator's clock, in steps of ``step`` seconds (one period by default), calling
        ``each()`` after every step: a test fires its watch there, as a schedule would."""
        if nights < 0:
            raise ValueError("nights must be at least 0")
        period = self._runs.run_every if self._runs.run_every > 0 else NIGHT
        stride = period if step is None else float(step)
        if stride <= 0:
            raise ValueError("step must be positive")
        remaining = nights * period
        while remaining > 1e-9:
            moved = min(stride, remaining)
            self.advance_clock(moved)
            remaining -= moved
            if each is not None:
                each()

    # --- IMS ------------------------------------------------------------------------------

    def register_client(self, client_id: str, client_secret: str, org_id: str) -> ImsClient:
        return self._state.tokens.register(ImsClient(client_id, client_secret, org_id))

    def issued_tokens(self) -> list[str]:
        """Every access token this emulator has issued, expired ones included."""
        return self._state.tokens.issued()

    def expire_tokens(self) -> int:
        """Every token issued so far answers 401 from now on; returns how many."""
        return self._state.tokens.expire_all()

    # --- faults -----------------------------------------------------------------------------

    def inject(self, *faults: Fault) -> list[Fault]:
        return [self._state.faults.add(fault) for fault in faults]

    def pending_faults(self) -> list[Fault]:
        return self._state.faults.pending()

    def clear_faults(self) -> None:
        self._state.faults.clear()

    def bump_etag(self, flow_id: str) -> str:
        """Edit the flow as someone else would: it gets a new etag, which is returned."""
        with self.store.lock:
            located = self.store.locate("flows", flow_id)
            if located is None:
                raise KeyError(f"no flow {flow_id}")
            return flows.bump_etag(located[1])

    def edit_flow(self, flow_id: str, operations: list[dict[str, Any]]) -> str:
        """Edit the flow as a person in the UI would: apply a JSON Patch (no etag check, no
        recording), give it a new etag, and return that etag."""
        with self.store.lock:
            located = self.store.locate("flows", flow_id)
            if located is None:
                raise KeyError(f"no flow {flow_id}")
            flows.edit_flow(located[1], operations)
            return flows.bump_etag(located[1])

    def rename_mapping_destinations(self, mapping_id: str, destinations: list[str]) -> None:
        """Give a stored mapping set's latest version these destinations, in order, past
        Data Prep's rules: a set made before those rules were held (dotted destinations)."""
        with self.store.lock:
            located = self.store.locate("mappingSets", mapping_id)
            if located is None:
                raise KeyError(f"no mapping set {mapping_id}")
            doc = located[1]
            # The document and its copy among the stored versions (GET ?version=N reads it).
            for held in (doc, *(v for v in doc["_versions"] if v["version"] == doc["version"])):
                for mapping, destination in zip(held["mappings"], destinations, strict=True):
                    mapping["destination"] = mapping["destinationXdmPath"] = destination

    # --- recordings and resources ---------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request so far (admin calls excluded), oldest first."""
        return self._state.recorder.all()

    def clear_requests(self) -> None:
        self._state.recorder.clear()

    def list_resources(
        self, kind: Kind, sandbox: str = "prod", org: str | None = None
    ) -> list[Document]:
        return self.store.list(kind, sandbox=sandbox, org=org)

    def add_audience(self, name: str, sandbox: str = "prod", audience_id: str | None = None) -> str:
        """An audience of the default org in ``sandbox`` (``GET /data/core/ups/audiences``
        finds it by name); returns its id, a new UUID unless given."""
        tenant = Tenant(DEFAULT_CLIENT.org_id, sandbox)
        with self.store.lock:
            return str(
                self.store.insert("audiences", tenant, new_audience(tenant, name, audience_id))[
                    "id"
                ]
            )

    def add_run(
        self, flow_id: str, status: str = "success", records: int | None = None
    ) -> Document:
        """Run ``flow_id`` now, on demand: a finished run (``GET /runs`` answers it), and for a
        success the files it writes (see :mod:`local.emulator.runs`). ``records`` overrides
        the record count the run reports."""
        with self.store.lock:
            located = self.store.locate("flows", flow_id)
            if located is None:
                raise KeyError(f"no flow {flow_id}")
            tenant, flow = located
            run = runs.run_flow(
                self.store, tenant, flow, self._runs, status=status, records=records
            )
            self.store.insert("runs", tenant, run)
            return dict(run)

    def republish_flow_spec(self, old_id: str, new_id: str) -> None:
        """What Adobe did to the audience flow specs: serve a flow spec under a new id; the old
        id no longer exists (a catalog holding it is stale). ``reset()`` restores the ids."""
        with self.store.lock:
            self._state.service.republished[old_id] = new_id

    def finish_adhoc_runs(self, status: str = "success") -> int:
        """End every ad-hoc run still in progress with ``status`` (a failure carries Adobe's
        error, a success writes its files); the number ended."""
        ended = 0
        with self.store.lock:
            for sandbox_runs in self.store.all_live("runs"):
                for run in sandbox_runs:
                    summary = run["metrics"]["statusSummary"]
                    located = self.store.locate("runs", run["id"])
                    if run.get("adhoc") and summary["status"] == "inProgress" and located:
                        runs.end_adhoc_run(self.store, located[0], run, self._runs, status)
                        ended += 1
        return ended

    # --- simulated time and runs ------------------------------------------------------------

    @property
    def _runs(self) -> runs.RunSimulation:
        simulation: runs.RunSimulation = self._state.service.runs
        return simulation

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock forward (scheduled runs fall due sooner, and ad-hoc
        activation judges "first scheduled activation less than an hour ago" by it): the local
        runtime calls this with each Wait state it skips, compressing time."""
        with self.store.lock:
            self._runs.advance(seconds)

    def clock(self) -> float:
        """The emulator's clock, epoch seconds (real time plus what was advanced)."""
        return self._runs.now()

    @property
    def exported_files(self) -> list[Path]:
        """Every file the simulated runs wrote, in the order they were written."""
        return list(self._runs.written)

    def reset(self) -> None:
        page_size, patch_status, expires_in = self._defaults
        self._state.service.republished.clear()
        self._state.generation += 1
        self.store.clear()
        self._state.faults.clear()
        self._state.recorder.clear()
        self._state.tokens.reset_clients()
        self._state.tokens.expires_in = expires_in
        self._state.service.settings.page_size = page_size
        self._state.service.settings.patch_status = patch_status
        self._state.service.settings.data_prep_list_names = False
        self._state.service.runs = runs.RunSimulation()
