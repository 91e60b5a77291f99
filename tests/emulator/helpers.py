"""A small Flow Service caller for the emulator's own tests (not the project's client).

It speaks HTTP with ``requests`` over real sockets, like any Adobe client, and builds a
dataflow from the tutorial's bodies (:mod:`tests.support.payloads`) in a few lines.
"""

from __future__ import annotations

from typing import Any

import requests

from local.emulator import DEFAULT_CLIENT, DEFAULT_SCOPES, Emulator, ImsClient, specs
from tests.support import payloads

TIMEOUT = 5
SFTP_PASSWORD = "sftp-password-do-not-leak"


def token_for(emulator: Emulator, client: ImsClient = DEFAULT_CLIENT) -> str:
    answer = requests.post(
        f"{emulator.ims_url}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "scope": DEFAULT_SCOPES,
        },
        timeout=TIMEOUT,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


class Api:
    """Flow Service calls with the headers Adobe requires."""

    def __init__(
        self, emulator: Emulator, client: ImsClient = DEFAULT_CLIENT, sandbox: str | None = "prod"
    ) -> None:
        self.emulator = emulator
        self.client = client
        self.sandbox = sandbox
        self.session = requests.Session()
        self._token: str | None = None

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = token_for(self.emulator, self.client)
        return self._token

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "x-api-key": self.client.client_id,
            "x-gw-ims-org-id": self.client.org_id,
            "Accept": "application/json",
        }
        if self.sandbox is not None:
            headers["x-sandbox-name"] = self.sandbox
        headers.update(extra)
        return headers

    def url(self, path: str) -> str:
        return f"{self.emulator.platform_url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = self.headers(**kwargs.pop("headers", {}))
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url(path), headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any, etag: str | None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if etag is not None:
            headers["If-Match"] = etag
        return self.request("PATCH", path, json=body, headers=headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # --- builders (assert success, return ids) --------------------------------------------

    def created(self, path: str, body: Any) -> dict[str, Any]:
        answer = self.post(path, body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def profile_source(self) -> str:
        base = self.created("/connections", payloads.profile_base())
        return str(self.created("/sourceConnections", payloads.profile_source(base["id"]))["id"])

    def s3_target(self) -> str:
        base = self.created("/connections", payloads.s3_base())
        return str(self.created("/targetConnections", payloads.s3_target(base["id"]))["id"])

    def s3_flow(self, **overrides: Any) -> dict[str, Any]:
        body = payloads.flow(self.profile_source(), self.s3_target())
        body.update(overrides)
        return self.created("/flows", body)

    def nightly_flow(self, *segments: str) -> str:
        """An S3 flow exporting ``segments`` and a first name, as a nightly export would."""
        created = self.s3_flow()
        operations = [payloads.add_segment(payloads.segment_value(s)) for s in segments]
        operations.append(payloads.add_attribute("person.name.firstName"))
        answer = self.patch(f"/flows/{created['id']}", operations, created["etag"])
        assert answer.status_code == 200, answer.text
        return str(created["id"])

    def flow(self, flow_id: str) -> dict[str, Any]:
        answer = self.get(f"/flows/{flow_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["items"][0])


# --- Data Prep (conversion) and the new cards ----------------------------------------------

CONVERSION_BASE = "/data/foundation/conversion"
NEW_S3_SEGMENT_FLOW_SPEC = "1a0514a6-33d4-4c7f-aff8-594799c47549"


def conversion(
    api: Api, method: str, path: str, body: Any = None, **kwargs: Any
) -> requests.Response:
    """A call to the Data Prep service (``/data/foundation/conversion``) with Adobe's headers."""
    headers = api.headers(**kwargs.pop("headers", {}))
    return api.session.request(
        method,
        f"{api.emulator.url}{CONVERSION_BASE}{path}",
        headers=headers,
        json=body,
        timeout=TIMEOUT,
        **kwargs,
    )


def input_schema_body(
    name: str = "input", namespaces: tuple[str, ...] = ("Email",)
) -> dict[str, Any]:
    """A union-schema-like input: person.name.firstName plus an identityMap (a map)."""
    return {
        "name": name,
        "jsonSchema": {
            "type": "object",
            "properties": {
                "person": {
                    "type": "object",
                    "properties": {
                        "name": {
                            "type": "object",
                            "properties": {"firstName": {"type": "string"}},
                        }
                    },
                },
                "identityMap": {
                    "type": "object",
                    "meta:xdmType": "map",
                    "additionalProperties": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"id": {"type": "string"}}},
                    },
                },
            },
        },
    }


def output_schema_body(name: str = "output") -> dict[str, Any]:
    return {
        "name": name,
        "jsonSchema": {
            "type": "object",
            "properties": {"firstName": {"type": "string"}, "Email": {"type": "string"}},
        },
    }


def created_conversion(api: Api, path: str, body: Any) -> dict[str, Any]:
    answer = conversion(api, "POST", path, body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def mapping_set_body(
    input_id: str, output_id: str, identity: str = "identityMap.Email"
) -> dict[str, Any]:
    return {
        "name": "mapping",
        "inputSchema": {"id": input_id},
        "outputSchema": {"id": output_id},
        "mappings": [
            {
                "sourceType": "ATTRIBUTE",
                "source": "person.name.firstName",
                "destination": "firstName",
            },
            {"sourceType": "ATTRIBUTE", "source": identity, "destination": "Email"},
        ],
        "xdmVersion": "1.0",
    }


def new_mapping_set(api: Api, identity: str = "identityMap.Email") -> dict[str, Any]:
    input_id = created_conversion(api, "/schemas", input_schema_body())["id"]
    output_id = created_conversion(api, "/schemas", output_schema_body())["id"]
    return created_conversion(api, "/mappingSets", mapping_set_body(input_id, output_id, identity))


def new_s3_flow(api: Api, **overrides: Any) -> dict[str, Any]:
    """A dataflow on the new Amazon S3 card, created with the GeneralTransform skeleton."""
    base = api.created(
        "/connections",
        {
            "name": "Connect to Amazon S3 (new)",
            "connectionSpec": payloads.spec_ref(specs.NEW_S3),
            "auth": {
                "specName": "Access Key",
                "params": {
                    "s3AccessKey": payloads.S3_ACCESS_KEY,
                    "s3SecretKey": payloads.S3_SECRET_KEY,
                },
            },
        },
    )
    target = api.created(
        "/targetConnections",
        {
            "name": "Amazon S3 (new) target",
            "baseConnectionId": base["id"],
            "connectionSpec": payloads.spec_ref(specs.NEW_S3),
            "params": {
                "mode": specs.NEW_CARD_MODE,
                "bucketName": "acme-exports",
                "path": "aep/new",
                "fileType": "CSV",
                "compression": "NONE",
            },
        },
    )
    body = payloads.flow(api.profile_source(), target["id"], NEW_S3_SEGMENT_FLOW_SPEC)
    body["transformations"] = [payloads.new_card_transform()]
    body.update(overrides)
    return api.created("/flows", body)
