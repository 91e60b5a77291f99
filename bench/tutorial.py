"""The tutorials by hand: each call one after another with plain ``requests``, no checks.

The baselines an activation is compared with (``make bench``):

- :func:`run_tutorial`, Adobe's Flow Service tutorial's 9 calls for a legacy card: IMS token,
  GET the destination's connection spec, the Profile Store base and source connections, the
  destination base and target connections, the dataflow, the PATCH activating audiences and
  attributes, and a GET reading the flow back;
- :func:`run_new_card_tutorial`, Adobe's "Activate audiences to file-based destinations by
  using the Flow Service API" for the new cards: the same connections and dataflow, then the
  Data Prep input schema, output schema and mapping set, one PATCH adding the audiences and the
  mapping set, and the GET.

Bodies are filled from an activation request (``examples/*.json``); the new card's mapping
bodies come from the layer's builders, so the baseline sends what Adobe's rules accept.
"""

from __future__ import annotations

from typing import Any

import requests

from aep_activation.catalog import find_destination
from aep_activation.dataflow_diff import audience_selector, empty_transformations
from aep_activation.dataprep.mapping import (
    MappingRef,
    attach_operations,
    desired_mapping,
    mapping_set_body,
)
from aep_activation.request import parse_activation_request

PROFILE_STORE_SPEC_ID = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
CONNECTION_SPEC_IDS = {"Amazon S3": "4890fc95-5a1f-4983-94bb-e060c08e3f81"}
FLOW_SPEC_IDS = {"Amazon S3": "71471eba-b620-49e4-90fd-23f1fa0174d8"}
TIMEOUT = (3.05, 30.0)


class ByHand:
    """An IMS token, then calls to Adobe with the headers every call sends."""

    def __init__(
        self, platform_url: str, ims_url: str, credentials: dict[str, Any], sandbox: str
    ) -> None:
        self.platform_url = platform_url
        self.session = requests.Session()
        token = self.session.post(
            f"{ims_url}/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": credentials["clientId"],
                "client_secret": credentials["clientSecret"],
                "scope": "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session",
            },
            timeout=TIMEOUT,
        ).json()["access_token"]
        self.headers = {
            "Authorization": f"Bearer {token}",
            "x-api-key": credentials["clientId"],
            "x-gw-ims-org-id": credentials["orgId"],
            "x-sandbox-name": sandbox,
            "Accept": "application/json",
        }

    def call(self, method: str, path: str, body: Any = None, **extra: str) -> Any:
        """``path`` below the Flow Service base, or from the host's root for Data Prep."""
        base = self.platform_url
        if path.startswith("/data/"):
            base = base.split("/data/", 1)[0]
        response = self.session.request(
            method, base + path, json=body, headers={**self.headers, **extra}, timeout=TIMEOUT
        )
        response.raise_for_status()
        return response.json() if response.content else None


def _connections(
    adobe: ByHand,
    request: dict[str, Any],
    auth_params: dict[str, Any],
    spec_id: str,
    *,
    legacy: bool,
) -> tuple[str, str]:
    """Steps 1 to 4, as both tutorials make them: the source and target connection ids."""
    destination = request["destination"]
    name = request["name"]
    adobe.call("GET", f"/connectionSpecs/{spec_id}")  # step 1: the destination
    profile_base = adobe.call(  # step 2: Profile Store base and source connections
        "POST",
        "/connections",
        {
            "name": f"{name} profile base (tutorial)",
            "connectionSpec": {"id": PROFILE_STORE_SPEC_ID, "version": "1.0"},
        },
    )["id"]
    source = adobe.call(
        "POST",
        "/sourceConnections",
        {
            "name": f"{name} source (tutorial)",
            "baseConnectionId": profile_base,
            "connectionSpec": {"id": PROFILE_STORE_SPEC_ID, "version": "1.0"},
            "data": {"format": "CSV", "schema": None},
            "params": {},
        },
    )["id"]
    destination_base = adobe.call(  # step 3: the destination base connection
        "POST",
        "/connections",
        {
            "name": f"{name} destination base (tutorial)",
            "connectionSpec": {"id": spec_id, "version": "1.0"},
            "auth": {"specName": destination["auth"]["specName"], "params": auth_params},
        },
    )["id"]
    target: dict[str, Any] = {
        "name": f"{name} target (tutorial)",
        "baseConnectionId": destination_base,
        "connectionSpec": {"id": spec_id, "version": "1.0"},
        "params": destination["target"],
    }
    if legacy:  # the tutorial's legacy cards declare the payload format; the new cards take none
        target["data"] = {"format": "json", "schema": {"id": "1.0", "version": "1.0"}}
    target_id = adobe.call("POST", "/targetConnections", target)["id"]  # step 4
    return source, target_id


def _create_flow(
    adobe: ByHand,
    request: dict[str, Any],
    flow_spec_id: str,
    connections: tuple[str, str],
    *,
    new_card: bool,
) -> dict[str, Any]:
    source, target = connections
    flow: dict[str, Any] = adobe.call(  # step 5: the dataflow
        "POST",
        "/flows",
        {
            "name": f"{request['name']} dataflow (tutorial)",
            "flowSpec": {"id": flow_spec_id, "version": "1.0"},
            "sourceConnectionIds": [source],
            "targetConnectionIds": [target],
            "transformations": empty_transformations(mapping_set=new_card),
        },
    )
    return flow


def _activate(adobe: ByHand, flow: dict[str, Any], operations: list[dict[str, Any]]) -> str:
    adobe.call(  # activate: one PATCH guarded by the flow's etag
        "PATCH",
        f"/flows/{flow['id']}",
        operations,
        **{"If-Match": f'"{flow["etag"].strip(chr(34))}"'},
    )
    adobe.call("GET", f"/flows/{flow['id']}")  # validate
    return str(flow["id"])


def run_tutorial(
    platform_url: str,
    ims_url: str,
    credentials: dict[str, Any],
    request: dict[str, Any],
    auth_params: dict[str, Any],
) -> str:
    """Adobe's Flow Service tutorial's 9 calls for a legacy card; return the dataflow id."""
    adobe = ByHand(platform_url, ims_url, credentials, request["sandbox"])
    kind = request["destination"]["type"]
    connections = _connections(adobe, request, auth_params, CONNECTION_SPEC_IDS[kind], legacy=True)
    flow = _create_flow(adobe, request, FLOW_SPEC_IDS[kind], connections, new_card=False)
    base = "/transformations/0/params"
    operations: list[dict[str, Any]] = [
        {
            "op": "add",
            "path": f"{base}/segmentSelectors/selectors/-",
            "value": {"type": "PLATFORM_SEGMENT", "value": audience},
        }
        for audience in request["audiences"]
    ]
    operations += [
        {
            "op": "add",
            "path": f"{base}/profileSelectors/selectors/-",
            "value": {"type": "JSON_PATH", "value": {"path": path}},
        }
        for path in request["profileAttributes"]
    ]
    return _activate(adobe, flow, operations)


def run_new_card_tutorial(
    platform_url: str,
    ims_url: str,
    credentials: dict[str, Any],
    request: dict[str, Any],
    auth_params: dict[str, Any],
) -> str:
    """Adobe's file-based destinations guide for a new card (12 calls); the dataflow id."""
    parsed = parse_activation_request(request)
    card = find_destination(request["destination"]["type"])
    if card is None or card.card != "new" or card.flow_spec_id is None:
        raise ValueError(f"{request['destination']['type']!r} is not a new file-based card")
    adobe = ByHand(platform_url, ims_url, credentials, request["sandbox"])
    connections = _connections(adobe, request, auth_params, card.connection_spec_id, legacy=False)
    flow = _create_flow(adobe, request, card.flow_spec_id, connections, new_card=True)
    desired = desired_mapping(parsed)
    name = request["name"]
    schemas = [  # Data Prep: the input schema, then the output schema
        adobe.call(
            "POST",
            "/data/foundation/conversion/schemas",
            {"name": f"{name} {kind} schema (tutorial)", "jsonSchema": schema},
        )["id"]
        for kind, schema in (("input", desired.input_schema()), ("output", desired.output_schema()))
    ]
    mapping = adobe.call(  # the mapping set joining them
        "POST",
        "/data/foundation/conversion/mappingSets",
        mapping_set_body(desired, f"{name} mapping set (tutorial)", *schemas),
    )
    base = "/transformations/0/params"
    operations: list[dict[str, Any]] = [
        {"op": "add", "path": f"{base}/segmentSelectors/selectors/-", "value": selector}
        for selector in (audience_selector(a) for a in parsed.audiences)
    ]
    attach, _ = attach_operations(
        MappingRef(str(mapping["id"]), int(mapping.get("version", 0))), desired, None
    )
    return _activate(adobe, flow, operations + attach)
