"""``python -m local run``: the real state machine, handlers and emulator, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.emulator import DEFAULT_CLIENT, Emulator
from local.runtime.cli import main
from local.runtime.fake_secrets import FAKE_VALUES, fake_destination_secret

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "amazon-s3.json"


def operator_secrets(tmp_path: Path, request: dict[str, Any]) -> Path:
    """The operator's secrets file, holding the request's destination secret: against another
    Flow Service the CLI makes up no secret."""
    secrets = tmp_path / "secrets.json"
    secrets.write_text(
        json.dumps({request["destination"]["auth"]["secretId"]: fake_destination_secret(request)})
    )
    return secrets


def against(emulator: Emulator, secrets: Path) -> list[str]:
    """The options that run the CLI against the emulator as another Flow Service."""
    return [
        "--platform-url",
        emulator.platform_url,
        "--ims-url",
        emulator.ims_url,
        "--secrets",
        str(secrets),
        "--json",
    ]


def test_a_missing_request_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_credentials_missing_keys_are_named_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"clientId": "id", "clientSecret": "s3cr3t-value"}))

    assert main(["run", str(EXAMPLE), "--credentials", str(credentials)]) == 2
    err = capsys.readouterr().err
    assert "orgId" in err
    assert "s3cr3t-value" not in err


def test_a_console_run_reports_the_dataflow_as_the_server_has_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = json.loads(EXAMPLE.read_text())

    status = main([str(EXAMPLE), "--json"])

    out = capsys.readouterr().out
    report = json.loads(out)
    assert (status, report["status"], report["error"]) == (0, "SUCCEEDED", None)
    assert report["states"][0] == "ValidateRequest"
    assert report["states"][-2:] == ["ReleaseActivationLease", "PublishSuccess"]
    assert sorted(report["dataflow"]["audiences"]) == sorted(a["id"] for a in request["audiences"])
    assert report["dataflow"]["attributes"] == request["profileAttributes"]
    assert report["resources"]["dataflowId"] == report["dataflow"]["id"]
    assert report["apiCalls"] == report["apiCallsDetail"]["total"] > 0
    for secret in (DEFAULT_CLIENT.client_secret, *FAKE_VALUES.values()):
        assert secret not in out


@pytest.mark.parametrize(
    ("example", "data_prep_line"),
    [("amazon-s3.json", "nothing to do"), ("amazon-s3-new-card.json", "mappingId=")],
)
def test_the_progress_says_when_the_data_prep_step_had_nothing_to_do(
    capsys: pytest.CaptureFixture[str], example: str, data_prep_line: str
) -> None:
    assert main([str(ROOT / "examples" / example)]) == 0

    lines = capsys.readouterr().out.splitlines()
    (step,) = [line for line in lines if "] EnsureMappingSet " in line]
    assert data_prep_line in step
    # Only a step that answered null says so: the lease's native write answers an object.
    assert not [line for line in lines if "nothing to do" in line and line is not step]


def test_an_invalid_sqs_request_is_dead_lettered_with_its_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = json.loads(EXAMPLE.read_text())
    request["audiences"][0]["exportMode"] = "WHENEVER"
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(request))

    status = main([str(path), "--trigger", "sqs", "--json"])

    report = json.loads(capsys.readouterr().out)
    assert (status, report["status"]) == (1, "DEAD_LETTERED")
    assert report["error"] == "InvalidActivationRequest"
    assert "exportMode" in report["cause"]
    assert report["states"] == []


def test_with_a_secrets_file_a_secret_it_lacks_is_never_made_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = json.loads(EXAMPLE.read_text())
    request["destination"]["auth"]["secretId"] = "aep/destinations/not-in-the-file"
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    secrets = tmp_path / "secrets.json"
    secrets.write_text(
        json.dumps({"aep/destinations/other": {"s3AccessKey": "a", "s3SecretKey": "b"}})
    )

    status = main([str(path), "--secrets", str(secrets), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert (status, report["status"], report["error"]) == (1, "FAILED", "SecretUnavailable")
    assert "aep/destinations/not-in-the-file" in report["cause"]
    assert report["states"][-1] == "ActivationFailed"
    assert "ValidateRequest" in report["states"]
    assert "ResolveSpecs" not in report["states"]
    assert report["apiCalls"] == 0  # nothing was asked of Adobe, let alone written


def test_against_another_platform_url_a_missing_secret_is_never_made_up(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            str(EXAMPLE),
            "--platform-url",
            emulator.platform_url,
            "--ims-url",
            emulator.ims_url,
            "--json",
        ]
    )

    report = json.loads(capsys.readouterr().out)
    assert (status, report["status"], report["error"]) == (1, "FAILED", "SecretUnavailable")
    assert "aep/destinations/amazon-s3" in report["cause"]
    assert [r for r in emulator.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")] == []


def test_a_plan_run_prints_the_plan_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan_request = ROOT / "examples" / "lifecycle" / "plan.json"

    status = main([str(plan_request), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert (status, report["status"], report["operation"]) == (0, "SUCCEEDED", "plan")
    plan = report["plan"]
    assert [c["resource"] for c in plan["wouldCreate"]][-1] == "dataflow"
    assert plan["patch"]
    assert plan["changes"]
    writes = {
        endpoint: count
        for endpoint, count in report["apiCallsDetail"]["byEndpoint"].items()
        if not endpoint.startswith("GET") and "/ims/" not in endpoint
    }
    assert writes == {}


def test_every_operation_runs_against_a_platform_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = json.loads(EXAMPLE.read_text())
    secrets = operator_secrets(tmp_path, request)
    with Emulator() as emulator:
        where = against(emulator, secrets)
        reports = {}
        for operation in ("apply", "plan", "teardown"):
            path = tmp_path / f"{operation}.json"
            confirm = (
                {"confirmDataflowId": reports["apply"]["resources"]["dataflowId"]}
                if operation == "teardown"
                else {}
            )
            path.write_text(json.dumps({**request, "operation": operation, **confirm}))
            status = main([str(path), *where])
            reports[operation] = json.loads(capsys.readouterr().out)
            assert (status, reports[operation]["status"]) == (0, "SUCCEEDED"), reports[operation]

        assert reports["plan"]["plan"]["converged"] is True
        deleted = reports["teardown"]["teardown"]["deleted"]
        assert [d["kind"] for d in deleted] == [
            "flows",
            "targetConnections",
            "sourceConnections",
            "connections",
            "connections",
        ]
        assert emulator.list_resources("flows") == []
        assert emulator.list_resources("connections") == []


def test_the_demo_lists_each_exported_file_with_adobe_s_column_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What make demo runs: the new S3 card's request, waiting for its simulated first run.
    demo = ROOT / "examples" / "lifecycle" / "wait-for-first-run.json"
    exports = tmp_path / "exports"

    status = main(["run", str(demo), "--exports", str(exports)])

    out = capsys.readouterr().out
    assert status == 0, out
    columns = "person_name_firstName,person_name_lastName,personalEmail_address,Email"
    files = sorted(exports.rglob("*.csv"))
    assert files
    for path in files:
        assert path.read_text(encoding="utf-8").splitlines()[0] == columns
        assert f"  {path}\n    columns: {columns}\n" in out
    assert (
        "Exported columns               person.name.firstName -> person_name_firstName, "
        "person.name.lastName -> person_name_lastName, "
        "personalEmail.address -> personalEmail_address, Email -> Email"
    ) in out


@pytest.mark.parametrize("example_name", ["amazon-s3.json", "amazon-s3-new-card.json"])
def test_against_a_served_emulator_a_run_fetches_one_token_and_reads_the_flow_back_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example_name: str
) -> None:
    """The report's dataflow is ValidateDataflow's read-back of the server: the CLI neither
    reads the flow (nor its mapping set) again nor fetches a token of its own for it."""
    example_path = ROOT / "examples" / example_name
    request = json.loads(example_path.read_text())
    secrets = operator_secrets(tmp_path, request)
    with Emulator() as emulator:
        status = main([str(example_path), *against(emulator, secrets)])
        report = json.loads(capsys.readouterr().out)
        calls = list(emulator.requests)

    assert (status, report["status"]) == (0, "SUCCEEDED"), report
    assert [c.path for c in calls].count("/ims/token/v3") == 1
    flow_reads = [c for c in calls if c.method == "GET" and c.relative_path.startswith("/flows/")]
    assert len(flow_reads) == 1  # ValidateDataflow's; the create answered with the etag
    mapping_reads = [c for c in calls if c.method == "GET" and "/mappingSets/" in c.path]
    assert len(mapping_reads) <= 1
    assert sorted(report["dataflow"]["audiences"]) == sorted(a["id"] for a in request["audiences"])
    assert report["dataflow"]["id"] == report["resources"]["dataflowId"]
