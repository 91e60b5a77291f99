"""50 executions adding audiences to one dataflow at once all land.

Etag conflicts are met by ActivateAudiences' Retry on EtagMismatch: a jittered wait (full
jitter, the ceiling doubling per conflict) before an attempt that re-reads. Locally the waits are recorded, not slept, so contention is at its worst
here: the conflict bound is sized by this test, and the waits it asked for are checked.
"""

from __future__ import annotations

import pytest

from tests.statemachine import asl
from tests.statemachine.harness import Machine, example
from tests.statemachine.test_concurrency import add_one_audience_each, assert_each_audience_once

CONCURRENT = 50
CEILING_CAP = 32


@pytest.mark.slow
def test_50_executions_adding_audiences_to_one_dataflow_all_land(machine: Machine) -> None:
    base = example("amazon-s3")

    arns, results = add_one_audience_each(machine, base, CONCURRENT, "fifty")

    assert [r.status for r in results] == ["SUCCEEDED"] * CONCURRENT, [r.error for r in results]
    assert_each_audience_once(machine, base, CONCURRENT)
    conflicts = [
        len(
            [
                f
                for v in r.visits_of("ActivateAudiences")
                for f in v.failures
                if f.error == "EtagMismatch"
            ]
        )
        for r in results
    ]
    waits = [
        s
        for s in machine.stack.sleeps
        if s.kind == "retry" and s.state == "ActivateAudiences" and s.execution_arn in arns
    ]
    assert len(waits) == sum(conflicts)  # a jittered wait before every re-read
    assert all(0 <= w.seconds <= CEILING_CAP for w in waits)
    assert asl.retrier_for("ActivateAudiences", "EtagMismatch").max_delay_seconds == CEILING_CAP
    assert len({w.seconds for w in waits}) > 1  # jittered, not a fixed pause
    bound = asl.etag_conflict_bound()
    print(
        f"{CONCURRENT} concurrent executions: {sum(conflicts)} etag conflicts, at most "
        f"{max(conflicts)} for one execution (bound {bound})"
    )
    assert max(conflicts) < bound
