"""``python -m local watch``: an activation through the real state machine, then the export
watch over simulated nights catching a failed export, as an operator would see it."""

from __future__ import annotations

import argparse
import io

from local.runtime.watch_demo import DEFAULT_REQUEST, _run


def test_the_demo_shows_a_failed_export_caught_by_the_watch() -> None:
    out = io.StringIO()

    status = _run(
        argparse.Namespace(request=DEFAULT_REQUEST, nights=2, scenario="success,failed"), out
    )

    text = out.getvalue()
    assert status == 0, text
    lines = [line.strip() for line in text.splitlines()]
    # The watch reads what the state machine registered when the apply ended.
    assert (
        sum(line.startswith("Registered: ") and " ACTIVE, dataflow " in line for line in lines) == 1
    )
    assert sum("ExportSucceeded" in line for line in lines) == 1, text
    assert sum("ExportFailed" in line for line in lines) == 1, text
    assert "ACTIVATION_BATCH-0000-FAILED: Job aborted." in lines
    assert "ExportsFailedAlarm     goes to ALARM (ExportRunsFailed 1)" in lines
    assert "ExportsDelayedAlarm    stays OK (ExportRunsDelayed 0)" in lines
