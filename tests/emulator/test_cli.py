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


def _serve(*, ignoring_sigint: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local", "emulator", "--port", "0", "--patch-status", "202"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # What a shell does to a background job: SIGINT ignored, inherited by the child.
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if ignoring_sigint
        else None,
    )


def _banner(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Ctrl-C"):
            break
    return "".join(lines)


def test_the_emulator_command_serves_until_stopped() -> None:
    process = _serve()
    try:
        output = _banner(process)
        url = output.splitlines()[0].rsplit(" ", 1)[1].strip()
        assert f"PLATFORM_URL={url}/data/foundation/flowservice" in output
        assert "local-client-id" in output
        health = requests.get(f"{url}/__admin/health", timeout=TIMEOUT)
        config = requests.get(f"{url}/__admin/config", timeout=TIMEOUT)
        assert health.json() == {"status": "ok"}
        assert config.json()["patchStatus"] == 202
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_sigint_stops_the_emulator_started_as_a_background_job() -> None:
    process = _serve(ignoring_sigint=True)
    try:
        _banner(process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()


def test_unknown_options_are_refused() -> None:
    with pytest.raises(SystemExit):
        main(["emulator", "--colour", "red"])
    with pytest.raises(SystemExit):
        main(["emulator", "--patch-status", "204"])
