"""``promote --from SANDBOX --to SANDBOX [NAME...]``: the request files for another sandbox.

Each active activation of the source sandbox (all, or those named) is taken as the registry
holds it (the request last applied), moved to the target sandbox, its audiences found there
by name (an audience's id differs from sandbox to sandbox) and the overrides file applied
(what differs per environment: the destination's secret, its bucket or folder...). Then the
plan of every promoted request runs in the target, and only when each plan succeeded are
the files written, one per activation, to apply there (``apply DIR/``).

The overrides file is one JSON object deep-merged into every promoted request, with an
optional ``activations`` object whose entries (by activation name) are merged into that
activation's request only::

    {"destination": {"auth": {"secretId": "aep/destinations/prod-s3"},
                     "target": {"bucketName": "acme-prod-exports"}},
     "activations": {"summer-sale-s3": {"dataflowState": "disabled"}}}
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aep_activation.errors import ActivationError
from aep_activation.flow_service import FlowServiceClient
from aep_activation.registry import ACTIVE, RegisteredActivation
from aep_cli.inputs import RequestFile, UsageError, check
from aep_cli.target import Target

AUDIENCES_SERVICE = "/data/core/ups"
PAGE_LIMIT = 50
MAX_PAGES = 100
# Set by promote itself: an overrides file naming one of these is refused.
SET_BY_PROMOTE = ("name", "sandbox", "audiences", "operation", "dataflowId", "confirmDataflowId")
# Dropped from the source request: they belong to the source's runs.
DROPPED = ("dataflowId", "confirmDataflowId", "requestId", "operation")


@dataclass(frozen=True)
class Overrides:
    common: dict[str, Any]
    per_activation: dict[str, dict[str, Any]]

    def for_activation(self, name: str) -> dict[str, Any]:
        return merge(self.common, self.per_activation.get(name, {}))


def read_overrides(path: Path | None) -> Overrides:
    """The overrides file, checked before any call (UsageError naming the field)."""
    if path is None:
        return Overrides({}, {})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--overrides: {path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"--overrides: {path}: not a JSON document ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError(f"--overrides: {path}: (root): must be a JSON object")
    activations = data.pop("activations", {})
    if not isinstance(activations, dict) or not all(
        isinstance(v, dict) for v in activations.values()
    ):
        raise UsageError(f"--overrides: {path}: activations: must map names to JSON objects")
    for where, values in [("", data), *((f"activations.{k}.", v) for k, v in activations.items())]:
        for key in SET_BY_PROMOTE:
            if key in values:
                raise UsageError(f"--overrides: {path}: {where}{key}: is set by promote")
    return Overrides(data, activations)


def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: objects key by key, anything else replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def sources(target: Target, sandbox: str, names: Iterable[str]) -> list[RegisteredActivation]:
    """The source sandbox's active activations, all or the named ones (each must be there)."""
    active = [a for a in target.registry.activations(sandbox=sandbox) if a.state == ACTIVE]
    wanted = list(names)
    if not wanted:
        if not active:
            raise UsageError(f"--from {sandbox}: no active activation in the registry")
        return active
    by_name = {a.name: a for a in active}
    missing = [name for name in wanted if name not in by_name]
    if missing:
        raise UsageError(
            f"--from {sandbox}: no active activation {', '.join(map(repr, missing))} "
            "in the registry (see status)"
        )
    return [by_name[name] for name in wanted]


def audience_ids_by_name(client: FlowServiceClient, names: Iterable[str]) -> dict[str, list[str]]:
    """Each name's audiences in the client's sandbox (exact, case-sensitive matches of the
    Segmentation Service's ``name`` filter, which matches on "contains")."""
    service = client.api_at(AUDIENCES_SERVICE)
    found: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        ids: list[str] = []
        start = 0
        for _ in range(MAX_PAGES):
            page = service.call_json(
                "GET",
                "/audiences",
                params=[("name", name), ("start", str(start)), ("limit", str(PAGE_LIMIT))],
            )
            children = page.get("children") if isinstance(page, dict) else None
            children = children if isinstance(children, list) else []
            ids += [str(a["id"]) for a in children if isinstance(a, dict) and a.get("name") == name]
            links = page.get("_links") if isinstance(page, dict) else None
            if not children or not (isinstance(links, dict) and links.get("next")):
                break
            start += len(children)
        found[name] = ids
    return found


@dataclass(frozen=True)
class Promotion:
    files: list[RequestFile]  # the target's requests (operation plan), or none
    problems: list[str]


def promote(
    target: Target,
    activations: list[RegisteredActivation],
    to_sandbox: str,
    overrides: Overrides,
    out: Path,
) -> Promotion:
    """The promoted requests, or every reason there are none (nothing is written here)."""
    problems: list[str] = []
    names: set[str] = set()
    for activation in activations:
        for index, audience in enumerate(activation.request.get("audiences") or []):
            name = audience.get("name") if isinstance(audience, dict) else None
            if not isinstance(name, str) or not name:
                problems.append(
                    f"{activation.key}: audiences.{index}.name: is needed to find the audience "
                    f"in {to_sandbox}"
                )
            else:
                names.add(name)
    if problems:
        return Promotion([], problems)
    try:
        found = audience_ids_by_name(target.adobe(to_sandbox), names)
    except ActivationError as exc:
        return Promotion([], [f"the audiences of {to_sandbox} could not be read: {exc}"])
    files = []
    for activation in activations:
        request = {k: v for k, v in activation.request.items() if k not in DROPPED}
        audiences = []
        for index, audience in enumerate(request.get("audiences") or []):
            ids = found.get(audience["name"], [])
            if len(ids) != 1:
                why = "none" if not ids else f"{len(ids)} ({', '.join(ids)})"
                problems.append(
                    f"{activation.key}: audiences.{index}.name: {audience['name']!r} has "
                    f"{why} of that name in sandbox {to_sandbox}: it needs exactly one"
                )
                continue
            audiences.append({**audience, "id": ids[0]})
        promoted = merge(
            {**request, "sandbox": to_sandbox, "audiences": audiences},
            overrides.for_activation(activation.name),
        )
        checked = check(out / f"{activation.name}.json", {**promoted, "operation": "plan"})
        problems += [f"{activation.key} -> {to_sandbox}: {e}" for e in checked.errors]
        files.append(checked)
    return Promotion(files if not problems else [], problems)


def write(files: list[RequestFile], out: Path) -> list[Path]:
    """The request files, as a person would keep them: no operation, indented."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file in files:
        request = {k: v for k, v in file.request.items() if k != "operation"}
        file.path.write_text(json.dumps(request, indent=2) + "\n", encoding="utf-8")
        written.append(file.path)
    return written
