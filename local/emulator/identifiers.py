"""Ids, etags and clocks shaped like Flow Service's."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any, Final

from local.emulator.exchange import Tenant

_SANDBOX_NAMESPACE: Final = uuid.UUID("6b36e130-c5d7-11e9-949c-0da8d50fcac1")
_etag_counter = itertools.count(1)


def new_id() -> str:
    return str(uuid.uuid4())


def new_request_id() -> str:
    return str(uuid.uuid4())


def new_etag() -> str:
    """A quoted version tag, e.g. ``"7400453a-0000-1a00-0000-62b1c7a90000"`` (quotes included).

    The first group counts up, so two etags never collide, even within one second.
    """
    sequence = next(_etag_counter) & 0xFFFFFFFF
    return f'"{sequence:08x}-0000-0200-0000-{int(time.time()) & 0xFFFFFFFF:08x}0000"'


def now_ms() -> int:
    return int(time.time() * 1000)


def now_epoch_seconds() -> str:
    """Selector ``createTime``/``updateTime`` values: epoch seconds, as a string (as in Adobe's
    Flow Service tutorial)."""
    return str(int(time.time()))


def sandbox_id(tenant: Tenant) -> str:
    """A stable id per (org, sandbox), as ``sandboxId`` fields show it."""
    return str(uuid.uuid5(_SANDBOX_NAMESPACE, f"{tenant.org}/{tenant.sandbox}"))


def system_fields(tenant: Tenant, client: str, now: int | None = None) -> dict[str, Any]:
    """The system fields every stored resource carries, created by ``client`` now."""
    now = now_ms() if now is None else now
    return {
        "id": new_id(),
        "createdAt": now,
        "updatedAt": now,
        "createdBy": f"{client}@AdobeID",
        "updatedBy": f"{client}@AdobeID",
        "createdClient": client,
        "updatedClient": client,
        "sandboxId": sandbox_id(tenant),
        "sandboxName": tenant.sandbox,
        "imsOrgId": tenant.org,
    }
