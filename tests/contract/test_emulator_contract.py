"""The emulator's answers (and the test client's requests) against Adobe's published contracts.

Every test drives the emulator over HTTP, then validates each recorded exchange with
openapi-core against ``destinations.openapi.yaml`` (``/connectionSpecs`` and ``/flowSpecs``
against ``flow-service.openapi.yaml``), with the documented errata of ``openapi_contract``.

Where the spec and Adobe's Flow Service tutorial disagree, the test says which one the project follows:

- PATCH /flows: the reference answers 200 ``{id, etag}``, the tutorial 202 without a body.
  The emulator answers 200 by default (the contract) and 202 on request; the client must
  take both (ARCHITECTURE.md). ``test_patch_202_is_the_tutorial_not_the_reference``.
- DELETE: destinations.openapi.yaml says 202, flow-service.openapi.yaml 204. The emulator
  follows the destinations side (202). ``test_delete_statuses_disagree_between_the_specs``.
- A 400 for an invalid flow is not declared for POST /flows (only 201/401/403/500); Flow
  Service answers 400 for invalid input everywhere (troubleshooting guide), and so does the
  emulator. ``test_an_invalid_flow_is_a_400_the_spec_does_not_declare``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests

from local.emulator import Emulator, RecordedRequest, specs
from tests.contract.openapi_contract import (
    ContractViolation,
    corrected_spec,
    covered,
    raw_spec,
    record_request,
    record_response,
    response_errors,
    validate_recorded_exchange,
    validate_recorded_request,
    validate_response,
)
from tests.contract.test_spec_errata import problems, ref
from tests.emulator.helpers import Api
from tests.support import payloads
from tests.support.payloads import add_attribute, add_segment, segment_value, spec_ref


def assert_contract(emulator: Emulator, *, expect: int | None = None) -> None:
    records = [r for r in emulator.requests if covered(r)]
    assert records, "nothing was recorded"
    if expect is not None:
        assert len(records) == expect
    for record in records:
        validate_recorded_exchange(record)


def auth_params(spec: specs.ConnectionSpec, auth: dict[str, Any]) -> dict[str, str]:
    params = {name: f"{name}-value" for name in auth["spec"]["required"]}
    if "s3AccessKey" in params:  # the spec's patterns: ^[A-Z2-7]{20}$ and 40 of [A-Za-z0-9/+]
        params.update(s3AccessKey=payloads.S3_ACCESS_KEY, s3SecretKey=payloads.S3_SECRET_KEY)
    return params


def target_params(spec: specs.ConnectionSpec) -> list[dict[str, str]]:
    """One valid params object per mode of ``spec``."""
    assert spec.target_spec is not None
    properties = spec.target_spec["spec"]["properties"]
    values = {
        "bucketName": "acme-exports",
        "path": "aep/summer",
        "container": "exports",
        "remotePath": "/exports",
        "format": "CSV",
    }
    if "mode" not in properties:  # a new card: no mode in its spec, one in Adobe's requests
        required = spec.target_spec["spec"]["required"]
        params = {name: values[name] for name in required if name in values}
        return [{**params, "mode": specs.NEW_CARD_MODE, "fileType": "CSV", "compression": "NONE"}]
    modes = properties["mode"]["enum"]
    return [
        {"mode": mode, **{name: values[name] for name in specs.LEGACY_MODE_PARAMS[mode]}}
        for mode in modes
    ]


def base_connection(api: Api, spec: specs.ConnectionSpec) -> str:
    body: dict[str, Any] = {
        "name": f"{spec.name} base",
        "description": "contract",
        "connectionSpec": spec_ref(spec.id),
    }
    if spec.auth_specs:  # Data Landing Zone has none: Adobe's example sends no auth
        auth = spec.auth_specs[0]
        body["auth"] = {"specName": auth["name"], "params": auth_params(spec, auth)}
    return str(api.created("/connections", body)["id"])


def target_connection(api: Api, spec_id: str) -> dict[str, Any]:
    """A target connection of a one-mode spec, with its params, on a base connection of it."""
    spec = specs.connection_spec(spec_id)
    assert spec is not None
    (params,) = target_params(spec)
    return api.created(
        "/targetConnections",
        {
            "name": "t",
            "baseConnectionId": base_connection(api, spec),
            "connectionSpec": spec_ref(spec_id),
            "params": params,
        },
    )


DESTINATIONS = [spec for spec in specs.CONNECTION_SPECS if not spec.is_source]


# --- catalogue (flow-service.openapi.yaml) --------------------------------------------------


def test_connection_specs(emulator: Emulator) -> None:
    api = Api(emulator)
    api.get("/connectionSpecs")
    api.get("/connectionSpecs", params={"property": "name==Amazon S3"})
    for spec in specs.CONNECTION_SPECS:
        api.get(f"/connectionSpecs/{spec.id}")

    assert_contract(emulator, expect=2 + len(specs.CONNECTION_SPECS))


def test_flow_specs(emulator: Emulator) -> None:
    api = Api(emulator)
    api.get("/flowSpecs")
    api.get(
        "/flowSpecs",
        params={
            "property": [f"targetConnectionSpecIds=={specs.NEW_S3}", "name==Amazon S3 - Segment"]
        },
    )
    for spec in specs.FLOW_SPECS:
        api.get(f"/flowSpecs/{spec.id}")

    assert_contract(emulator, expect=2 + len(specs.FLOW_SPECS))


# --- connections ---------------------------------------------------------------------------


def test_base_connections_of_every_auth_spec(emulator: Emulator) -> None:
    api = Api(emulator)
    created = []
    for spec in specs.CONNECTION_SPECS:
        for auth in spec.auth_specs or [None]:
            body: dict[str, Any] = {"name": f"{spec.name}", "connectionSpec": spec_ref(spec.id)}
            if auth is not None:
                body["auth"] = {"specName": auth["name"], "params": auth_params(spec, auth)}
            created.append(api.created("/connections", body)["id"])
    for connection_id in created:
        api.get(f"/connections/{connection_id}")
    answer = api.get("/connections")
    while "next" in answer.json()["_links"]:
        answer = api.get(answer.json()["_links"]["next"]["href"])

    assert_contract(emulator)


@pytest.mark.parametrize(
    ("spec_id", "schema", "expected"),
    [
        # A GET masks the secret, which then cannot match the secret's published pattern.
        (specs.AMAZON_S3, "AmazonS3Auth", {("params/s3SecretKey", "pattern")}),
        (specs.NEW_S3, "AmazonS3Auth", {("params/s3SecretKey", "pattern")}),
        # internals.md (the tutorial): host, username, password - the spec's legacy shape adds domain.
        (specs.SFTP, "SFTPWithPasswordBaseConnectionAuthParameters", {("params", "required")}),
        (specs.NEW_SFTP, "SFTPWithPasswordBaseConnectionAuthParameters_V2", set()),
    ],
)
def test_auth_of_the_connection_specs_the_spec_describes(
    emulator: Emulator, spec_id: str, schema: str, expected: set[tuple[str, str]]
) -> None:
    """ConnectionItem.auth is checked loosely (erratum): here, precisely, per described spec."""
    api = Api(emulator)
    spec = specs.connection_spec(spec_id)
    assert spec is not None
    connection = api.get(f"/connections/{base_connection(api, spec)}").json()["items"][0]

    assert problems(raw_spec("destinations"), ref(schema), connection["auth"]) == expected


def test_source_connections(emulator: Emulator) -> None:
    api = Api(emulator)
    profile = api.created("/connections", payloads.profile_base())
    api.created("/sourceConnections", payloads.profile_source(profile["id"]))
    lake = api.created(
        "/connections",
        {"name": "Data Lake", "connectionSpec": spec_ref(specs.DATA_LAKE_SPEC_ID)},
    )
    lake_source = api.created(
        "/sourceConnections",
        {
            "name": "Data Lake Source Connection",
            "description": "datasets",
            "baseConnectionId": lake["id"],
            "connectionSpec": spec_ref(specs.DATA_LAKE_SPEC_ID),
            "params": {"datasets": [{"dataSetId": "616d53e0a6de2719486fb024", "name": "Company"}]},
        },
    )
    api.get("/sourceConnections")
    api.get(f"/sourceConnections/{lake_source['id']}")

    # SourceConnectionItem requires typeInfo {ups, ProfileFragments}: true of Profile Store
    # sources only; the spec's own Data Lake example has none either.
    lake_record = emulator.requests[-1]
    with pytest.raises(ContractViolation, match="'typeInfo' is a required property"):
        validate_recorded_exchange(lake_record)
    for record in emulator.requests[:-2]:
        if covered(record):
            validate_recorded_exchange(record)


@pytest.mark.parametrize("spec", DESTINATIONS, ids=lambda s: s.name)
def test_target_connections_of_every_destination(
    emulator: Emulator, spec: specs.ConnectionSpec
) -> None:
    api = Api(emulator)
    base_id = base_connection(api, spec)
    for params in target_params(spec):
        created = api.created(
            "/targetConnections",
            {
                "name": f"{spec.name} target",
                "description": "contract",
                "baseConnectionId": base_id,
                "connectionSpec": spec_ref(spec.id),
                "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
                "params": params,
            },
        )
        api.get(f"/targetConnections/{created['id']}")
    api.get("/targetConnections", params={"property": f"connectionSpec.id=={spec.id}"})

    assert_contract(emulator)


@pytest.mark.parametrize(
    ("spec_id", "schema"),
    [
        (specs.AMAZON_S3, ("AmazonS3TargetConnectionParams", "params")),
        (specs.SFTP, ("SFTPTargetConnectionParams", "params")),
        (specs.NEW_S3, ("AmazonS3TargetConnectionParams_V2", None)),
        (specs.NEW_SFTP, ("SFTPTargetConnectionParams_V2", None)),
    ],
)
def test_target_params_of_the_connection_specs_the_spec_describes(
    emulator: Emulator, spec_id: str, schema: tuple[str, str | None]
) -> None:
    """TargetConnectionItem.params is checked loosely (erratum): here, precisely."""
    api = Api(emulator)
    created = target_connection(api, spec_id)
    shown = api.get(f"/targetConnections/{created['id']}").json()["items"][0]["params"]

    name, inner = schema
    published = raw_spec("destinations")["components"]["schemas"][name]
    target_schema = copy.deepcopy(published["properties"][inner]) if inner else ref(name)
    assert problems(raw_spec("destinations"), target_schema, shown) == set()


# --- flows and runs --------------------------------------------------------------------------


def test_a_legacy_dataflow_from_creation_to_activation(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    operations = [
        add_segment(segment_value()),
        add_segment(
            segment_value(
                "25768be6-ebd5-45cc-8913-12fb3f348613",
                exportMode="FIRST_FULL_THEN_INCREMENTAL",
                schedule={"frequency": "EVERY_6_HOURS", "endDate": "2021-12-31"},
            )
        ),
        add_attribute("person.name.firstName"),
        add_attribute("personalEmail.address"),
        {
            "op": "add",
            "path": "/transformations/0/params/profileSelectors/mandatoryFields",
            "value": ["person.name.firstName"],
        },
        {
            "op": "add",
            "path": "/transformations/0/params/profileSelectors/primaryFields",
            "value": [{"fieldType": "ATTRIBUTE", "attributePath": "personalEmail.address"}],
        },
    ]
    patched = api.patch(f"/flows/{created['id']}", operations, created["etag"])
    assert patched.status_code == 200
    remove = [{"op": "remove", "path": "/transformations/0/params/segmentSelectors/selectors/1"}]
    assert api.patch(f"/flows/{created['id']}", remove, patched.json()["etag"]).status_code == 200
    api.get(f"/flows/{created['id']}")
    api.get("/flows", params={"property": f"flowSpec.id=={specs.FILE_STORAGE_FLOW_SPEC_ID}"})

    assert_contract(emulator)


def test_a_new_card_segment_dataflow(emulator: Emulator) -> None:
    api = Api(emulator)
    target = target_connection(api, specs.NEW_S3)
    body = payloads.flow(api.profile_source(), target["id"], "1a0514a6-33d4-4c7f-aff8-594799c47549")
    created = api.created("/flows", body)
    api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])
    api.get(f"/flows/{created['id']}")

    assert_contract(emulator)


def test_flow_pages(emulator: Emulator) -> None:
    api = Api(emulator)
    for index in range(4):
        api.s3_flow(name=f"flow {index}")
    emulator.clear_requests()
    answer = api.get("/flows")
    href = answer.json()["_links"]["next"]["href"]
    api.get(href)

    # The shape of flow-service.openapi.yaml's PageLink example: relative to the base.
    example = raw_spec("flow-service")["components"]["schemas"]["PageLink"]["properties"]["href"]
    assert example["example"].startswith("/connections?continuationToken=")
    assert href.startswith("/flows?continuationToken=")
    assert_contract(emulator, expect=2)


def test_runs(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    emulator.add_run(created["id"], records=10)
    emulator.add_run(created["id"], status="failed")
    api.get("/runs", params={"property": f"flowId=={created['id']}"})

    assert_contract(emulator)


# --- deletes and errors ----------------------------------------------------------------------


def test_deletes(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    flow = api.flow(created["id"])
    source = api.get(f"/sourceConnections/{flow['sourceConnectionIds'][0]}").json()["items"][0]
    target = api.get(f"/targetConnections/{flow['targetConnectionIds'][0]}").json()["items"][0]
    for path in (
        f"/flows/{created['id']}",
        f"/sourceConnections/{source['id']}",
        f"/targetConnections/{target['id']}",
        f"/connections/{source['baseConnectionId']}",
        f"/connections/{target['baseConnectionId']}",
    ):
        assert api.delete(path).status_code == 202

    assert_contract(emulator)


def test_delete_statuses_disagree_between_the_specs() -> None:
    destinations = raw_spec("destinations")["paths"]["/flows/{id}"]["delete"]["responses"]
    sources = raw_spec("flow-service")["paths"]["/flows/{FLOW_ID}"]["delete"]["responses"]

    assert "202" in destinations

    assert "204" not in destinations
    assert "204" in sources
    assert "202" not in sources


def test_declared_error_answers(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    bad_token = {"Authorization": "Bearer expired-or-forged"}
    for path in ("/connections", "/sourceConnections", "/targetConnections", "/flows", "/runs"):
        assert api.get(path, headers=bad_token).status_code == 401
    for path in ("/connections/x", "/sourceConnections/x", "/targetConnections/x", "/flows/x"):
        assert api.get(path).status_code == 404
    stale = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], '"stale"')
    assert stale.status_code == 412
    unknown_spec = {"name": "x", "connectionSpec": spec_ref("00000000-0000-0000-0000-000000000000")}
    assert api.post("/connections", unknown_spec).status_code == 400
    no_version = {"name": "x", "connectionSpec": {"id": specs.AMAZON_S3}}
    assert api.post("/connections", no_version).status_code == 422
    assert api.delete("/flows/x").status_code == 404

    for record in emulator.requests:
        if covered(record):
            if record.status == 422:  # the request breaks the spec on purpose
                with pytest.raises(ContractViolation, match="'version' is a required property"):
                    validate_recorded_request(record)
                assert response_errors(record_request(record), record_response(record)) == []
            else:
                validate_recorded_exchange(record)


def assert_status_undeclared(record: RecordedRequest) -> None:
    """The answer breaks the spec in one way only: its status is not declared there."""
    errors = response_errors(record_request(record), record_response(record))
    assert len(errors) == 1
    assert errors[0].startswith("ResponseNotFound")


def assert_spec_declares(operation: tuple[str, str, str], status: str, *, instead_of: str) -> None:
    """The spec's (file, path, method) declares ``status`` where the emulator answers another."""
    spec, path, method = operation
    declared = raw_spec(spec)["paths"][path][method]["responses"]
    assert status in declared
    assert instead_of not in declared


def test_patch_202_is_the_tutorial_not_the_reference(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    emulator.patch_status = 202

    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])

    assert answer.status_code == 202
    validate_recorded_request(emulator.requests[-1])
    assert_status_undeclared(emulator.requests[-1])
    assert_spec_declares(("destinations", "/flows/{id}", "patch"), "200", instead_of="202")


def test_an_invalid_flow_is_a_400_the_spec_does_not_declare(emulator: Emulator) -> None:
    api = Api(emulator)
    body = payloads.flow("no-such-source", "no-such-target")

    assert api.post("/flows", body).status_code == 400

    validate_recorded_request(emulator.requests[-1])
    assert_status_undeclared(emulator.requests[-1])


def test_a_missing_token_on_the_catalogue_is_401_where_the_sources_spec_says_403(
    emulator: Emulator,
) -> None:
    """flow-service.openapi.yaml declares 403 ("The OAuth token is missing") for the catalogue;
    the gateway answers 401 for a token it does not accept, as the destinations spec does."""
    answer = Api(emulator).get("/connectionSpecs", headers={"Authorization": "Bearer nope"})

    assert answer.status_code == 401
    assert_status_undeclared(emulator.requests[-1])
    assert_spec_declares(("flow-service", "/connectionSpecs", "get"), "403", instead_of="401")


# --- the helpers themselves ----------------------------------------------------------------


def test_validate_response_checks_a_live_answer(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()

    validate_response(api.get(f"/flows/{created['id']}"))
    validate_response(api.get("/connectionSpecs"))


def test_a_request_without_required_headers_is_a_violation(emulator: Emulator) -> None:
    api = Api(emulator, sandbox=None)  # destinations.openapi.yaml marks x-sandbox-name required
    answer = api.get("/flows")
    assert answer.status_code == 200

    with pytest.raises(ContractViolation, match="x-sandbox-name"):
        validate_recorded_request(emulator.requests[-1])


def test_a_broken_response_is_a_violation(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    answer = api.get(f"/flows/{created['id']}")
    broken = copy.deepcopy(answer.json())
    broken["items"][0]["state"] = "sleeping"
    record = emulator.requests[-1]
    forged = type(record)(**{**record.__dict__, "response_body": broken})

    with pytest.raises(ContractViolation, match="state"):
        validate_recorded_exchange(forged)


def test_ims_calls_are_not_covered(emulator: Emulator) -> None:
    Api(emulator).get("/flows")
    token_call = emulator.requests[0]

    assert not covered(token_call)
    with pytest.raises(ValueError, match="not described"):
        validate_recorded_request(token_call)


def test_the_corrected_specs_are_copies() -> None:
    assert corrected_spec("destinations") is not raw_spec("destinations")
    assert (
        "oneOf"
        in raw_spec("destinations")["components"]["schemas"]["PatchFlowItem"]["properties"]["value"]
    )


def test_requests_go_to_the_emulator_not_adobe(emulator: Emulator) -> None:
    answer = requests.get(f"{emulator.url}/__admin/health", timeout=5)

    assert answer.status_code == 200


def test_flow_state_actions(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    for op in ("DISABLE", "ENABLE"):
        answer = api.request(
            "POST",
            f"/flows/{created['id']}/action",
            params={"op": op},
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text

    assert_contract(emulator)
