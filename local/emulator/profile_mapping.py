"""``profileMapping`` on new-card audience flows: what Adobe checks, and what it ignores.

A new card's dataflow is created with the ``GeneralTransform`` skeleton (destinations
OpenAPI, ``Create_Batch_Destination_Flow_Request_V2``): ``mandatoryFields: []``,
``primaryFields: []``, ``profileMapping: {}``, ``segmentSelectors: {selectors: []}``. The
attributes and the identity come from a Data Prep mapping set attached with
``profileMapping: {mappingId, mappingVersion}``.

- ``profileSelectors`` sent to such a flow are silently dropped, as Adobe ignores them: a
  client that only sends selectors ends up exporting no attributes, and reads none back.
- ``profileMapping`` must name a mapping set (and version) of the same sandbox.
- ``mandatoryFields`` name mapped destinations (the exported columns, which carry no dots)
  or the mapped identity namespace; ``primaryFields`` are ``{fieldType: ATTRIBUTE,
  attributePath}`` of a mapped destination or ``{fieldType: IDENTITY, identityNamespace}`` of
  the mapped namespace. Source: the file-based tutorial's "Add a mandatory key" / "Add a
  deduplication key" (identity by namespace, ``GAID``) and, for attributes, the migration
  guide's mapped names (``person_name_lastName``); see tests/contract/adobe/docs/README.md.
- One identity per dataflow: a mapping set exporting two identity namespaces is refused.
"""

from __future__ import annotations

from typing import Any

from local.emulator import conversion
from local.emulator.documented import ONE_IDENTITY, PROFILE_MAPPING_VERSION
from local.emulator.exchange import Tenant
from local.emulator.store import Document, ResourceStore


def skeleton() -> dict[str, Any]:
    return {
        "name": "GeneralTransform",
        "params": {
            "mandatoryFields": [],
            "primaryFields": [],
            "profileMapping": {},
            "segmentSelectors": {"selectors": []},
        },
    }


def ignore_profile_selectors(flow: Document) -> None:
    for transformation in flow.get("transformations") or []:
        params = transformation.get("params") if isinstance(transformation, dict) else None
        if isinstance(params, dict):
            params.pop("profileSelectors", None)


def problems(flow: Document, tenant: Tenant, store: ResourceStore) -> list[str]:
    found: list[str] = []
    for t_index, transformation in enumerate(flow.get("transformations") or []):
        params = transformation.get("params") if isinstance(transformation, dict) else None
        if not isinstance(params, dict):
            continue
        at = f"transformations[{t_index}].params"
        columns, namespaces, mapping_problems = _mapped(params, tenant, store, at)
        found.extend(mapping_problems)
        mandatory = params.get("mandatoryFields", [])
        if not isinstance(mandatory, list):
            found.append(f"{at}.mandatoryFields: must be an array")
            mandatory = []
        for name in mandatory:
            if name not in columns and name not in namespaces:
                found.append(
                    f"{at}.mandatoryFields: {name} is neither a mapped destination nor the "
                    "mapped identity namespace"
                )
        primary = params.get("primaryFields", [])
        if not isinstance(primary, list):
            found.append(f"{at}.primaryFields: must be an array")
            primary = []
        for key in primary:
            found.extend(_primary_problems(key, columns, namespaces, f"{at}.primaryFields"))
    return found


def _mapped(
    params: dict[str, Any], tenant: Tenant, store: ResourceStore, at: str
) -> tuple[set[str], set[str], list[str]]:
    """(mapped destinations, identity namespaces, problems) of the attached mapping set."""
    reference = params.get("profileMapping", {})
    if reference in ({}, None):
        return set(), set(), []
    if not isinstance(reference, dict):
        return set(), set(), [f"{at}.profileMapping: must be an object"]
    mapping_id, version = reference.get("mappingId"), reference.get("mappingVersion")
    if not isinstance(mapping_id, str) or not isinstance(version, int) or isinstance(version, bool):
        return (
            set(),
            set(),
            [f"{at}.profileMapping: mappingId (string) and mappingVersion (integer) are required"],
        )
    doc = store.live_get("mappingSets", tenant, mapping_id)
    stored = conversion.mapping_set_version(doc, version) if doc is not None else None
    if stored is None:
        return (
            set(),
            set(),
            [  # documented: PROFILE_MAPPING_VERSION
                PROFILE_MAPPING_VERSION.refusal(
                    f"{at}.profileMapping: no mapping set {mapping_id} version {version} in "
                    f"sandbox {tenant.sandbox}"
                )
            ],
        )
    columns: set[str] = set()
    namespaces: set[str] = set()
    for mapping in stored.get("mappings", []):
        columns.add(str(mapping.get("destination")))
        namespace = conversion.identity_namespace(str(mapping.get("source", "")))
        if namespace is not None:
            namespaces.add(namespace)
    if len(namespaces) > 1:
        return (
            columns,
            namespaces,
            [  # documented: ONE_IDENTITY
                ONE_IDENTITY.refusal(
                    f"{at}.profileMapping: mapping set {mapping_id} exports identities "
                    f"{', '.join(sorted(namespaces))}"
                )
            ],
        )
    return columns, namespaces, []


def _primary_problems(key: Any, columns: set[str], namespaces: set[str], at: str) -> list[str]:
    if not isinstance(key, dict):
        return [f"{at}: each key must be an object"]
    if key.get("fieldType") == "IDENTITY":
        if key.get("identityNamespace") not in namespaces:
            return [f"{at}: identity {key.get('identityNamespace')} is not the mapped identity"]
        return []
    if key.get("fieldType") == "ATTRIBUTE":
        if key.get("attributePath") not in columns:
            return [f"{at}: {key.get('attributePath')} is not a mapped destination"]
        return []
    return [f"{at}.fieldType: must be IDENTITY or ATTRIBUTE"]
