"""A request too large for SQS or nested too deeply
ends with a clear message and exit status 2, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.runtime.cli import main
from tests.statemachine.harness import example


def test_ten_thousand_audiences_over_sqs_are_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = example("amazon-s3")
    request["audiences"] = [request["audiences"][0]] * 10_000
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(request), encoding="utf-8")

    status = main(["run", str(path), "--trigger", "sqs", "--json"])

    assert status == 2
    err = capsys.readouterr().err
    assert "sqs: AWS refused the request" in err
    assert "Traceback" not in err


def test_a_deeply_nested_request_file_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")

    status = main(["run", str(path), "--json"])

    assert status == 2
    assert "nests arrays/objects too deeply" in capsys.readouterr().err
