"""Every request the client sends conforms to Adobe's published OpenAPI contracts.

The client drives every operation against the emulator; each recorded Flow Service request
is then validated with openapi-core (``tests/contract/openapi_contract.py``, errata applied).
"""

from __future__ import annotations

import pytest

from aep_activation.catalog import DATA_LAKE_CONNECTION_SPEC_ID
from aep_activation.flow_service import FlowServiceClient
from local.emulator import Emulator
from tests.contract.openapi_contract import covered, validate_recorded_request
from tests.support import payloads

from .conftest import MakeClient
from .test_flow_service_operations import build_flow


def exercise_every_operation(emulator: Emulator, client: FlowServiceClient) -> None:
    emulator.page_size = 2
    specs = client.connection_specs.list()
    client.connection_specs.get(payloads.AMAZON_S3)
    client.connection_specs.find_by_name(specs[0]["name"])
    flow_spec = client.flow_specs.find_joining(payloads.AMAZON_S3)
    assert flow_spec is not None
    client.flow_specs.find_joining(payloads.AMAZON_S3_NEW, DATA_LAKE_CONNECTION_SPEC_ID)
    client.flow_specs.get(flow_spec["id"])
    client.flow_specs.list(f"name=={flow_spec['name']}")

    created = build_flow(client, "contract flow")
    assert created.etag is not None
    flow = client.flows.get(created.id)
    source_id = flow["sourceConnectionIds"][0]
    target_id = flow["targetConnectionIds"][0]
    base_id = client.target_connections.get(target_id)["baseConnectionId"]
    client.source_connections.get(source_id)
    client.connections.get(base_id)
    for n in range(3):
        client.connections.create(payloads.s3_base(f"extra {n}"))
    client.connections.list()  # several pages
    client.connections.list("name==extra 1", f"connectionSpec.id=={payloads.AMAZON_S3}")
    client.connections.find_by_name("extra 2")
    client.source_connections.list()
    client.source_connections.find_by_name("profile source")
    client.target_connections.list()
    client.target_connections.find_by_name("s3 target")
    client.flows.list()
    client.flows.find_by_name("contract flow")

    target = client.target_connections.get(target_id)
    params = {**target["params"], "path": "aep/autumn"}
    client.target_connections.patch(
        target_id, [{"op": "replace", "path": "/params", "value": params}], target["etag"]
    )
    base = client.connections.get(base_id)
    auth = payloads.s3_base()["auth"]["params"]
    client.connections.patch(
        base_id, [{"op": "replace", "path": "/auth/params", "value": auth}], base["etag"]
    )
    etag = client.flows.patch(created.id, [payloads.add_segment()], created.etag)
    assert etag is not None
    client.flows.patch(created.id, [payloads.add_attribute()], etag.strip('"'))
    emulator.add_run(created.id)
    client.runs.of_flow(created.id)

    client.flows.delete(created.id)
    client.target_connections.delete(target_id)
    client.source_connections.delete(source_id)
    client.connections.delete(base_id)


@pytest.mark.parametrize("sandbox", ["prod", "dev-1"])
def test_every_request_conforms(emulator: Emulator, make_client: MakeClient, sandbox: str) -> None:
    exercise_every_operation(emulator, make_client(sandbox=sandbox))

    records = [r for r in emulator.requests if covered(r)]
    methods = {(r.method, r.relative_path.split("/")[1]) for r in records}
    assert len(records) > 30
    assert {
        ("PATCH", "flows"),
        ("PATCH", "targetConnections"),
        ("PATCH", "connections"),
        ("DELETE", "connections"),
        ("GET", "runs"),
    } <= methods
    assert all(r.status is not None and r.status < 400 for r in records)
    for record in records:
        validate_recorded_request(record)
