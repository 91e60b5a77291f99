"""The state machine as CloudFormation deploys it, checked by an independent ASL validator
(asl-validator, installed by ``make asl-validate``, which ``make test`` runs first)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.runtime.definitions import main, render_definitions

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "tools" / "asl-validator" / "node_modules" / ".bin" / "asl-validator"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    if not VALIDATOR.exists():
        pytest.skip("asl-validator is not installed: make asl-validate installs it")
    return subprocess.run(
        [str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, check=False
    )


def test_the_definition_is_rendered_with_every_substitution_as_deployed() -> None:
    (definition,) = render_definitions(ROOT / "template.yaml").values()

    assert "${" not in definition
    states = json.loads(definition)["States"]
    assert states["ValidateRequest"]["Resource"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:aep-activation-ValidateRequestFunction:1"
    )


def test_the_real_definition_passes_the_validator(tmp_path: Path) -> None:
    assert main(["--template", str(ROOT / "template.yaml"), "--out", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("*.asl.json")

    checked = validate(path)

    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("break_it", "report"),
    [
        (lambda s: s["ValidateRequest"].update(Next="NoSuchState"), "MISSING_TRANSITION_TARGET"),
        (lambda s: s["ValidateRequest"].update(ResultPath="request"), "asl_result_path"),
        (lambda s: s["ValidateRequest"].update(TimeoutSecondz=3), "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_the_validator_refuses_a_broken_definition(
    tmp_path: Path, break_it: Callable[[dict[str, Any]], None], report: str
) -> None:
    (definition,) = render_definitions(ROOT / "template.yaml").values()
    document = json.loads(definition)
    break_it(document["States"])
    path = tmp_path / "broken.asl.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    checked = validate(path)

    assert checked.returncode != 0
    assert report in checked.stdout + checked.stderr
