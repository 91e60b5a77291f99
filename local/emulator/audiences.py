"""The Segmentation Service's audiences, as far as finding one by name goes.

Base path ``/data/core/ups``. ``GET /audiences`` lists the sandbox's audiences; ``name``
keeps those whose name *contains* the value, case-insensitively, and ``start``/``limit``
page them (Adobe's "Audiences endpoint" guide, ``help/segmentation/api/audiences.md``): the
answer is ``{children, _page: {totalCount, pageSize, next}, _links: {next: {href}}}``, the
``href`` starting with ``@/audiences?`` (relative to the service). Audiences are made by
:meth:`local.emulator.Emulator.add_audience` (the emulator creates none through the API).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from local.emulator import errors
from local.emulator.context import ServiceContext
from local.emulator.exchange import Call, Reply, Tenant
from local.emulator.store import Document

AUDIENCES_BASE: Final = "/data/core/ups"
DEFAULT_LIMIT: Final = 20


def new_audience(tenant: Tenant, name: str, audience_id: str | None = None) -> Document:
    identifier = audience_id or str(uuid.uuid4())
    return {
        "id": identifier,
        "audienceId": identifier,
        "name": name,
        "namespace": "AEPSegments",
        "imsOrgId": tenant.org,
        "sandbox": {"sandboxName": tenant.sandbox},
        "type": "SegmentDefinition",
        "originName": "REAL_TIME_CUSTOMER_PROFILE",
        "lifecycleState": "published",
    }


def list_audiences(call: Call, ctx: ServiceContext) -> Reply:
    items = ctx.store.live_items("audiences", call.require_tenant)
    name = call.query_one("name")
    if name is not None:
        items = [a for a in items if name.lower() in str(a.get("name", "")).lower()]
    start, limit = _number(call, "start", 0), _number(call, "limit", DEFAULT_LIMIT)
    window = items[start : start + limit]
    page: dict[str, Any] = {"totalCount": len(items), "pageSize": len(window)}
    links: dict[str, Any] = {}
    if start + limit < len(items):
        page["next"] = str(start + limit)
        query = f"start={start + limit}&limit={limit}" + (f"&name={name}" if name else "")
        links["next"] = {"href": f"@/audiences?{query}"}
    return Reply(200, {"children": [dict(a) for a in window], "_page": page, "_links": links})


def _number(call: Call, name: str, default: int) -> int:
    raw = call.query_one(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise errors.bad_request(
            errors.INVALID_QUERY, f"the query parameter {name} must be a number", call.request_id
        )
    return int(raw)
