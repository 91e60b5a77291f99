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
    specs = client.list_connection_specs()
    client.get_connection_spec(payloads.AMAZON_S3)
    client.find_connection_spec_by_name(specs[0]["name"])
    flow_spec = client.find_flow_spec(payloads.AMAZON_S3)
    assert flow_spec is not None
    client.find_flow_spec(payloads.AMAZON_S3_NEW, DATA_LAKE_CONNECTION_SPEC_ID)
    client.get_flow_spec(flow_spec["id"])
    client.list_flow_specs(f"name=={flow_spec['name']}")

    created = build_flow(client, "contract flow")
    assert created.etag is not None
    flow = client.get_flow(created.id)
    source_id = flow["sourceConnectionIds"][0]
    target_id = flow["targetConnectionIds"][0]
    base_id = client.get_target_connection(target_id)["baseConnectionId"]
    client.get_source_connection(source_id)
    client.get_connection(base_id)
    for n in range(3):
        client.create_connection(payloads.s3_base(f"extra {n}"))
    client.list_connections()  # several pages
    client.list_connections("name==extra 1", f"connectionSpec.id=={payloads.AMAZON_S3}")
    client.find_connection_by_name("extra 2")
    client.list_source_connections()
    client.find_source_connection_by_name("profile source")
    client.list_target_connections()
    client.find_target_connection_by_name("s3 target")
    client.list_flows()
    client.find_flow_by_name("contract flow")

    etag = client.patch_flow(created.id, [payloads.add_segment()], created.etag)
    assert etag is not None
    client.patch_flow(created.id, [payloads.add_attribute()], etag.strip('"'))
    emulator.add_run(created.id)
    client.list_runs(created.id)

    client.delete_flow(created.id)
    client.delete_target_connection(target_id)
    client.delete_source_connection(source_id)
    client.delete_connection(base_id)


@pytest.mark.parametrize("sandbox", ["prod", "dev-1"])
def test_every_request_conforms(emulator: Emulator, make_client: MakeClient, sandbox: str) -> None:
    exercise_every_operation(emulator, make_client(sandbox=sandbox))

    records = [r for r in emulator.requests if covered(r)]
    methods = {(r.method, r.relative_path.split("/")[1]) for r in records}
    assert len(records) > 30
    assert {("PATCH", "flows"), ("DELETE", "connections"), ("GET", "runs")} <= methods
    assert all(r.status is not None and r.status < 400 for r in records)
    for record in records:
        validate_recorded_request(record)
