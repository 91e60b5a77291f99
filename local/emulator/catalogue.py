"""``/connectionSpecs``, ``/flowSpecs`` (read-only catalogue) and ``/runs`` (dataflow runs).

The catalogue is not paged: Adobe answers every matching spec at once (its
``/connectionSpecs`` and ``/flowSpecs`` take only ``property``). Runs are paged like other
resources; :mod:`local.emulator.runs` makes them (on schedule or on demand).
"""

from __future__ import annotations

from local.emulator import errors, listing, runs, specs
from local.emulator.context import ServiceContext
from local.emulator.exchange import Call, Reply


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
    runs.run_due_runs(ctx.store, call.require_tenant, ctx.runs)  # runs whose time has come
    runs.settle_adhoc_runs(ctx.store, call.require_tenant, ctx.runs)  # and ad-hoc runs' end
    items = listing.select(call, ctx.store.live_items("runs", call.require_tenant))
    return Reply(
        200, listing.page(call, items, page_size=ctx.settings.page_size, list_path="/runs")
    )
