"""Every way Flow Service can fail, mapped onto the error taxonomy, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from aep_activation.credentials import AdobeCredentials
from aep_activation.errors import (
    AuthenticationFailed,
    EtagMismatch,
    FlowServiceError,
    FlowServiceRejected,
    FlowServiceThrottled,
    FlowServiceUnavailable,
    PermissionDenied,
    ResourceNotFound,
)
from aep_activation.flow_service import FlowServiceClient
from aep_activation.ims import TokenCache, TokenProvider
from local.emulator import Emulator, Fault

from . import payloads
from .conftest import MakeClient
from .test_flow_service_operations import build_flow

IMS = "/ims/token/v3"


def last_platform_call(emulator: Emulator) -> Any:
    return [r for r in emulator.requests if r.path != IMS][-1]


# --- status codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected", "code"),
    [
        (429, FlowServiceThrottled, "429001"),
        (500, FlowServiceUnavailable, "FLOW-0500-500"),
        (502, FlowServiceUnavailable, "502000"),
        (503, FlowServiceUnavailable, "503000"),
        (504, FlowServiceUnavailable, "504000"),
        (412, EtagMismatch, "FLOW-1000-412"),
        (403, PermissionDenied, "FLOW-2120-403"),
        (404, ResourceNotFound, "FLOW-1439-404"),
        (400, FlowServiceRejected, "FLOW-1000-400"),
        (422, FlowServiceRejected, "FLOW-1000-422"),
        (409, FlowServiceRejected, "FLOW-1000-409"),
    ],
)
def test_each_status_maps_to_its_error(
    emulator: Emulator,
    client: FlowServiceClient,
    status: int,
    expected: type[FlowServiceError],
    code: str,
) -> None:
    emulator.inject(Fault.status_code(status, method="GET", path="/flows"))

    with pytest.raises(expected) as caught:
        client.flows.list()

    error = caught.value
    assert type(error) is expected
    assert (error.status, error.code, error.method, error.path) == (status, code, "GET", "/flows")
    assert error.request_id == last_platform_call(emulator).request_id
    assert error.request_id in str(error)
    assert error.transient is (status == 429 or status >= 500)
    assert error.to_dict()["requestId"] == error.request_id


def test_429_keeps_retry_after_and_is_not_retried_by_the_client(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.inject(Fault.status_code(429, path="/flows", retry_after=12))

    with pytest.raises(FlowServiceThrottled) as caught:
        client.flows.list()

    assert caught.value.retry_after == 12
    assert len([r for r in emulator.requests if r.path != IMS]) == 1


def test_5xx_is_not_retried_by_the_client(emulator: Emulator, client: FlowServiceClient) -> None:
    emulator.inject(Fault.status_code(503, path="/connections"))

    with pytest.raises(FlowServiceUnavailable):
        client.connections.create(payloads.s3_base())

    assert [r.status for r in emulator.requests if r.path != IMS] == [503]
    assert emulator.list_resources("connections") == []


def test_403_tells_the_operator_what_to_check(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.inject(Fault.status_code(403, path="/flows"))

    with pytest.raises(PermissionDenied, match="product profile grants Manage Destinations"):
        client.flows.list()


# --- Adobe's three error shapes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {
                "type": "https://ns.adobe.com/aep/errors/FLOW-1103-400",
                "title": "Bad Request",
                "status": 400,
                "report": {"detailed-message": "Flow spec id is invalid", "request-id": "r-1"},
            },
            "FLOW-1103-400",
            "Flow spec id is invalid",
        ),
        ({"error_code": "400003", "message": "Missing header"}, "400003", "Missing header"),
        (
            {"errorMessage": "bad target params", "errorDetails": "bucketName is required"},
            None,
            "bad target params: bucketName is required",
        ),
    ],
    ids=["problem-details", "gateway", "errorMessage"],
)
def test_error_shapes_give_code_message_and_request_id(
    emulator: Emulator,
    client: FlowServiceClient,
    body: dict[str, Any],
    code: str | None,
    message: str,
) -> None:
    emulator.inject(Fault.status_code(400, path="/flows", body=body))

    with pytest.raises(FlowServiceRejected) as caught:
        client.flows.list()

    assert caught.value.code == code
    assert message in str(caught.value)
    assert caught.value.request_id == last_platform_call(emulator).request_id


def test_non_json_error_body_still_gives_status_and_request_id(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.inject(Fault.status_code(502, path="/flows", body="<html>Bad Gateway</html>"))

    with pytest.raises(FlowServiceUnavailable) as caught:
        client.flows.list()

    assert caught.value.status == 502
    assert caught.value.request_id == last_platform_call(emulator).request_id


# --- real refusals of the emulator (no injected fault) --------------------------------------


def test_unknown_id_is_resource_not_found(emulator: Emulator, client: FlowServiceClient) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        client.flows.get("3f1a9e7e-0000-4000-8000-000000000000")

    assert caught.value.code == "FLOW-1439-404"
    assert "sandbox 'prod'" in str(caught.value)


def test_invalid_bodies_are_rejected_with_adobes_reason(client: FlowServiceClient) -> None:
    wrong_auth = payloads.s3_base()
    wrong_auth["auth"]["specName"] = "Basic Authentication"
    no_version = payloads.s3_base()
    del no_version["connectionSpec"]["version"]

    with pytest.raises(FlowServiceRejected) as first:
        client.connections.create(wrong_auth)
    with pytest.raises(FlowServiceRejected) as second:
        client.connections.create(no_version)

    assert (first.value.status, second.value.status) == (400, 422)
    assert "Access Key" in str(first.value)  # Adobe names the auth specs it accepts


def test_stale_etag_is_etag_mismatch(emulator: Emulator, client: FlowServiceClient) -> None:
    created = build_flow(client)
    assert created.etag is not None
    emulator.bump_etag(created.id)

    with pytest.raises(EtagMismatch, match="Supplied version") as caught:
        client.flows.patch(created.id, [payloads.add_segment()], created.etag)

    assert caught.value.status == 412
    assert not caught.value.transient


def test_concurrent_edit_during_patch_is_etag_mismatch(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    created = build_flow(client)
    assert created.etag is not None
    emulator.inject(Fault.bump_etag())

    with pytest.raises(EtagMismatch):
        client.flows.patch(created.id, [payloads.add_segment()], created.etag)

    fresh = client.flows.get(created.id)
    assert client.flows.patch(created.id, [payloads.add_segment()], fresh["etag"])


def test_wrong_org_is_permission_denied(
    emulator: Emulator, tokens: TokenProvider, session: Any
) -> None:
    client = FlowServiceClient(
        emulator.platform_url,
        tokens,
        api_key="local-client-id",
        org_id="SOMEONEELSE@AdobeOrg",
        sandbox="prod",
        session=session,
    )

    with pytest.raises(PermissionDenied) as caught:
        client.flows.list()

    assert caught.value.code == "403025"


# --- no answer, or an unreadable one ----------------------------------------------------------


def test_read_timeout_is_unavailable(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client(timeout=(2, 0.1))
    client.flows.list()  # token fetched outside the slow window
    emulator.inject(Fault.latency(0.5, path="/flows"))

    with pytest.raises(FlowServiceUnavailable, match="did not answer within the timeout") as caught:
        client.flows.list()

    assert (caught.value.method, caught.value.path) == ("GET", "/flows")


def test_connection_reset_is_unavailable(emulator: Emulator, client: FlowServiceClient) -> None:
    emulator.inject(Fault.reset(path="/connections"))

    with pytest.raises(FlowServiceUnavailable, match="connection to Flow Service failed"):
        client.connections.list()

    assert client.connections.list() == []  # the session recovers on the next call


def test_reset_after_a_write_leaves_the_resource_findable(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.inject(Fault.apply_then_reset(method="POST", path="/connections"))

    with pytest.raises(FlowServiceUnavailable):
        client.connections.create(payloads.s3_base("ambiguous"))

    assert client.connections.find_by_name("ambiguous") is not None


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/flows", lambda c, ids: c.flows.list()),
        ("GET", "/flows/*", lambda c, ids: c.flows.get(ids.id)),
        ("POST", "/connections", lambda c, ids: c.connections.create(payloads.s3_base())),
        (
            "PATCH",
            "/flows/*",
            lambda c, ids: c.flows.patch(ids.id, [payloads.add_segment()], ids.etag),
        ),
    ],
    ids=["list", "get", "create", "patch"],
)
def test_garbage_2xx_body_is_unavailable(
    emulator: Emulator, client: FlowServiceClient, method: str, path: str, operation: Any
) -> None:
    created = build_flow(client)
    emulator.inject(Fault.garbage(method=method, path=path))

    with pytest.raises(FlowServiceUnavailable, match="not the JSON expected") as caught:
        operation(client, created)

    assert caught.value.status == 200


def test_a_json_answer_of_the_wrong_shape_is_unavailable(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    emulator.inject(Fault.status_code(200, path="/flows", body={"items": "not a list"}))

    with pytest.raises(FlowServiceUnavailable):
        client.flows.list()


def test_paging_loop_is_stopped(emulator: Emulator, client: FlowServiceClient) -> None:
    looping = {"items": [], "_links": {"next": {"href": "/flows?continuationToken=again"}}}
    emulator.inject(Fault.status_code(200, path="/flows", body=looping, times=None))

    with pytest.raises(FlowServiceUnavailable, match="loop"):
        client.flows.list()

    assert len([r for r in emulator.requests if r.path != IMS]) == 2


def test_next_link_to_another_host_is_not_followed(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    elsewhere = {"items": [], "_links": {"next": {"href": "https://attacker.example/flows"}}}
    emulator.inject(Fault.status_code(200, path="/flows", body=elsewhere))

    with pytest.raises(FlowServiceUnavailable, match="another host"):
        client.flows.list()


def test_absolute_next_link_on_the_same_host_is_followed(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    for n in range(2):
        client.connections.create(payloads.s3_base(f"c{n}"))
    absolute = {
        "items": [],
        "_links": {"next": {"href": f"{emulator.platform_url}/connections?orderby=createdAt"}},
    }
    emulator.inject(Fault.status_code(200, path="/connections", body=absolute))

    assert [c["name"] for c in client.connections.list()] == ["c0", "c1"]


# --- 401: one refresh, never a loop -----------------------------------------------------------


def test_expired_token_is_refreshed_once_and_the_call_retried(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    client.flows.list()
    emulator.expire_tokens()
    emulator.clear_requests()

    created = client.connections.create(payloads.s3_base("after refresh"))

    assert [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in emulator.requests] == [
        ("POST", "connections", 401),
        ("POST", "v3", 200),
        ("POST", "connections", 201),
    ]
    assert [c["id"] for c in emulator.list_resources("connections")] == [created.id]


def test_a_second_401_is_authentication_failed_not_a_loop(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    client.flows.list()
    emulator.clear_requests()
    emulator.inject(Fault.status_code(401, path="/flows", times=None))

    with pytest.raises(AuthenticationFailed) as caught:
        client.flows.list()

    assert [r.path.rsplit("/", 1)[-1] for r in emulator.requests] == ["flows", "v3", "flows"]
    assert caught.value.code == "401013"
    assert not caught.value.transient


def test_refused_credentials_on_refresh_are_authentication_failed(
    emulator: Emulator, credentials: AdobeCredentials, session: Any
) -> None:
    # The secret was rotated in Adobe but not in Secrets Manager: refresh cannot help.
    emulator.register_client("rotated", "old-secret", credentials.org_id)
    stale = credentials.model_copy(update={"client_id": "rotated"})
    client = FlowServiceClient(
        emulator.platform_url,
        TokenProvider(emulator.ims_url, stale, session=session, cache=TokenCache()),
        api_key="rotated",
        org_id=credentials.org_id,
        sandbox="prod",
        session=session,
    )

    with pytest.raises(AuthenticationFailed, match="IMS refused"):
        client.flows.list()
