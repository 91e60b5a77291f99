"""The Flow Service routes, relative to ``/data/foundation/flowservice``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Final

from local.emulator import audiences, catalogue, connections, conversion, errors, flows
from local.emulator.context import ServiceContext
from local.emulator.exchange import Call, Reply
from local.emulator.store import Kind

Handler = Callable[[Call, ServiceContext], Reply]
_ID: Final = r"(?P<id>[^/]+)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def _route(method: str, path: str, handler: Handler) -> Route:
    return Route(method, re.compile(f"^{path}/?$"), handler)


def _crud(kind: Kind, create: Handler) -> list[Route]:
    return [
        _route("GET", f"/{kind}", partial(connections.list_resources, kind)),
        _route("POST", f"/{kind}", create),
        _route("GET", f"/{kind}/{_ID}", partial(connections.get_resource, kind)),
        _route("DELETE", f"/{kind}/{_ID}", partial(connections.delete_resource, kind)),
    ]


ROUTES: Final[tuple[Route, ...]] = (
    _route("GET", "/connectionSpecs", catalogue.list_connection_specs),
    _route("GET", f"/connectionSpecs/{_ID}", catalogue.get_connection_spec),
    _route("GET", "/flowSpecs", catalogue.list_flow_specs),
    _route("GET", f"/flowSpecs/{_ID}", catalogue.get_flow_spec),
    *_crud("connections", connections.create_connection),
    *_crud("sourceConnections", connections.create_source_connection),
    *_crud("targetConnections", connections.create_target_connection),
    *_crud("flows", flows.create_flow),
    _route("PATCH", f"/connections/{_ID}", connections.patch_connection),
    _route("PATCH", f"/targetConnections/{_ID}", connections.patch_target_connection),
    _route("PATCH", f"/flows/{_ID}", flows.patch_flow),
    _route("POST", f"/flows/{_ID}/action", flows.flow_action),
    _route("GET", "/runs", catalogue.list_runs),
)


# Data Prep, relative to ``/data/foundation/conversion``.
CONVERSION_ROUTES: Final[tuple[Route, ...]] = (
    _route("POST", "/schemas", conversion.create_schema),
    _route("GET", "/schemas", conversion.list_schemas),
    _route("GET", f"/schemas/{_ID}", conversion.get_schema),
    _route("POST", "/mappingSets", conversion.create_mapping_set),
    _route("GET", "/mappingSets", conversion.list_mapping_sets),
    _route("GET", f"/mappingSets/{_ID}", conversion.get_mapping_set),
    _route("PUT", f"/mappingSets/{_ID}", conversion.update_mapping_set),
)


# Segmentation Service, relative to ``/data/core/ups``.
AUDIENCE_ROUTES: Final[tuple[Route, ...]] = (_route("GET", "/audiences", audiences.list_audiences),)


def find(
    method: str, relative_path: str, routes: tuple[Route, ...] = ROUTES
) -> tuple[Route | None, bool]:
    """The route for this request, and whether the path exists under another method."""
    path_known = False
    for route in routes:
        match = route.pattern.match(relative_path)
        if match is None:
            continue
        path_known = True
        if route.method == method:
            return route, True
    return None, path_known


def dispatch(
    call: Call, relative_path: str, ctx: ServiceContext, routes: tuple[Route, ...] = ROUTES
) -> Reply:
    route, path_known = find(call.method, relative_path, routes)
    if route is None:
        if path_known:
            raise errors.gateway_error(405, "405000", "Method Not Allowed")
        raise errors.gateway_error(404, "404000", "Resource not found")
    match = route.pattern.match(relative_path)
    assert match is not None
    call.route_params = match.groupdict()
    with ctx.store.lock:  # one request at a time touches the resources
        return route.handler(call, ctx)
