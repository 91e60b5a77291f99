"""``aep-activations REQUEST... --stack NAME``: the deployed stack found through CloudFormation,
each execution started and followed with the user's AWS credentials, its progress and
summary shown, the registry read for status and teardown, Adobe asked for the runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aep_activation.registry import ACTIVE, TORN_DOWN
from local.emulator import DEFAULT_CLIENT, Fault
from local.runtime.fake_secrets import FAKE_VALUES
from tests.cli.conftest import Deployed, _stack_template, write_requests
from tests.statemachine.harness import EXAMPLES, example

REQUEST = EXAMPLES / "amazon-s3.json"
NAME = "summer-sale-s3"


def test_apply_shows_progress_and_the_summary_and_registers_the_activation(
    stack: Deployed,
) -> None:
    done = stack.cli("apply", str(REQUEST))

    assert done.code == 0, done.err
    (flow,) = stack.emulator.list_resources("flows")
    assert "  [  ok] ValidateRequest" in done.out
    assert "  [  ok] PublishSuccess" in done.out
    assert "\nSUCCEEDED in " in done.out
    assert f"Dataflow                       {flow['id']}" in done.out
    assert f"on stack {stack.name} (us-east-1)" in done.out
    registered = stack.registry.get("prod", NAME)
    assert registered is not None
    assert (registered.state, registered.dataflow_id) == (ACTIVE, flow["id"])
    for secret in (DEFAULT_CLIENT.client_secret, *FAKE_VALUES.values()):
        assert secret not in done.out + done.err


def test_status_lists_the_registry_and_runs_shows_adobes_runs(stack: Deployed) -> None:
    assert stack.cli("apply", str(REQUEST)).code == 0
    (flow,) = stack.emulator.list_resources("flows")
    run = stack.emulator.add_run(flow["id"], status="success", records=1234)

    listed = stack.cli("status")
    one = stack.cli("status", NAME, "--json")
    runs = stack.cli("runs", NAME)

    assert listed.code == 0, listed.err
    (row,) = [line for line in listed.out.splitlines() if line.startswith(f"prod/{NAME}")]
    assert row.split()[:5] == [f"prod/{NAME}", ACTIVE, "SUCCEEDED", flow["id"], "2"]
    (item,) = one.json_lines()
    assert item["dataflowId"] == flow["id"]
    assert [a["id"] for a in item["audiences"]] == [
        a["id"] for a in example("amazon-s3")["audiences"]
    ]
    assert runs.code == 0, runs.err
    (line,) = [line for line in runs.out.splitlines() if line.startswith(run["id"])]
    assert "success" in line
    assert "1234" in line


def test_teardown_reads_the_dataflow_from_the_registry(stack: Deployed) -> None:
    assert stack.cli("apply", str(REQUEST)).code == 0

    done = stack.cli("teardown", str(REQUEST))

    assert done.code == 0, done.out + done.err
    assert stack.emulator.list_resources("flows") == []
    registered = stack.registry.get("prod", NAME)
    assert registered is not None
    assert (registered.state, registered.dataflow_id) == (TORN_DOWN, None)


def test_a_teardown_of_an_unregistered_activation_starts_nothing(stack: Deployed) -> None:
    done = stack.cli("teardown", str(REQUEST))

    assert done.code == 64
    assert "confirmDataflowId" in done.err
    assert stack.emulator.requests == []


def test_json_prints_one_object_per_request(stack: Deployed, tmp_path: Path) -> None:
    other = {**example("amazon-s3"), "name": "second-activation"}
    folder = write_requests(tmp_path / "requests", [other])

    done = stack.cli("plan", str(REQUEST), str(folder / "second-activation.json"), "--json")

    assert done.code == 0, done.err
    first, second = done.json_lines()
    assert (first["activation"], first["operation"], first["status"]) == (NAME, "plan", "SUCCEEDED")
    assert second["activation"] == "second-activation"
    assert first["changes"]
    assert first["plan"]["changes"] == first["changes"]
    assert stack.emulator.list_resources("flows") == []  # a plan makes nothing
    assert list(stack.registry.activations()) == []  # and records nothing


def test_a_failed_execution_exits_non_zero_and_says_why(stack: Deployed) -> None:
    stack.emulator.inject(Fault.status_code(403, method="POST", path="/connections"))

    done = stack.cli("apply", str(REQUEST), "--json")

    assert done.code == 1
    (report,) = done.json_lines()
    assert report["status"] == "FAILED"
    assert report["error"] == "PermissionDenied"


def test_an_unknown_stack_is_named(stack: Deployed) -> None:
    done = stack.cli("status", "--stack", "no-such-stack", stack=False)

    assert done.code == 64
    assert "--stack no-such-stack" in done.err
    assert "ValidationError" in done.err


def test_a_stack_without_the_outputs_is_refused(stack: Deployed) -> None:
    stack.stack.client("cloudformation").create_stack(
        StackName="someone-elses",
        TemplateBody=json.dumps({"Resources": {"M": {"Type": "AWS::SNS::Topic"}}}),
    )

    done = stack.cli("status", "--stack", "someone-elses", stack=False)

    assert done.code == 64
    assert "ActivationStateMachineArn" in done.err


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[str]]]:
    """A host that is not Adobe's, on a real socket: its URL and what it received."""
    received: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(f"{self.command} {self.path} {body.decode(errors='replace')}")
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _record

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("name", "parameters", "refused"),
    [
        # The testing switch off: a loopback ImsUrl is not Adobe's.
        (
            "ims-elsewhere",
            {"ImsUrl": "{elsewhere}", "AllowNonAdobeEndpointsForTesting": "false"},
            "ImsUrl",
        ),
        # A stack without the switch (off by default): both endpoints elsewhere.
        (
            "both-elsewhere",
            {"ImsUrl": "{elsewhere}", "PlatformUrl": "{elsewhere}/data/foundation/flowservice"},
            "PlatformUrl",
        ),
    ],
)
def test_a_stack_whose_adobe_endpoints_are_not_adobes_is_refused_before_any_call(
    stack: Deployed,
    elsewhere: tuple[str, list[str]],
    name: str,
    parameters: dict[str, str],
    refused: str,
) -> None:
    url, received = elsewhere
    template = _stack_template(stack.stack, stack.emulator)
    values = template.pop("_parameters")
    values.pop("AllowNonAdobeEndpointsForTesting", None)
    values["PlatformUrl"] = "https://platform.adobe.io/data/foundation/flowservice"
    values.update({key: value.format(elsewhere=url) for key, value in parameters.items()})
    template["Parameters"] = {key: {"Type": "String"} for key in values}
    stack.stack.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
    )
    # A registered activation with a dataflow: `runs` would read the stack's Adobe
    # credentials and ask IMS for a token with them.
    stack.registry.record_result(
        {
            "sandbox": "prod",
            "activation": NAME,
            "operation": "apply",
            "status": "SUCCEEDED",
            "resources": {"dataflowId": "d9d1f6b3-0000-4000-8000-000000000001"},
        },
        updated_at="2026-01-01T00:00:00Z",
        execution="arn:aws:states:us-east-1:123456789012:execution:m:e",
        request=lambda: json.dumps(example("amazon-s3")),
    )

    done = stack.cli("runs", NAME, "--stack", name, stack=False)

    assert received == []
    assert stack.emulator.requests == []
    assert done.code == 64, done.out + done.err
    assert f"--stack {name}: stack parameter {refused} must be an https URL" in done.err
    assert "Adobe's hosts" in done.err
    assert "AllowNonAdobeEndpointsForTesting=true" in done.err
    assert DEFAULT_CLIENT.client_secret not in done.out + done.err
