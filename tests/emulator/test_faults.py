"""Fault injection: every kind, over real sockets."""

from __future__ import annotations

import json

import pytest
import requests

from local.emulator import DEFAULT_CLIENT, DEFAULT_SCOPES, Emulator, Fault
from tests.emulator.helpers import TIMEOUT, Api
from tests.support import payloads
from tests.support.flows import segment_selectors
from tests.support.payloads import add_segment, segment_value

PROFILE_STORE_SPEC_ID = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"


def post_base(api: Api) -> requests.Response:
    return api.post("/connections", payloads.profile_base())


@pytest.mark.parametrize("retry_after", [None, 2, "7"])
def test_429_with_or_without_retry_after(emulator: Emulator, retry_after: int | str | None) -> None:
    api = Api(emulator)
    emulator.inject(
        Fault.status_code(429, method="POST", path="/connections", retry_after=retry_after)
    )

    throttled = post_base(api)

    assert throttled.status_code == 429
    assert throttled.json() == {"error_code": "429001", "message": "Too many requests"}
    assert throttled.headers.get("Retry-After") == (
        None if retry_after is None else str(retry_after)
    )
    assert emulator.store.list("connections") == []
    assert post_base(api).status_code == 201


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_look_like_adobe_s(emulator: Emulator, status: int) -> None:
    api = Api(emulator)
    emulator.inject(Fault.status_code(status, path="/flows"))

    answer = api.get("/flows")

    assert answer.status_code == status
    assert answer.headers["x-request-id"]
    body = answer.json()
    if status == 500:
        assert body["type"].endswith("FLOW-0500-500")
    else:
        assert body["error_code"] == f"{status}000"


@pytest.mark.parametrize(
    ("status", "key"),
    [(400, "report"), (401, "error_code"), (403, "report"), (404, "report")],
)
def test_client_errors_are_adobe_shaped(emulator: Emulator, status: int, key: str) -> None:
    emulator.inject(Fault.status_code(status, path="/connections"))

    answer = Api(emulator).get("/connections")

    assert answer.status_code == status
    assert key in answer.json()


def test_a_custom_body(emulator: Emulator) -> None:
    emulator.inject(Fault.status_code(400, path="/flows", body={"message": "custom"}))

    answer = Api(emulator).get("/flows")

    assert (answer.status_code, answer.json()) == (400, {"message": "custom"})


def test_times_counts_matching_requests_only(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.status_code(503, method="POST", path="/connections", times=2))

    assert api.get("/connections").status_code == 200
    assert [post_base(api).status_code for _ in range(3)] == [503, 503, 201]
    assert emulator.pending_faults() == []


def test_a_fault_without_times_stays_until_cleared(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.status_code(503, path="/flows", times=None))

    assert [api.get("/flows").status_code for _ in range(3)] == [503, 503, 503]
    emulator.clear_faults()
    assert api.get("/flows").status_code == 200


def test_glob_and_regex_paths(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(
        Fault.status_code(502, path="/flows/*", times=None),
        Fault.status_code(504, path=r"^/sourceConnections/[0-9a-f-]{36}$", times=None),
    )

    assert api.get("/flows").status_code == 200
    assert api.get("/flows/abc").status_code == 502
    assert api.get("/sourceConnections").status_code == 200
    assert api.get("/sourceConnections/0b23e41a-cb4a-4321-a78f-3b654f5d7d97").status_code == 504


def test_the_full_path_matches_too(emulator: Emulator) -> None:
    emulator.inject(Fault.status_code(503, path="/data/foundation/flowservice/flows"))

    assert Api(emulator).get("/flows").status_code == 503


def test_garbage_is_a_200_that_is_not_json(emulator: Emulator) -> None:
    emulator.inject(Fault.garbage(path="/flows"))

    answer = Api(emulator).get("/flows")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()


def test_garbage_is_not_applied(emulator: Emulator) -> None:
    emulator.inject(Fault.garbage(method="POST", path="/connections"))

    post_base(Api(emulator))

    assert emulator.store.list("connections") == []


def test_latency_trips_a_read_timeout(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.latency(0.5, path="/flows"))

    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get("/flows", timeout=(1, 0.1))

    assert api.get("/flows").status_code == 200


def test_latency_then_a_normal_answer(emulator: Emulator) -> None:
    emulator.inject(Fault.latency(0.05, path="/flows"))

    assert Api(emulator).get("/flows").status_code == 200


def test_reset_drops_the_connection_and_applies_nothing(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.reset(method="POST", path="/connections"))

    with pytest.raises(requests.exceptions.ConnectionError) as raised:
        post_base(api)

    assert "reset" in str(raised.value).lower() or "aborted" in str(raised.value).lower()
    assert emulator.store.list("connections") == []
    assert post_base(api).status_code == 201


def test_apply_then_reset_creates_the_resource_but_answers_nothing(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.apply_then_reset(method="POST", path="/connections"))

    with pytest.raises(requests.exceptions.ConnectionError):
        post_base(api)

    stored = emulator.store.list("connections")
    assert [doc["name"] for doc in stored] == [payloads.profile_base()["name"]]
    listed = api.get("/connections").json()["items"]
    assert [item["id"] for item in listed] == [stored[0]["id"]]


def test_apply_then_reset_applies_a_patch(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    emulator.inject(Fault.apply_then_reset(method="PATCH", path="/flows/*"))

    with pytest.raises(requests.exceptions.ConnectionError):
        api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])

    flow = api.flow(created["id"])
    assert len(segment_selectors(flow)) == 1
    assert flow["etag"] != created["etag"]


def test_bump_etag_fault_makes_the_patch_meet_a_newer_flow(emulator: Emulator) -> None:
    api = Api(emulator)
    created = api.s3_flow()
    emulator.inject(Fault.bump_etag())

    answer = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], created["etag"])

    assert answer.status_code == 412
    current = api.flow(created["id"])
    assert current["etag"] != created["etag"]
    assert segment_selectors(current) == []
    retry = api.patch(f"/flows/{created['id']}", [add_segment(segment_value())], current["etag"])
    assert retry.status_code == 200


def token_request() -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT.client_id,
        "client_secret": DEFAULT_CLIENT.client_secret,
        "scope": DEFAULT_SCOPES,
    }


def test_faults_apply_to_ims(emulator: Emulator) -> None:
    url = f"{emulator.ims_url}/ims/token/v3"
    emulator.inject(
        Fault.status_code(503, path="/ims/token/v3"),
        Fault.reset(path="/ims/token/v3"),
    )

    unavailable = requests.post(url, data=token_request(), timeout=TIMEOUT)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url, data=token_request(), timeout=TIMEOUT)
    fine = requests.post(url, data=token_request(), timeout=TIMEOUT)

    assert unavailable.status_code == 503
    assert unavailable.json()["error"] == "temporarily_unavailable"
    assert fine.status_code == 200


def test_faulted_requests_are_recorded_with_their_fault(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.status_code(503, path="/flows"), Fault.reset(path="/flows"))

    api.get("/flows")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("/flows")

    flows = [r for r in emulator.requests if r.relative_path == "/flows"]
    assert [(r.status, r.fault) for r in flows] == [(503, "status"), (None, "reset")]


def test_faults_over_http(emulator: Emulator) -> None:
    admin = f"{emulator.url}/__admin/faults"
    added = requests.post(
        admin,
        json=[
            {"kind": "status", "status": 429, "method": "GET", "path": "/flows", "retryAfter": 1},
            {"kind": "latency", "seconds": 0.01, "path": "/connections"},
        ],
        timeout=TIMEOUT,
    )
    assert added.status_code == 201
    assert [f["kind"] for f in added.json()["items"]] == ["status", "latency"]
    assert len(requests.get(admin, timeout=TIMEOUT).json()["items"]) == 2

    answer = Api(emulator).get("/flows")

    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "1")
    assert requests.delete(admin, timeout=TIMEOUT).status_code == 204
    assert emulator.pending_faults() == []


def test_a_bad_fault_over_http_is_400(emulator: Emulator) -> None:
    answer = requests.post(
        f"{emulator.url}/__admin/faults", json={"kind": "status"}, timeout=TIMEOUT
    )

    assert answer.status_code == 400


def test_truncated_applies_the_write_and_cuts_its_answer(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(Fault.truncated(method="POST", path="/connections"))

    answer = post_base(api)

    assert answer.status_code == 201
    assert answer.text.startswith("{")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()
    (stored,) = emulator.store.list("connections")  # applied all the same
    (recorded,) = [r for r in emulator.requests if r.relative_path == "/connections"]
    assert (recorded.fault, recorded.response_body) == ("truncated", answer.text)
    whole = json.dumps({"id": stored["id"]})
    assert answer.text[:8] == whole[:8]  # the start of the real answer, cut before its end


def test_contains_tells_two_calls_on_one_path_apart(emulator: Emulator) -> None:
    api = Api(emulator)
    emulator.inject(
        Fault.status_code(503, method="GET", path="/connections", contains="name==wanted one"),
        Fault.status_code(504, method="POST", path="/connections", contains=PROFILE_STORE_SPEC_ID),
    )

    other = api.get("/connections", params={"property": "name==another"})
    wanted = api.get("/connections", params={"property": "name==wanted one"})

    assert (other.status_code, wanted.status_code) == (200, 503)
    assert post_base(api).status_code == 504  # its body names the Profile Store spec
    assert emulator.pending_faults() == []


def test_an_html_error_page_says_it_is_html(emulator: Emulator) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    emulator.inject(Fault.status_code(502, path="/flows", body=page))

    answer = Api(emulator).get("/flows")

    assert answer.status_code == 502
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.text == page
