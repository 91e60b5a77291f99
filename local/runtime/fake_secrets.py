"""Obviously fake destination credentials, shaped like the real ones, for local runs.

A request names its destination secret (``destination.auth.secretId``); locally there is no
such secret, so the CLI creates one holding exactly the auth spec's params (from the
catalog), each with a value of the right shape (an S3 access key is 20 characters of
``[A-Z2-7]``, as Adobe's spec requires) that is plainly not real.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

_FAKE_KEY = base64.b64encode(b"local-fake-key " * 5).decode()
_FAKE_PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nbG9jYWwtZmFrZS1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n"
)

FAKE_VALUES: Mapping[str, str] = {
    # Amazon S3 / Adobe Campaign S3: [A-Z2-7]{20} and [A-Za-z0-9/+]{40}.
    "s3AccessKey": "AKIALOCALFAKEKEY2345",
    "s3SecretKey": "localFakeSecretKey/localFakeSecretKey+00",
    "accessId": "AKIALOCALFAKEKEY2345",
    "secretKey": "localFakeSecretKey/localFakeSecretKey+00",
    # Google Cloud Storage HMAC key.
    "accessKeyId": "GOOG1ELOCALFAKEHMACACCESSKEYID000000000000000000000000000000",
    "secretAccessKey": "localFakeHmacSecret/localFakeHmacSecret0",
    # Azure.
    "connectionString": (
        "DefaultEndpointsProtocol=https;AccountName=localfake;"
        f"AccountKey={_FAKE_KEY};EndpointSuffix=core.windows.net"
    ),
    "url": "https://localfake.dfs.core.windows.net",
    "servicePrincipalId": "00000000-0000-4000-8000-00000000fa4e",
    "servicePrincipalKey": "local-fake-service-principal-key",
    "tenant": "localfake.onmicrosoft.com",
    # SFTP.
    "domain": "sftp.localfake.invalid",
    "host": "sftp.localfake.invalid",
    "username": "local-fake-user",
    "password": "local-fake-password",
    "sshKey": base64.b64encode(_FAKE_PEM.encode()).decode(),
}


def fake_value(param: str) -> str:
    return FAKE_VALUES.get(param, f"local-fake-{param}")


def fake_destination_secret(request: Mapping[str, Any]) -> dict[str, str] | None:
    """Fake values for the request's destination auth spec; None when the catalog does not
    know the destination or auth spec (the run will say so itself)."""
    from aep_activation.catalog import destination_by_connection_spec, find_destination

    destination_doc = request.get("destination")
    if not isinstance(destination_doc, Mapping):
        return None
    destination = None
    if isinstance(destination_doc.get("type"), str):
        destination = find_destination(destination_doc["type"])
    if destination is None and isinstance(destination_doc.get("connectionSpecId"), str):
        destination = destination_by_connection_spec(destination_doc["connectionSpecId"])
    auth = destination_doc.get("auth")
    if destination is None or not isinstance(auth, Mapping):
        return None
    spec = destination.auth_spec(str(auth.get("specName", "")))
    if spec is None:
        return None
    return {param: fake_value(param) for param in spec.required_params}
