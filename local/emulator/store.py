"""Resources per tenant (IMS org + sandbox), in creation order."""

from __future__ import annotations

import builtins
import copy
import threading
from typing import Any, Final, Literal

from local.emulator.exchange import Tenant
from local.emulator.gateway import DEFAULT_SANDBOX
from local.emulator.ims import DEFAULT_CLIENT

Kind = Literal[
    "connections",
    "sourceConnections",
    "targetConnections",
    "flows",
    "runs",
    "schemas",
    "mappingSets",
    "audiences",
]
KINDS: Final[tuple[Kind, ...]] = (
    "connections",
    "sourceConnections",
    "targetConnections",
    "flows",
    "runs",
    "schemas",  # Data Prep (conversion) mapper schemas
    "mappingSets",  # Data Prep (conversion) mapping sets
    "audiences",  # Segmentation Service audiences (found by name)
)

Document = dict[str, Any]


class ResourceStore:
    """In-memory documents. Methods named ``live_*`` hand out the stored dicts themselves and
    are for handlers running under :attr:`lock`; the public readers return deep copies."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._tenants: dict[Tenant, dict[str, dict[str, Document]]] = {}

    # --- for handlers (hold ``lock``) ---------------------------------------------------

    def _bucket(self, kind: Kind, tenant: Tenant) -> dict[str, Document]:
        kinds = self._tenants.setdefault(tenant, {k: {} for k in KINDS})
        return kinds[kind]

    def insert(self, kind: Kind, tenant: Tenant, doc: Document) -> Document:
        with self.lock:
            self._bucket(kind, tenant)[doc["id"]] = doc
            return doc

    def live_get(self, kind: Kind, tenant: Tenant, resource_id: str) -> Document | None:
        with self.lock:
            return self._bucket(kind, tenant).get(resource_id)

    def live_items(self, kind: Kind, tenant: Tenant) -> builtins.list[Document]:
        with self.lock:
            return list(self._bucket(kind, tenant).values())

    def replace(self, kind: Kind, tenant: Tenant, doc: Document) -> None:
        with self.lock:
            self._bucket(kind, tenant)[doc["id"]] = doc

    def delete(self, kind: Kind, tenant: Tenant, resource_id: str) -> bool:
        with self.lock:
            return self._bucket(kind, tenant).pop(resource_id, None) is not None

    def locate(self, kind: Kind, resource_id: str) -> tuple[Tenant, Document] | None:
        """Find a resource by id in any tenant (for control calls that name only the id)."""
        with self.lock:
            for tenant, kinds in self._tenants.items():
                doc = kinds[kind].get(resource_id)
                if doc is not None:
                    return tenant, doc
            return None

    def all_live(self, kind: Kind) -> builtins.list[builtins.list[Document]]:
        """The stored ``kind`` documents of every tenant (for control calls; hold ``lock``)."""
        with self.lock:
            return [list(kinds[kind].values()) for kinds in self._tenants.values()]

    def clear(self) -> None:
        with self.lock:
            self._tenants.clear()

    # --- for tests and the admin API (copies) -------------------------------------------

    def list(
        self, kind: Kind, sandbox: str = DEFAULT_SANDBOX, org: str | None = None
    ) -> builtins.list[Document]:
        """Every ``kind`` resource of one sandbox, oldest first (stored form, secrets included)."""
        tenant = Tenant(org or DEFAULT_CLIENT.org_id, sandbox)
        with self.lock:
            return copy.deepcopy(list(self._bucket(kind, tenant).values()))

    def get(
        self,
        kind: Kind,
        resource_id: str,
        sandbox: str = DEFAULT_SANDBOX,
        org: str | None = None,
    ) -> Document | None:
        tenant = Tenant(org or DEFAULT_CLIENT.org_id, sandbox)
        with self.lock:
            doc = self._bucket(kind, tenant).get(resource_id)
            return copy.deepcopy(doc) if doc is not None else None
