"""Bad usage and bad input: a clear message naming the file, the field and the rule, exit
status 64, and nothing called (the stack named here does not exist: had anything been
called, the message would be about it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aep_cli.app import EXIT_USAGE, main
from aep_cli.status import age
from tests.statemachine.harness import EXAMPLES, example

NOWHERE = ("--stack", "no-such-stack", "--region", "us-east-1")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = int(exit.code or 0)
    captured = capsys.readouterr()
    return code, captured.err


def test_an_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "destroy", "x.json", *NOWHERE)

    assert code == EXIT_USAGE
    assert "invalid choice: 'destroy'" in err


def test_a_missing_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(capsys, "apply", str(tmp_path / "absent.json"), *NOWHERE)

    assert code == EXIT_USAGE
    assert f"{tmp_path / 'absent.json'}: no such file" in err
    assert "no-such-stack" not in err


def test_an_invalid_request_names_the_field_and_rule_and_starts_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = example("amazon-s3")
    bad["audiences"][0]["schedule"]["frequency"] = "HOURLY"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))

    code, err = run(capsys, "apply", str(EXAMPLES / "amazon-s3.json"), str(path), *NOWHERE)

    assert code == EXIT_USAGE
    assert "nothing started" in err
    assert f"{path}: audiences.0.schedule" in err
    assert "no-such-stack" not in err


def test_a_request_file_leaves_the_operation_to_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({**example("amazon-s3"), "operation": "plan"}))

    code, err = run(capsys, "apply", str(path), *NOWHERE)

    assert code == EXIT_USAGE
    assert "operation: is 'plan'" in err


def test_a_folder_with_two_files_for_one_activation_refuses_both(tmp_path: Path) -> None:
    from aep_cli.inputs import read_folder

    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(example("amazon-s3")))

    files = read_folder(tmp_path, "apply")

    assert [f.valid for f in files] == [False, False]
    assert files[0].errors == ("name: prod/summer-sale-s3 is also the activation of b.json",)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("status",), "say where: --stack NAME"),
        (("status", "--local", "--stack", "s"), "--stack and --local: choose one"),
        (("plan", str(EXAMPLES / "amazon-s3.json"), "--detect-drift", *NOWHERE), "needs a folder"),
        (("apply", str(EXAMPLES), "--prune-missing", "--parallel", "0", *NOWHERE), "--parallel"),
        (("teardown", str(EXAMPLES), *NOWHERE), "teardown takes request files"),
    ],
)
def test_usage_mistakes_are_named(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.delenv("AEP_ACTIVATIONS_STACK", raising=False)

    code, err = run(capsys, *argv)

    assert code == EXIT_USAGE
    assert message in err


def test_ages_read_aws_times() -> None:
    import datetime

    now = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
    assert age("2026-12-07T11:59:30.000Z", now) == "30s"
    assert age("2026-12-07T09:00:00.000Z", now) == "3h"
    assert age("2026-12-05T12:00:00.000Z", now) == "2d"
    assert age("yesterday", now) == "?"


def test_the_console_script_is_the_tools_main() -> None:
    import tomllib

    from tests.statemachine.harness import REPOSITORY

    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    module, function = project["project"]["scripts"]["aep-activations"].split(":")
    assert (module, function) == ("aep_cli.app", "main")
    assert main.__module__ == module


def test_the_tool_loads_moto_only_for_local() -> None:
    """Against a deployed stack the tool reads histories with the local runtime's report code;
    that must not load moto (seconds of imports on every command)."""
    import os
    import subprocess
    import sys

    from tests.statemachine.harness import REPOSITORY

    code = "import sys, aep_cli.app, aep_cli.status; print('moto' in sys.modules)"
    environment = {
        **os.environ,
        "PYTHONPATH": f"{REPOSITORY / 'layers' / 'aep_activation'}{os.pathsep}{REPOSITORY}",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
