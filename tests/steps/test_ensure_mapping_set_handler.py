"""EnsureMappingSet's handler on a legacy card: null at once, before any set-up a new card's
call needs (the settings, the credentials secret, a client). Run in a fresh interpreter with
no Adobe settings and no AWS credentials, so any such read would fail the call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from aep_activation.request import parse_activation_request
from tests.statemachine.harness import example

REPOSITORY = Path(__file__).resolve().parents[2]
HANDLER_DIR = REPOSITORY / "functions" / "ensure_mapping_set"
LAYER = REPOSITORY / "layers" / "aep_activation"
CALL = (
    "import json, sys\n"
    "from app import lambda_handler\n"
    "from tests.support.lambda_context import LambdaContext\n"
    "try:\n"
    "    print(json.dumps({'result': lambda_handler(json.loads(sys.argv[1]), LambdaContext())}))\n"
    "except Exception as exc:\n"
    "    print(json.dumps({'error': type(exc).__name__, 'message': str(exc)}))\n"
)


def _call(data_prep: bool) -> dict[str, Any]:
    event = {
        "request": parse_activation_request(example("amazon-s3")).to_state(),
        "dataPrep": data_prep,
        "existing": {},
        "execution": "arn:aws:states:us-east-1:123456789012:execution:activation:legacy",
        "leaseExpiresAt": int(time.time()) + 3600,
    }
    # Nothing to read settings, secrets or credentials from.
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "ADOBE_", "IMS_", "PLATFORM_", "FLOW_SERVICE_"))
    }
    environment["PYTHONPATH"] = os.pathsep.join(map(str, (HANDLER_DIR, LAYER, REPOSITORY)))
    done = subprocess.run(
        [sys.executable, "-c", CALL, json.dumps(event)],
        env=environment,
        cwd=HANDLER_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_legacy_card_gets_null_without_reading_settings_or_secrets() -> None:
    assert _call(data_prep=False) == {"result": None}


def test_a_new_card_s_call_needs_the_settings_this_environment_lacks() -> None:
    # The same environment fails a call that does set up: the legacy answer above is not luck.
    answer = _call(data_prep=True)
    assert answer["error"] == "ConfigurationError"
    assert "ADOBE_CREDENTIALS_SECRET" in answer["message"]
