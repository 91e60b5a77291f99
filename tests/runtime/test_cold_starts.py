"""Cold starts as Lambda makes them: a container that has imported nothing in advance runs its
init (the handler's imports) at full CPU, then serves its calls on the function's CPU share."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.runtime import LocalStack
from local.runtime.cpu_quota import MB_PER_VCPU, PERIOD_US
from local.runtime.functions import ColdStarts

MEMORY_MB = 354  # a fifth of a vCPU on Lambda

TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ProbeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/probe/
      Handler: app.lambda_handler
      Runtime: python3.12
      Timeout: 30
      MemorySize: {MEMORY_MB}
"""

PROBE = """\
import os
import sys


def _cgroup():
    with open("/proc/self/cgroup") as handle:
        return handle.read()


# What the container had imported before its own code ran, and where its init ran.
PRELOADED = sorted(name for name in ("pydantic", "requests", "boto3") if name in sys.modules)
INIT_CGROUP = _cgroup()
CALLS = 0


def lambda_handler(event, context):
    global CALLS
    CALLS += 1
    return {
        "preloaded": PRELOADED,
        "initCgroup": INIT_CGROUP,
        "callCgroup": _cgroup(),
        "pid": os.getpid(),
        "calls": CALLS,
    }
"""


def _project(root: Path) -> Path:
    (root / "fns" / "probe").mkdir(parents=True)
    (root / "fns" / "probe" / "app.py").write_text(textwrap.dedent(PROBE), encoding="utf-8")
    (root / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    return root / "template.yaml"


@pytest.fixture
def cold_starts() -> ColdStarts:
    return ColdStarts.detect()


@pytest.fixture
def stack(tmp_path: Path, cold_starts: ColdStarts) -> Iterator[LocalStack]:
    with LocalStack(_project(tmp_path), cold_starts=cold_starts) as local:
        yield local


def test_a_cold_container_imports_nothing_in_advance_and_reports_its_init(
    stack: LocalStack,
) -> None:
    first = stack.lambdas.invoke("ProbeFunction", {})
    second = stack.lambdas.invoke("ProbeFunction", {})
    stack.cold_start()
    third = stack.lambdas.invoke("ProbeFunction", {})

    assert first.result["preloaded"] == []
    assert [i.result["calls"] for i in (first, second, third)] == [1, 2, 1]
    # Init is reported once per container, before its first call only.
    assert first.init_seconds is not None
    assert second.init_seconds is None
    assert third.init_seconds is not None
    assert third.result["pid"] != first.result["pid"]
    assert all(i.cpu_seconds >= 0 for i in (first, second, third))


def test_without_cold_starts_containers_fork_from_the_preloaded_factory(tmp_path: Path) -> None:
    with LocalStack(_project(tmp_path)) as stack:
        call = stack.lambdas.invoke("ProbeFunction", {})

    assert call.result["preloaded"] == ["boto3", "pydantic", "requests"]
    assert call.init_seconds is None


def test_calls_run_on_the_lambda_cpu_share_and_init_does_not(
    stack: LocalStack, cold_starts: ColdStarts
) -> None:
    if cold_starts.quota is None:
        pytest.skip(cold_starts.note)
    call = stack.lambdas.invoke("ProbeFunction", {})
    pid = call.result["pid"]
    group = f"aep-local-{pid}"

    assert group not in call.result["initCgroup"]
    assert group in call.result["callCgroup"]
    quota_file = "cpu.max" if cold_starts.quota.version == 2 else "cpu.cfs_quota_us"
    quota = (cold_starts.quota.parent / group / quota_file).read_text().split()[0]
    assert int(quota) == int(PERIOD_US * MEMORY_MB / MB_PER_VCPU)


def test_a_retired_container_leaves_no_cgroup_behind(
    stack: LocalStack, cold_starts: ColdStarts
) -> None:
    if cold_starts.quota is None:
        pytest.skip(cold_starts.note)
    pid = stack.lambdas.invoke("ProbeFunction", {}).result["pid"]
    stack.cold_start()

    assert not (cold_starts.quota.parent / f"aep-local-{pid}").exists()
