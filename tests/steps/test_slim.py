"""Step results cut to their budget: a result within it is untouched; a longer one keeps the
first items of its longest lists, says how many each had, and logs the whole lists in parts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aep_activation import slim
from aep_activation.limits import MAX_REQUEST_BYTES
from aep_activation.slim import FULL_RESULT_MESSAGE, RESULT_BUDGETS, STATE_BUDGET, fit, size_of

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:m:e"


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    monkeypatch.setattr(
        slim.logger, "info", lambda message, extra: lines.append({"message": message, **extra})
    )
    return lines


def test_a_result_within_its_budget_is_returned_as_it_is(logged: list[dict[str, Any]]) -> None:
    result = {"changes": ["add audience 'a'"], "patched": True}

    assert fit(result, "ActivateAudiences", execution=EXECUTION) is result
    assert logged == []


def test_a_long_result_is_cut_to_its_budget_and_logged_whole(
    logged: list[dict[str, Any]],
) -> None:
    words = [f"add audience {'n' * 200} ({i})" for i in range(2000)]
    ids = [f"{i:036d}" for i in range(400)]
    result = {"changes": words, "addedAudiences": ids, "patched": True}

    cut = fit(result, "ActivateAudiences", execution=EXECUTION)

    assert size_of(cut) <= RESULT_BUDGETS["ActivateAudiences"]
    assert cut["patched"] is True
    lists = cut["truncated"]["lists"]
    assert lists["changes"]["total"] == 2000
    assert cut["changes"] == words[: lists["changes"]["kept"]]
    where = cut["truncated"]["fullListsIn"]
    assert (where["message"], where["correlationId"]) == (FULL_RESULT_MESSAGE, EXECUTION)
    assert where["parts"] == len(logged)
    for field in lists:
        parts = sorted((p for p in logged if p["field"] == field), key=lambda p: p["offset"])
        assert [item for p in parts for item in p["items"]] == result[field]
        assert all(len(json.dumps(p["items"])) <= slim.LOG_PART_BYTES + 1024 for p in parts)


def test_lists_the_next_state_needs_whole_are_never_cut(logged: list[dict[str, Any]]) -> None:
    run_ids = [f"{i:036d}" for i in range(250)]
    runs = [{"runId": r, "status": "success", "errors": [], "records": 1} for r in run_ids]

    cut = fit({"runIds": run_ids, "runs": runs}, "CheckRuns", execution=EXECUTION, keep=["runIds"])

    assert cut["runIds"] == run_ids
    assert "runIds" not in cut["truncated"]["lists"]
    assert cut["truncated"]["lists"]["runs"]["total"] == 250


def test_the_largest_request_and_every_budget_together_stay_within_the_state_budget() -> None:
    # Ids, specs, connections, the lease and the dataflow snapshot: a few KiB beside them.
    others = 16 * 1024
    apply_path = sum(RESULT_BUDGETS[s] for s in RESULT_BUDGETS if s != "PlanActivation")
    assert MAX_REQUEST_BYTES + apply_path + others <= STATE_BUDGET
    assert MAX_REQUEST_BYTES + RESULT_BUDGETS["PlanActivation"] + others <= STATE_BUDGET
