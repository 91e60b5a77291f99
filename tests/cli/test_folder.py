"""``apply|plan DIR/``: a folder of request files as the desired state of its activations.

Twenty requests (ten new, five changed, five unchanged) make exactly the expected creates
and patches; drift made behind the stack's back, or an activation dropped from the folder,
makes ``plan --detect-drift`` exit 2 until ``apply`` (``--prune-missing``) converges it; an
invalid file is named with its field and rule while the others proceed.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

from aep_activation.registry import ACTIVE, TORN_DOWN
from tests.cli.conftest import Deployed, Result, write_requests
from tests.statemachine.harness import daily_audience, example
from tests.support.flows import flow_audiences

SELECTORS = "/transformations/0/params/segmentSelectors/selectors"


def request(index: int) -> dict[str, Any]:
    base = copy.deepcopy(example("amazon-s3"))
    base["name"] = f"bulk-{index:02d}"
    return base


def changed(base: dict[str, Any]) -> dict[str, Any]:
    new = copy.deepcopy(base)
    new["audiences"].append(daily_audience(str(uuid.uuid4()), f"Added to {base['name']}"))
    return new


def table_rows(done: Result) -> dict[str, list[str]]:
    """The table's rows by activation: the cells split on runs of two spaces or more."""
    lines = done.out.splitlines()
    (header,) = [i for i, line in enumerate(lines) if line.startswith("ACTIVATION")]
    rows = {}
    for line in lines[header + 1 :]:
        if not line.strip():
            break
        cells = [cell.strip() for cell in line.split("  ") if cell.strip()]
        rows[cells[0]] = cells
    return rows


def flow_ids(stack: Deployed) -> dict[str, str]:
    """Each activation's dataflow id, by name (dataflows are named after their activation)."""
    return {
        activation.name: str(activation.dataflow_id)
        for activation in stack.registry.activations()
        if activation.dataflow_id
    }


def patched(stack: Deployed) -> list[str]:
    return [
        r.relative_path.split("/")[2]
        for r in stack.emulator.requests
        if r.method == "PATCH" and r.relative_path.startswith("/flows/")
    ]


def created_flows(stack: Deployed) -> int:
    return sum(
        1 for r in stack.emulator.requests if r.method == "POST" and r.relative_path == "/flows"
    )


def test_twenty_requests_make_exactly_the_expected_creates_and_patches(
    stack: Deployed, tmp_path: Path
) -> None:
    folder = tmp_path / "prod"
    existing = [request(i) for i in range(10)]
    first = stack.cli("apply", str(write_requests(folder, existing)))
    assert first.code == 0, first.out + first.err
    before = flow_ids(stack)
    stack.emulator.clear_requests()
    for old in existing[:5]:
        write_requests(folder, [changed(old)])
    write_requests(folder, [request(i) for i in range(10, 20)])

    done = stack.cli("apply", str(folder), "--parallel", "6")

    assert done.code == 0, done.out + done.err
    assert done.out.count("ACTIVATION") == 1  # one table
    rows = table_rows(done)
    assert len(rows) == 20
    assert all(row[-1] == "SUCCEEDED" for row in rows.values())
    assert created_flows(stack) == 10
    after = flow_ids(stack)
    changed_flows = {before[f"bulk-{i:02d}"] for i in range(5)}
    unchanged_flows = {before[f"bulk-{i:02d}"] for i in range(5, 10)}
    new_flows = {after[f"bulk-{i:02d}"] for i in range(10, 20)}
    assert set(patched(stack)) == changed_flows | new_flows
    assert not unchanged_flows & set(patched(stack))  # unchanged: no PATCH at all
    for i in range(5, 10):
        assert rows[f"prod/bulk-{i:02d}"][2] == "none"
    for i in range(5):
        assert rows[f"prod/bulk-{i:02d}"][2].startswith("1: add audience")
    # One line per activation as it finished, then the summary.
    assert sum(1 for line in done.out.splitlines() if line.startswith("  [  ok]")) == 20
    assert "20 request(s): 20 succeeded; 15 with changes" in done.out


def test_detect_drift_exits_2_after_a_change_behind_the_stacks_back_and_0_after_apply(
    stack: Deployed, tmp_path: Path
) -> None:
    folder = write_requests(tmp_path / "prod", [request(0), request(1)])
    assert stack.cli("apply", str(folder)).code == 0
    assert stack.cli("plan", str(folder), "--detect-drift").code == 0
    drifted = flow_ids(stack)["bulk-01"]
    (flow,) = [f for f in stack.emulator.list_resources("flows") if f["id"] == drifted]
    removed = flow_audiences(flow)[0]
    stack.emulator.edit_flow(drifted, [{"op": "remove", "path": f"{SELECTORS}/0"}])

    drift = stack.cli("plan", str(folder), "--detect-drift")

    assert drift.code == 2, drift.out + drift.err
    rows = table_rows(drift)
    assert rows["prod/bulk-00"][2] == "none"
    assert rows["prod/bulk-01"][2].startswith(f"1: add audience {removed['name']}")
    assert stack.cli("apply", str(folder)).code == 0
    assert stack.cli("plan", str(folder), "--detect-drift").code == 0


def test_an_activation_dropped_from_the_folder_is_drift_and_pruned_only_on_request(
    stack: Deployed, tmp_path: Path
) -> None:
    folder = write_requests(tmp_path / "prod", [request(0), request(1)])
    assert stack.cli("apply", str(folder)).code == 0
    (folder / "bulk-01.json").unlink()

    drift = stack.cli("plan", str(folder), "--detect-drift")
    kept = stack.cli("apply", str(folder))

    assert drift.code == 2
    assert table_rows(drift)["prod/bulk-01"][1:3] == ["teardown", drift_cell(stack)]
    assert "NOT IN FOLDER" in table_rows(drift)["prod/bulk-01"][3]
    assert kept.code == 0
    assert stack.registry.get("prod", "bulk-01").state == ACTIVE  # type: ignore[union-attr]
    assert len(stack.emulator.list_resources("flows")) == 2

    pruned = stack.cli("apply", str(folder), "--prune-missing")

    assert pruned.code == 0, pruned.out + pruned.err
    assert table_rows(pruned)["prod/bulk-01"][1] == "teardown"
    assert stack.registry.get("prod", "bulk-01").state == TORN_DOWN  # type: ignore[union-attr]
    assert len(stack.emulator.list_resources("flows")) == 1
    assert stack.cli("plan", str(folder), "--detect-drift").code == 0


def drift_cell(stack: Deployed) -> str:
    dataflow = stack.registry.get("prod", "bulk-01").dataflow_id  # type: ignore[union-attr]
    return f"1: delete dataflow {dataflow} and its connections"


def test_an_invalid_file_is_named_with_its_field_and_rule_and_the_others_proceed(
    stack: Deployed, tmp_path: Path
) -> None:
    bad = request(1)
    bad["audiences"][0]["exportMode"] = "WHENEVER"
    folder = write_requests(tmp_path / "prod", [request(0), bad])
    (folder / "notes.json").write_text("{not json")

    done = stack.cli("apply", str(folder))

    assert done.code == 1
    rows = table_rows(done)
    assert rows["prod/bulk-00"][-1] == "SUCCEEDED"
    bad_row = rows[str(folder / "bulk-01.json")]
    assert bad_row[-1].startswith("INVALID: audiences.0.exportMode: must be one of")
    assert rows[str(folder / "notes.json")][-1].startswith("INVALID: (root): is not valid JSON")
    assert [a.name for a in stack.registry.activations()] == ["bulk-00"]
    assert len(stack.emulator.list_resources("flows")) == 1


def test_nothing_is_pruned_on_a_folder_with_an_invalid_file(
    stack: Deployed, tmp_path: Path
) -> None:
    folder = write_requests(tmp_path / "prod", [request(0), request(1), request(2)])
    assert stack.cli("apply", str(folder)).code == 0
    (folder / "bulk-02.json").unlink()  # dropped: would be pruned
    broken = request(1)
    broken["prune"] = "yes"  # invalid, but still names bulk-01: that one is not missing
    write_requests(folder, [broken])

    done = stack.cli("apply", str(folder), "--prune-missing")

    assert done.code == 1
    rows = table_rows(done)
    assert "not torn down" in rows["prod/bulk-02"][3]
    assert "prod/bulk-01" not in rows  # its row is the invalid file's
    assert rows[str(folder / "bulk-01.json")][-1].startswith("INVALID: prune:")
    assert len(stack.emulator.list_resources("flows")) == 3
    assert {a.state for a in stack.registry.activations()} == {ACTIVE}
