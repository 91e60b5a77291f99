"""What SnapStart snapshots is safe to restore: a function's init (its imports and the SDK
clients :mod:`aep_activation.lambda_init` makes) opens no network connection, so no
snapshot holds one that a restored copy would find dead or share with other copies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.runtime.template import load_template

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(REPOSITORY / "template.yaml", {})

# Run in a fresh interpreter: record every connection and name look-up the init attempts.
PROBE = """
import json, socket, sys
attempts = []
real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
def connect(self, address):
    attempts.append(repr(address))
    return real_connect(self, address)
def connect_ex(self, address):
    attempts.append(repr(address))
    return real_connect_ex(self, address)
real_getaddrinfo = socket.getaddrinfo
def getaddrinfo(*args, **kwargs):
    attempts.append(repr(args[:2]))
    return real_getaddrinfo(*args, **kwargs)
socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.getaddrinfo = getaddrinfo
sys.path[:0] = json.loads(sys.argv[1])
module, _, attribute = sys.argv[2].rpartition(".")
getattr(__import__(module), attribute)
print(json.dumps(attempts))
"""


@pytest.mark.parametrize("name", sorted(TEMPLATE.functions))
def test_a_function_s_init_opens_no_connection(name: str) -> None:
    spec = TEMPLATE.functions[name]
    search_path = [str(Path(d).resolve()) for d in (spec.code_dir, *spec.layer_dirs)]
    environment = {
        **{key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        **TEMPLATE.environment_as_deployed(name),
        # As in a Lambda container: lambda_init.prepare() makes the clients at import.
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
    done = subprocess.run(  # our own probe, no shell
        [sys.executable, "-c", PROBE, json.dumps(search_path), spec.handler],
        env=environment,
        cwd=search_path[0],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
