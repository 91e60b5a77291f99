"""``python -m local emulator``: the standalone emulator, as a developer starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from local.__main__ import main
from tests.emulator.helpers import TIMEOUT

REPO = Path(__file__).resolve().parents[2]


def test_the_emulator_command_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "emulator", "--port", "0", "--patch-status", "202"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        url = lines[0].rsplit(" ", 1)[1].strip()
        output = "".join(lines)
        assert f"PLATFORM_URL={url}/data/foundation/flowservice" in output
        assert "local-client-id" in output
        health = requests.get(f"{url}/__admin/health", timeout=TIMEOUT)
        config = requests.get(f"{url}/__admin/config", timeout=TIMEOUT)
        assert health.json() == {"status": "ok"}
        assert config.json()["patchStatus"] == 202
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_unknown_options_are_refused() -> None:
    with pytest.raises(SystemExit):
        main(["emulator", "--colour", "red"])
    with pytest.raises(SystemExit):
        main(["emulator", "--patch-status", "204"])
