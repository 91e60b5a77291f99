"""Find-or-create under a deterministic name: the idempotency of every creation step.

A retry after an ambiguous failure (the write applied, the answer lost) finds what the first
attempt made instead of making a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aep_activation.errors import ResourceConflict

if TYPE_CHECKING:  # the event models import this module: keep it free of the HTTP client
    from aep_activation.flow_service import Created


@dataclass(frozen=True)
class LookedUp:
    """What ResolveSpecs' look-up found for this step's resource, before any step ran.

    ``id`` None: there was none then. On a first attempt the step creates it without finding
    again; on a retry (``retry``) it finds first, as its earlier create may have landed.
    """

    id: str | None
    retry: bool


@dataclass(frozen=True)
class Ensured:
    id: str
    created: bool
    etag: str | None = None
    document: dict[str, Any] | None = None


def find_or_create(
    kind: str,
    body: dict[str, Any],
    *,
    find: Callable[[str], dict[str, Any] | None],
    create: Callable[[dict[str, Any]], Created],
    same: Callable[[dict[str, Any]], bool],
    differs: str,
    looked_up: LookedUp | None = None,
) -> Ensured:
    """Return the ``kind`` named ``body["name"]``, creating it from ``body`` if there is none.

    ``same`` tells whether a found resource is the one ``body`` describes; a namesake that is
    not raises :class:`ResourceConflict` with ``differs`` explaining what differs.
    ``looked_up`` (see :class:`LookedUp`) spares the find when the look-up already answered.
    """
    if looked_up is not None and looked_up.id is not None:
        return Ensured(id=looked_up.id, created=False)  # checked by the look-up
    if looked_up is not None and not looked_up.retry:
        created = create(body)
        return Ensured(id=created.id, created=True, etag=created.etag)
    name = str(body["name"])
    found = find(name)
    if found is not None:
        if not same(found):
            raise ResourceConflict(
                f"a {kind} named {name!r} already exists but {differs}; "
                "rename the resource in the request (resources.*.name) or remove the other one"
            )
        return Ensured(id=str(found["id"]), created=False, etag=found.get("etag"), document=found)
    created = create(body)
    return Ensured(id=created.id, created=True, etag=created.etag)


def spec_id(resource: dict[str, Any]) -> str | None:
    spec = resource.get("connectionSpec") or resource.get("flowSpec") or {}
    return str(spec.get("id")) if isinstance(spec, dict) and spec.get("id") else None
