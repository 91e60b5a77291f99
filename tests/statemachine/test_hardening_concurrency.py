"""Issue 10, finding 5: 50 executions adding audiences to one dataflow at once all land.

Etag conflicts are met with a jittered wait (full jitter, the ceiling doubling per conflict)
before re-reading. Locally the waits are recorded, not slept, so contention is at its worst
here: the conflict bound is sized by this test, and the waits it asked for are checked.
"""

from __future__ import annotations

import pytest

from tests.statemachine import asl
from tests.statemachine.harness import Machine, example, flow_audiences, with_dataflow
from tests.statemachine.test_concurrency import audience

CONCURRENT = 50
CEILING_CAP = 32


@pytest.mark.slow
def test_50_executions_adding_audiences_to_one_dataflow_all_land(machine: Machine) -> None:
    base = example("amazon-s3")
    assert machine.run(base).status == "SUCCEEDED"
    flow_id = machine.only_flow()["id"]

    arns = []
    for index in range(CONCURRENT):
        request = with_dataflow(base, flow_id)
        request["name"] = f"fifty-{index}"
        request["audiences"] = [audience(index)]
        arns.append(machine.start(request, name=f"fifty-{index}"))
    results = [machine.wait(arn) for arn in arns]

    assert [r.status for r in results] == ["SUCCEEDED"] * CONCURRENT, [r.error for r in results]
    ids = [a["id"] for a in flow_audiences(machine.only_flow())]
    expected = {a["id"] for a in base["audiences"]} | {audience(i)["id"] for i in range(CONCURRENT)}
    assert sorted(ids) == sorted(expected)  # each exactly once, none lost
    conflicts = [len(r.visits_of("CountEtagConflict")) for r in results]
    waits = [s for s in machine.stack.sleeps if s.kind == "wait" and s.execution_arn in arns]
    assert len(waits) == sum(conflicts)  # a jittered wait before every re-read
    assert all(0 <= w.seconds <= CEILING_CAP for w in waits)
    assert len({w.seconds for w in waits}) > 1  # jittered, not a fixed pause
    bound = asl.etag_conflict_bound()
    print(
        f"{CONCURRENT} concurrent executions: {sum(conflicts)} etag conflicts, at most "
        f"{max(conflicts)} for one execution (bound {bound})"
    )
    assert max(conflicts) < bound
