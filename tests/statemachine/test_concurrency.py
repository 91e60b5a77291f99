"""Many executions adding audiences to one dataflow at once: every audience lands exactly once.

Each execution PATCHes with ``If-Match`` on the etag it read; all but one of a concurrent
round get a 412, re-read the flow and recompute their patch. Nothing is lost and nothing is
added twice, within the ASL's bound on etag conflicts.
"""

from __future__ import annotations

import uuid

import pytest

from tests.statemachine.harness import Machine, example, flow_audiences, with_dataflow

CONCURRENT = 25


def audience(index: int) -> dict[str, object]:
    return {
        "id": str(uuid.UUID(int=index + 1)),
        "name": f"Concurrent audience {index}",
        "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%",
        "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {
            "frequency": "DAILY",
            "triggerType": "AFTER_SEGMENT_EVAL",
            "startDate": "2030-06-01",
        },
    }


@pytest.mark.slow
def test_25_executions_adding_audiences_to_one_dataflow_land_each_exactly_once(
    machine: Machine,
) -> None:
    base = example("amazon-s3")
    created = machine.run(base)
    assert created.status == "SUCCEEDED"
    flow_id = machine.only_flow()["id"]

    arns = []
    for index in range(CONCURRENT):
        request = with_dataflow(base, flow_id)
        request["name"] = f"concurrent-{index}"
        request["audiences"] = [audience(index)]
        arns.append(machine.start(request, name=f"concurrent-{index}"))
    results = [machine.wait(arn) for arn in arns]

    assert [r.status for r in results] == ["SUCCEEDED"] * CONCURRENT, [r.error for r in results]
    ids = [a["id"] for a in flow_audiences(machine.only_flow())]
    expected = {a["id"] for a in base["audiences"]} | {audience(i)["id"] for i in range(CONCURRENT)}
    assert sorted(ids) == sorted(expected)  # each exactly once, none lost
    conflicts = sum(len(r.visits_of("RefreshDataflow")) for r in results)
    patches = [c for c in machine.calls("PATCH", "/flows/*") if c.status in (200, 202)]
    assert len(patches) == 1 + CONCURRENT  # one successful PATCH per execution
    print(f"{CONCURRENT} concurrent executions: {conflicts} etag conflicts resolved by re-reading")
