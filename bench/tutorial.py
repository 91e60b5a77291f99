"""The seed tutorial by hand: its 9 calls one after another with plain ``requests``, no checks.

The baseline a warm activation is compared with (``make bench``): IMS token, GET the
destination's connection spec, the Profile Store base and source connections, the destination
base and target connections, the dataflow, the PATCH activating audiences and attributes, and
a GET reading the flow back. Bodies are the ones the seed shows, filled from an activation
request (``examples/*.json``).
"""

from __future__ import annotations

from typing import Any

import requests

PROFILE_STORE_SPEC_ID = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
CONNECTION_SPEC_IDS = {"Amazon S3": "4890fc95-5a1f-4983-94bb-e060c08e3f81"}
FLOW_SPEC_IDS = {"Amazon S3": "71471eba-b620-49e4-90fd-23f1fa0174d8"}
TIMEOUT = (3.05, 30.0)


def run_tutorial(
    platform_url: str,
    ims_url: str,
    credentials: dict[str, Any],
    request: dict[str, Any],
    auth_params: dict[str, Any],
) -> str:
    """Run the 9 calls; return the dataflow id."""
    session = requests.Session()
    token = session.post(
        f"{ims_url}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": credentials["clientId"],
            "client_secret": credentials["clientSecret"],
            "scope": "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session",
        },
        timeout=TIMEOUT,
    ).json()["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": credentials["clientId"],
        "x-gw-ims-org-id": credentials["orgId"],
        "x-sandbox-name": request["sandbox"],
        "Accept": "application/json",
    }

    def call(method: str, path: str, body: Any = None, **extra: str) -> Any:
        response = session.request(
            method,
            platform_url + path,
            json=body,
            headers={**headers, **extra},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    destination = request["destination"]
    spec_id = CONNECTION_SPEC_IDS[destination["type"]]
    name = request["name"]
    call("GET", f"/connectionSpecs/{spec_id}")  # step 1: the destination
    profile_base = call(  # step 2: Profile Store base and source connections
        "POST",
        "/connections",
        {
            "name": f"{name} profile base (tutorial)",
            "connectionSpec": {"id": PROFILE_STORE_SPEC_ID, "version": "1.0"},
        },
    )["id"]
    source = call(
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
    destination_base = call(  # step 3: the destination base connection
        "POST",
        "/connections",
        {
            "name": f"{name} destination base (tutorial)",
            "connectionSpec": {"id": spec_id, "version": "1.0"},
            "auth": {"specName": destination["auth"]["specName"], "params": auth_params},
        },
    )["id"]
    target = call(  # step 4: the target connection
        "POST",
        "/targetConnections",
        {
            "name": f"{name} target (tutorial)",
            "baseConnectionId": destination_base,
            "connectionSpec": {"id": spec_id, "version": "1.0"},
            "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
            "params": destination["target"],
        },
    )["id"]
    flow = call(  # step 5: the dataflow
        "POST",
        "/flows",
        {
            "name": f"{name} dataflow (tutorial)",
            "flowSpec": {"id": FLOW_SPEC_IDS[destination["type"]], "version": "1.0"},
            "sourceConnectionIds": [source],
            "targetConnectionIds": [target],
            "transformations": [
                {
                    "name": "GeneralTransform",
                    "params": {
                        "segmentSelectors": {"selectors": []},
                        "profileSelectors": {"selectors": []},
                    },
                }
            ],
        },
    )
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
    call(  # step 6: activate
        "PATCH",
        f"/flows/{flow['id']}",
        operations,
        **{"If-Match": f'"{flow["etag"].strip(chr(34))}"'},
    )
    call("GET", f"/flows/{flow['id']}")  # step 7: validate
    return str(flow["id"])
