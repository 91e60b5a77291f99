"""A small Flow Service caller for the emulator's own tests (not the project's client).

It speaks HTTP with ``requests`` over real sockets, like any Adobe client, and knows the
payloads of the seed tutorial so tests can build a dataflow in a few lines.
"""

from __future__ import annotations

import copy
from typing import Any

import requests

from local.emulator import DEFAULT_CLIENT, DEFAULT_SCOPES, Emulator, ImsClient, specs

TIMEOUT = 5
S3_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
S3_SECRET_KEY = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12"  # 40 chars, the spec's pattern
SFTP_PASSWORD = "sftp-password-do-not-leak"
SEGMENT_ID = "9f7d37fd-7039-4454-94ef-2b0cd6c3206a"
TEMPLATE = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"


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
        base = self.created("/connections", profile_base_body())
        return str(self.created("/sourceConnections", source_body(base["id"]))["id"])

    def s3_target(self) -> str:
        base = self.created("/connections", s3_base_body())
        return str(self.created("/targetConnections", s3_target_body(base["id"]))["id"])

    def s3_flow(self, **overrides: Any) -> dict[str, Any]:
        body = flow_body(self.profile_source(), self.s3_target())
        body.update(overrides)
        return self.created("/flows", body)

    def flow(self, flow_id: str) -> dict[str, Any]:
        answer = self.get(f"/flows/{flow_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["items"][0])


# --- seed payloads ----------------------------------------------------------------------


def spec_ref(spec_id: str) -> dict[str, str]:
    return {"id": spec_id, "version": "1.0"}


def profile_base_body(name: str = "Base connection to Experience Platform") -> dict[str, Any]:
    return {"name": name, "connectionSpec": spec_ref(specs.PROFILE_STORE_SPEC_ID)}


def source_body(base_id: str) -> dict[str, Any]:
    return {
        "name": "Connecting to Profile Store",
        "description": "Optional",
        "connectionSpec": spec_ref(specs.PROFILE_STORE_SPEC_ID),
        "baseConnectionId": base_id,
        "data": {"format": "CSV", "schema": None},
        "params": {},
    }


def s3_base_body(name: str = "Connect to Amazon S3") -> dict[str, Any]:
    return {
        "name": name,
        "description": "summer advertising campaign",
        "connectionSpec": spec_ref(specs.AMAZON_S3),
        "auth": {
            "specName": "Access Key",
            "params": {"s3AccessKey": S3_ACCESS_KEY, "s3SecretKey": S3_SECRET_KEY},
        },
    }


def s3_target_body(base_id: str) -> dict[str, Any]:
    return {
        "name": "TargetConnection for Amazon S3",
        "description": "Connection to Amazon S3",
        "baseConnectionId": base_id,
        "connectionSpec": spec_ref(specs.AMAZON_S3),
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {
            "mode": "S3",
            "bucketName": "acme-exports",
            "path": "aep/summer",
            "format": "CSV",
        },
    }


def flow_body(
    source_id: str, target_id: str, flow_spec_id: str = specs.FILE_STORAGE_FLOW_SPEC_ID
) -> dict[str, Any]:
    return {
        "name": "Activate segments to Amazon S3",
        "description": "A dataflow for the emulator tests",
        "flowSpec": spec_ref(flow_spec_id),
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "transformations": [
            {
                "name": "GeneralTransform",
                "params": {
                    "segmentSelectors": {"selectors": []},
                    "profileSelectors": {"selectors": []},
                },
            }
        ],
    }


def segment_value(segment_id: str = SEGMENT_ID, **overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "name": "Interested in Mountain Biking",
        "description": "Segment description",
        "id": segment_id,
        "filenameTemplate": TEMPLATE,
        "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {
            "frequency": "ONCE",
            "triggerType": "SCHEDULED",
            "startDate": "2021-12-20",
            "startTime": "17:00",
        },
    }
    for key, item in overrides.items():
        if key == "schedule":
            value["schedule"] = {**value["schedule"], **item}
        else:
            value[key] = item
    return value


def add_segment(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "op": "add",
        "path": "/transformations/0/params/segmentSelectors/selectors/-",
        "value": {"type": "PLATFORM_SEGMENT", "value": copy.deepcopy(value)},
    }


def add_attribute(path: str) -> dict[str, Any]:
    return {
        "op": "add",
        "path": "/transformations/0/params/profileSelectors/selectors/-",
        "value": {"type": "JSON_PATH", "value": {"path": path}},
    }


def segment_selectors(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return list(flow["transformations"][0]["params"]["segmentSelectors"]["selectors"])


def profile_selectors(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return list(flow["transformations"][0]["params"]["profileSelectors"]["selectors"])


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
            "connectionSpec": spec_ref(specs.NEW_S3),
            "auth": {
                "specName": "Access Key",
                "params": {"s3AccessKey": S3_ACCESS_KEY, "s3SecretKey": S3_SECRET_KEY},
            },
        },
    )
    target = api.created(
        "/targetConnections",
        {
            "name": "Amazon S3 (new) target",
            "baseConnectionId": base["id"],
            "connectionSpec": spec_ref(specs.NEW_S3),
            "params": {
                "mode": specs.NEW_CARD_MODE,
                "bucketName": "acme-exports",
                "path": "aep/new",
                "fileType": "CSV",
                "compression": "NONE",
            },
        },
    )
    body = flow_body(api.profile_source(), target["id"], NEW_S3_SEGMENT_FLOW_SPEC)
    body["transformations"] = [
        {
            "name": "GeneralTransform",
            "params": {
                "mandatoryFields": [],
                "primaryFields": [],
                "profileMapping": {},
                "segmentSelectors": {"selectors": []},
            },
        }
    ]
    body.update(overrides)
    return api.created("/flows", body)
