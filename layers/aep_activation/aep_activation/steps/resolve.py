"""Step 2: resolve the destination's connection spec and flow spec, and check the request
against them (auth spec name, the secret's keys, target params) before creating anything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aep_activation import target_spec as target_spec_rules
from aep_activation.catalog import PROFILE_STORE_CONNECTION_SPEC_ID
from aep_activation.errors import (
    DestinationSpecMismatch,
    ResourceNotFound,
    SecretUnavailable,
    UnknownDestination,
)
from aep_activation.flow_service import FlowServiceClient
from aep_activation.request import ActivationRequest


@dataclass(frozen=True)
class ResolvedSpecs:
    connection_spec_id: str
    destination_name: str
    flow_spec_id: str
    flow_spec_name: str
    auth_spec_name: str | None
    """None: the live connection spec has no auth spec (Data Landing Zone), so none is sent."""
    target_mode: str | None
    auth_params: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_state(self) -> dict[str, Any]:
        return {
            **({"warnings": list(self.warnings)} if self.warnings else {}),
            "connectionSpecId": self.connection_spec_id,
            "destinationName": self.destination_name,
            "flowSpecId": self.flow_spec_id,
            "flowSpecName": self.flow_spec_name,
            "authSpecName": self.auth_spec_name,
            # The only keys of the destination secret that are sent to Adobe.
            "authParams": list(self.auth_params),
            "targetMode": self.target_mode,
        }


def resolve_specs(
    request: ActivationRequest,
    client: FlowServiceClient,
    *,
    secret_keys: Callable[[str], Iterable[str]],
) -> ResolvedSpecs:
    destination = request.destination
    entry = destination.catalog_entry()
    connection_spec_id = destination.connection_spec_id or (
        entry.connection_spec_id if entry else None
    )
    if connection_spec_id is None:  # the model requires one of type/connectionSpecId
        raise UnknownDestination("destination: neither a known type nor a connectionSpecId")
    client.ensure_token()  # one token for both threads
    # The flow specs depend on the connection spec's id alone: read them side by side with it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        flow_specs = pool.submit(
            client.flow_specs.joining, connection_spec_id, PROFILE_STORE_CONNECTION_SPEC_ID
        )
        return _check_against_specs(
            request, client.connection_specs.get, connection_spec_id, flow_specs, secret_keys
        )


def _check_against_specs(
    request: ActivationRequest,
    get_connection_spec: Callable[[str], dict[str, Any]],
    connection_spec_id: str,
    flow_specs: Future[list[dict[str, Any]]],
    secret_keys: Callable[[str], Iterable[str]],
) -> ResolvedSpecs:
    destination = request.destination
    entry = destination.catalog_entry()
    try:
        spec = get_connection_spec(connection_spec_id)
    except ResourceNotFound as exc:
        raise UnknownDestination(
            f"destination.connectionSpecId: Flow Service knows no connection spec {connection_spec_id}"
            f" (requestId={exc.request_id})"  # Adobe's id of the refusal, to chase it with them
        ) from exc

    auth_name = destination.auth.spec_name
    auth_specs = {str(a.get("name")): a for a in spec.get("authSpec") or [] if isinstance(a, dict)}
    if auth_specs and auth_name not in auth_specs:
        raise DestinationSpecMismatch(
            f"destination.auth.specName: {auth_name!r} is not an auth spec of {spec.get('name')!r}; "
            f"it accepts {sorted(auth_specs)}"
        )
    required_auth = _required(auth_specs.get(auth_name, {}))
    auth_params = required_auth | _properties(auth_specs.get(auth_name, {}))
    # What the request itself carries (e.g. an Assumed Role's s3Role) is not asked of a secret.
    required_auth -= set(destination.auth.request_params)
    if required_auth:
        secret_id = destination.auth.secret_id
        if secret_id is None:
            raise DestinationSpecMismatch(
                f"destination.auth.secretId: auth spec {auth_name!r} needs {sorted(required_auth)}; "
                "name the secret that holds them"
            )
        keys = set(secret_keys(secret_id))
        missing = required_auth - keys
        if missing:
            raise SecretUnavailable(
                f"secret {secret_id!r} lacks key(s) {sorted(missing)} required by auth spec {auth_name!r}"
            )
        card_auth = entry.auth_spec(auth_name) if entry else None
        refused = card_auth.refused_secret_params if card_auth else {}
        wrong = sorted(key for key in keys if key in refused)
        if wrong:
            raise DestinationSpecMismatch(
                f"secret {secret_id!r}: "
                + "; ".join(f"key {key!r} {refused[key]}" for key in wrong)
            )

    target = destination.target.params
    target_spec = (spec.get("targetSpec") or {}).get("spec") or {}
    missing_target = target_spec_rules.required_params(target_spec, target) - set(target)
    if missing_target:
        raise DestinationSpecMismatch(
            f"destination.target: {sorted(missing_target)} required by {spec.get('name')!r}'s target spec"
        )
    broken = target_spec_rules.pattern_violations(target_spec, target)
    if broken:
        raise DestinationSpecMismatch(
            "; ".join(
                f"destination.target.{name}: {target[name]!r} does not match "
                f"{spec.get('name')!r}'s pattern {pattern}"
                for name, pattern in broken
            )
        )
    modes = ((target_spec.get("properties") or {}).get("mode") or {}).get("enum")
    mode = target.get("mode")
    if modes and mode not in modes:
        raise DestinationSpecMismatch(
            f"destination.target.mode: {mode!r} is not one of {spec.get('name')!r}'s modes {modes}"
        )

    flow_spec = _flow_spec(
        flow_specs.result(),
        connection_spec_id,
        override=destination.flow_spec_id,
        known_default=entry.flow_spec_id if entry else None,
    )
    warnings: tuple[str, ...] = ()
    default = entry.flow_spec_id if entry else None
    if destination.flow_spec_id is None and default and flow_spec.get("id") != default:
        # The live catalogue wins over the catalog's default; say so (Adobe has changed
        # audience flow specs before, and its documents disagree on them).
        warnings = (
            f"Flow Service serves audience flow spec {flow_spec.get('id')} "
            f"({flow_spec.get('name', '')}) for {entry.name if entry else connection_spec_id}, "
            f"not the catalog's default {default}"
            + (f" (from {entry.flow_spec_source})" if entry and entry.flow_spec_source else "")
            + ": using the live one",
        )
    return ResolvedSpecs(
        warnings=warnings,
        connection_spec_id=connection_spec_id,
        destination_name=str(spec.get("name") or (entry.name if entry else connection_spec_id)),
        flow_spec_id=str(flow_spec["id"]),
        flow_spec_name=str(flow_spec.get("name", "")),
        auth_spec_name=auth_name if auth_specs else None,
        target_mode=str(mode) if mode is not None else None,
        auth_params=tuple(sorted(auth_params)),
    )


def _required(spec_holder: dict[str, Any]) -> set[str]:
    spec = spec_holder.get("spec", spec_holder) if isinstance(spec_holder, dict) else {}
    return {str(r) for r in (spec.get("required") or [])} if isinstance(spec, dict) else set()


def _properties(spec_holder: dict[str, Any]) -> set[str]:
    spec = spec_holder.get("spec", spec_holder) if isinstance(spec_holder, dict) else {}
    properties = spec.get("properties") if isinstance(spec, dict) else None
    return {str(p) for p in properties} if isinstance(properties, dict) else set()


def _flow_spec(
    candidates: list[dict[str, Any]],
    target_spec_id: str,
    *,
    override: str | None,
    known_default: str | None,
) -> dict[str, Any]:
    """The audience flow spec serving this destination: it must take the destination as target
    and the Profile Store as source (dataset flow specs share the target but not the source).

    ``candidates`` are the flow specs joining the Profile Store to the target
    (:meth:`~aep_activation.flow_service.FlowSpecs.joining`). An override must be one of them; the
    catalog's default is only preferred among them.
    """
    for flow_spec in candidates:
        if flow_spec.get("id") in (override or known_default,):
            return flow_spec
    if override is not None:
        raise DestinationSpecMismatch(
            f"destination.flowSpecId: {override} is not a flow spec from the Profile Store to "
            f"connection spec {target_spec_id}; candidates: {[f.get('id') for f in candidates]}"
        )
    if not candidates:
        raise UnknownDestination(
            f"no flow spec takes the Profile Store to connection spec {target_spec_id}: "
            "is it an audience (batch) destination?"
        )
    return candidates[0]
