"""``--local``: the same commands against the local runtime and the embedded emulator, end to
end in their own process (a fresh stack per command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import write_requests
from tests.statemachine.harness import EXAMPLES, REPOSITORY, example


def local_cli(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment["PYTHONPATH"] = (
        f"{REPOSITORY / 'layers' / 'aep_activation'}{os.pathsep}{REPOSITORY}"
    )
    return subprocess.run(
        [sys.executable, "-m", "aep_cli", *args, "--local"],
        env=environment,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_apply_runs_the_real_state_machine_locally_and_registers_it() -> None:
    done = local_cli("apply", str(EXAMPLES / "amazon-s3.json"), "--json")

    assert done.returncode == 0, done.stderr
    (report,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert (report["status"], report["operation"]) == ("SUCCEEDED", "apply")
    assert report["states"][-2:] == ["ReleaseActivationLease", "PublishSuccess"]
    assert report["resources"]["dataflowId"]


def test_a_folder_plan_with_detect_drift_exits_2_when_something_would_change(
    tmp_path: Path,
) -> None:
    folder = write_requests(
        tmp_path / "prod",
        [example("amazon-s3"), {**example("amazon-s3"), "name": "second-activation"}],
    )

    done = local_cli("plan", str(folder), "--detect-drift")

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.count("ACTIVATION") == 1
    assert "2 request(s): 2 succeeded; 2 with changes" in done.stdout
