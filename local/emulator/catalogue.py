"""``/connectionSpecs``, ``/flowSpecs`` (read-only catalogue) and ``/runs`` (dataflow runs).

The catalogue is not paged: Adobe answers every matching spec at once (its
``/connectionSpecs`` and ``/flowSpecs`` take only ``property``). Runs are paged like other
resources; the emulator makes none by itself, tests add them with ``Emulator.add_run``.
"""

from __future__ import annotations

from typing import Any

from local.emulator import errors, identifiers, listing, specs
from local.emulator.context import ServiceContext, new_version
from local.emulator.exchange import Call, Reply, Tenant
from local.emulator.store import Document


def list_connection_specs(call: Call, ctx: ServiceContext) -> Reply:
    documents = [spec.document() for spec in specs.CONNECTION_SPECS]
    return Reply(200, {"items": listing.select(call, documents)})


def get_connection_spec(call: Call, ctx: ServiceContext) -> Reply:
    spec = specs.connection_spec(call.route_params["id"])
    if spec is None:
        raise errors.not_found("connectionSpecs", call.route_params["id"], call.request_id)
    return Reply(200, {"items": [spec.document()]})


def list_flow_specs(call: Call, ctx: ServiceContext) -> Reply:
    documents = [spec.document() for spec in ctx.flow_specs()]
    return Reply(200, {"items": listing.select(call, documents)})


def get_flow_spec(call: Call, ctx: ServiceContext) -> Reply:
    spec = ctx.flow_spec(call.route_params["id"])
    if spec is None:
        raise errors.not_found("flowSpecs", call.route_params["id"], call.request_id)
    return Reply(200, {"items": [spec.document()]})


def list_runs(call: Call, ctx: ServiceContext) -> Reply:
    items = listing.select(call, ctx.store.live_items("runs", call.require_tenant))
    return Reply(
        200, listing.page(call, items, page_size=ctx.settings.page_size, list_path="/runs")
    )


def new_run(tenant: Tenant, flow: Document, status: str, records: int) -> Document:
    """A finished dataflow run shaped like Adobe's ``Batch_Flow_Run_Success`` sample."""
    now = identifiers.now_ms()
    client = flow.get("createdClient", "acp_foundation_connectors")
    run: dict[str, Any] = {
        **identifiers.system_fields(tenant, client, now),
        "flowId": flow["id"],
        "flowSpec": dict(flow["flowSpec"]),
        "metrics": {
            "durationSummary": {"startedAtUTC": now - 60_000, "completedAtUTC": now},
            "recordSummary": {"inputRecordCount": records, "outputRecordCount": records},
            "fileSummary": {"inputFileCount": 1, "outputFileCount": 1},
            "statusSummary": {"status": status},
        },
        "activities": [],
    }
    new_version(run)
    del run["version"]
    return run
