"""Adobe OAuth server-to-server credentials, read from the credentials secret.

The secret is a JSON object (docs/internals.md):
``{"clientId", "clientSecret", "orgId": "...@AdobeOrg", "scopes": "a,b,c" | ["a", "b"]}``.
``scopes`` may be left out: the AEP default set is used then.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from aep_activation.errors import SecretUnavailable
from aep_activation.secrets import get_json_secret

DEFAULT_SCOPES: tuple[str, ...] = (
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
    "session",
)

_REQUIRED_KEYS = ("clientId", "clientSecret", "orgId")


class AdobeCredentials(BaseModel):
    """The client id is also the ``x-api-key``; the secret stays a SecretStr (masked repr)."""

    # Python's re for the one pattern: pydantic-core's Rust regex engine would be set up (about
    # 0.5 MiB and a few ms of every cold start) for a pattern checked only when the secret is read.
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", regex_engine="python-re"
    )

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: SecretStr = Field(alias="clientSecret")
    org_id: str = Field(alias="orgId", pattern=r"^\S+@AdobeOrg$")
    scopes: tuple[str, ...] = Field(default=DEFAULT_SCOPES, min_length=1)

    @field_validator("client_id", "org_id", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, list | tuple):
            return tuple(str(part).strip() for part in value if str(part).strip())
        return value

    @property
    def scope(self) -> str:
        """The scopes as IMS takes them: one comma-separated string."""
        return ",".join(self.scopes)


def parse_adobe_credentials(data: dict[str, Any], *, secret_name: str) -> AdobeCredentials:
    """Validate the secret's content; errors name the field and the rule, never the value."""
    try:
        return AdobeCredentials.model_validate(data)
    except ValidationError as exc:
        # str(ValidationError) echoes the input value: build the message from loc and msg only.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise SecretUnavailable(
            f"secret {secret_name!r} does not hold valid Adobe credentials: {problems}"
        ) from None


def load_adobe_credentials(secret_name: str) -> AdobeCredentials:
    """Read and validate the Adobe credentials secret (cached by Powertools)."""
    data = get_json_secret(secret_name, required_keys=_REQUIRED_KEYS)
    return parse_adobe_credentials(data, secret_name=secret_name)
