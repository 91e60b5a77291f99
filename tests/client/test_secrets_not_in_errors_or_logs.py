"""The bearer token, the client secret and destination secrets never reach an exception
(message, repr, to_dict, traceback) or a log line, whatever goes wrong."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable

import pytest
import requests
from pydantic import SecretStr

from aep_activation.credentials import AdobeCredentials
from aep_activation.errors import ActivationError
from aep_activation.flow_service import FlowServiceClient
from aep_activation.ims import TokenCache, TokenProvider
from local.emulator import DEFAULT_CLIENT, Emulator, Fault
from tests.support import payloads

LEAKY_S3_SECRET = "leaky/S3+secret-key-0123456789abcdefghijk"  # 40 chars, valid for the spec


def everything_shown(exc: BaseException) -> str:
    shown = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    if isinstance(exc, ActivationError):
        shown.append(json.dumps(exc.to_dict()))
    return "\n".join(shown)


def test_nothing_secret_in_errors_or_logs(
    emulator: Emulator,
    client: FlowServiceClient,
    tokens: TokenProvider,
    credentials: AdobeCredentials,
    session: requests.Session,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in (
        "aep-activation",
        "aep-activation.aep_activation.platform_api",
        "aep-activation.aep_activation.flow_service",
        "aep-activation.aep_activation.ims",
    ):
        caplog.set_level(logging.DEBUG, logger=name)
    token = tokens.token()
    echo = f"rejected token {token} with key {LEAKY_S3_SECRET}"
    scenarios: list[Callable[[], object]] = [
        # Adobe quoting back what it was sent: the token and the destination's secret key.
        lambda: emulator.inject(
            Fault.status_code(400, path="/connections", body={"message": echo})
        ),
        lambda: client.connections.create(payloads.s3_base("x", secret_key=LEAKY_S3_SECRET)),
        lambda: emulator.inject(
            Fault.status_code(500, path="/connections", body={"errorMessage": echo})
        ),
        lambda: client.connections.create(payloads.s3_base("x", secret_key=LEAKY_S3_SECRET)),
        # A long echo, cut to length: not even a prefix of the secret may survive the cut.
        lambda: emulator.inject(
            Fault.status_code(
                422, path="/connections", body={"message": "x" * 480 + LEAKY_S3_SECRET}
            )
        ),
        lambda: client.connections.create(payloads.s3_base("x", secret_key=LEAKY_S3_SECRET)),
        # A token refused twice; IMS refusing the secret; timeouts and resets.
        lambda: emulator.inject(Fault.status_code(401, path="/flows", times=2)),
        client.flows.list,
        lambda: emulator.inject(Fault.latency(0.3, path="/flows")),
        lambda: FlowServiceClient(
            emulator.platform_url,
            tokens,
            api_key=credentials.client_id,
            org_id=credentials.org_id,
            sandbox="prod",
            session=session,
            timeout=(1, 0.05),
        ).flows.list(),
        lambda: emulator.inject(Fault.reset(path="/flows")),
        client.flows.list,
        lambda: TokenProvider(
            emulator.ims_url,
            credentials.model_copy(update={"client_secret": SecretStr("wrong-" + "x" * 20)}),
            session=session,
            cache=TokenCache(),
        ).token(),
        lambda: client.flows.get("no-such-flow"),
    ]
    errors: list[BaseException] = []
    for scenario in scenarios:
        try:
            scenario()
        except ActivationError as exc:
            errors.append(exc)
    every_token = [token, tokens.token()]

    assert len(errors) == 8
    shown = "\n".join(everything_shown(e) for e in errors)
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    out = capsys.readouterr()
    assert "Flow Service call" in logged  # the debug lines were captured, so the check bites
    for secret in [*every_token, DEFAULT_CLIENT.client_secret, LEAKY_S3_SECRET]:
        assert secret not in shown
        assert secret not in logged
        assert secret not in out.out + out.err
    assert LEAKY_S3_SECRET[:10] not in shown
    assert "***" in shown  # Adobe's echo was redacted, not dropped


def test_auth_params_in_a_patch_are_masked_in_adobes_echo(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    created = client.connections.create(payloads.s3_base())
    assert created.etag is not None
    params = {"s3AccessKey": payloads.S3_ACCESS_KEY, "s3SecretKey": LEAKY_S3_SECRET}
    emulator.inject(
        Fault.status_code(
            400,
            method="PATCH",
            path="/connections/*",
            body={"message": f"bad key {LEAKY_S3_SECRET}"},
        )
    )

    with pytest.raises(ActivationError) as raised:
        client.connections.patch(
            created.id, [{"op": "replace", "path": "/auth/params", "value": params}], created.etag
        )

    shown = everything_shown(raised.value)
    assert LEAKY_S3_SECRET not in shown
    assert LEAKY_S3_SECRET[:10] not in shown
    assert "***" in shown
