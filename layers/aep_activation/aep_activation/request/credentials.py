"""Credentials must not travel in the request: keys that look like one are refused.

The request names a Secrets Manager secret instead (``destination.auth.secretId``).
"""

from __future__ import annotations

import re

from aep_activation import catalog

_CREDENTIAL_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "sshkey",
    "privatekey",
    "connectionstring",
    "accesskey",
    "accessid",
    "apikey",
    "token",
    "credential",
    "serviceprincipalkey",
)
_NOT_CREDENTIALS = frozenset({"secretid"})
USE_A_SECRET = (
    "credentials must not be in the request: store them in a Secrets Manager secret "
    "and name it in destination.auth.secretId"
)


def looks_like_credential(key: str) -> bool:
    """True for keys such as ``password``, ``s3SecretKey``, ``connectionString``."""
    normalized = re.sub(r"[^a-z0-9]", "", key.lower())
    if normalized in _NOT_CREDENTIALS:
        return False
    return key in catalog.secret_param_names() or any(
        word in normalized for word in _CREDENTIAL_WORDS
    )
