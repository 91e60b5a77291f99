"""The emulator's ad-hoc activation endpoint: v2 header, at most 80 audiences per job."""

from __future__ import annotations

import uuid

from local.emulator import Emulator
from tests.emulator.helpers import TIMEOUT, Api

ADHOC = "/data/core/activation/disflowprovider/adhocrun"
V2 = "application/vnd.adobe.adhoc.activation+json; version=2"


def post(api: Api, body: object, accept: str = V2) -> tuple[int, str]:
    answer = api.session.post(
        f"{api.emulator.url}{ADHOC}",
        json=body,
        headers=api.headers(Accept=accept),
        timeout=TIMEOUT,
    )
    return answer.status_code, answer.text


def test_more_than_80_audiences_in_one_job_are_refused(emulator: Emulator) -> None:
    ids = [str(uuid.uuid4()) for _ in range(81)]
    status, text = post(Api(emulator), {"activationInfo": {str(uuid.uuid4()): ids}})
    assert status == 400
    assert "at most 80 segments" in text


def test_v1_without_the_v2_header_needs_export_ids(emulator: Emulator) -> None:
    body = {"activationInfo": {str(uuid.uuid4()): [str(uuid.uuid4())]}}
    status, text = post(Api(emulator), body, accept="application/json")
    assert status == 400
    assert "exportIds is required" in text


def test_an_audience_of_no_dataflow_is_refused(emulator: Emulator) -> None:
    audience = str(uuid.uuid4())
    status, text = post(Api(emulator), {"activationInfo": {str(uuid.uuid4()): [audience]}})
    assert status == 400
    assert f"Segments {audience} are not part of this dataflow or out of schedule range!" in text
