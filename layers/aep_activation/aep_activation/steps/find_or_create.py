"""Find-or-create under a deterministic name: the idempotency of every creation step.

A retry after an ambiguous failure (the write applied, the answer lost) finds what the first
attempt made instead of making a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aep_activation.errors import ResourceConflict
from aep_activation.flow_service import Created


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
) -> Ensured:
    """Return the ``kind`` named ``body["name"]``, creating it from ``body`` if there is none.

    ``same`` tells whether a found resource is the one ``body`` describes; a namesake that is
    not raises :class:`ResourceConflict` with ``differs`` explaining what differs.
    """
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
