"""Cold starts as Lambda makes them: a container that has imported nothing in advance runs its
init (the handler's imports) at full CPU, then serves its calls on the function's CPU share."""

from __future__ import annotations

import itertools
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.runtime import LocalDeployment
from local.runtime.cpu_quota import MB_PER_VCPU, PERIOD_US
from local.runtime.functions import BACKGROUND_NICE, ColdStarts, Turnstile

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
INIT_NICE = os.getpriority(os.PRIO_PROCESS, 0)
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
        "initNice": INIT_NICE,
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
def stack(tmp_path: Path, cold_starts: ColdStarts) -> Iterator[LocalDeployment]:
    with LocalDeployment(_project(tmp_path), cold_starts=cold_starts) as local:
        yield local


def test_a_cold_container_imports_nothing_in_advance_and_reports_its_init(
    stack: LocalDeployment,
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
    # With its CPU, which the wall time exceeds whenever the init waited for a core.
    assert first.init_cpu_seconds is not None
    assert first.init_cpu_seconds > 0
    assert second.init_cpu_seconds is None
    assert third.result["pid"] != first.result["pid"]
    assert all(i.cpu_seconds >= 0 for i in (first, second, third))


def test_without_cold_starts_containers_fork_from_the_preloaded_factory(tmp_path: Path) -> None:
    with LocalDeployment(_project(tmp_path)) as stack:
        call = stack.lambdas.invoke("ProbeFunction", {})

    assert call.result["preloaded"] == ["boto3", "pydantic", "requests"]
    assert call.init_seconds is None


def test_calls_run_on_the_lambda_cpu_share_and_init_does_not(
    stack: LocalDeployment, cold_starts: ColdStarts
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
    stack: LocalDeployment, cold_starts: ColdStarts
) -> None:
    if cold_starts.quota is None:
        pytest.skip(cold_starts.note)
    pid = stack.lambdas.invoke("ProbeFunction", {}).result["pid"]
    stack.cold_start()

    assert not (cold_starts.quota.parent / f"aep-local-{pid}").exists()


def test_an_asynchronous_call_starts_the_container_in_the_background_and_leaves_it_warm(
    stack: LocalDeployment,
) -> None:
    answer = stack.client("lambda").invoke(
        FunctionName="ProbeFunction", InvocationType="Event", Payload=b'{"warm": true}'
    )
    assert answer["StatusCode"] == 202  # queued: the caller does not wait for init or call
    assert stack.lambdas.wait_for_async()
    (warm_up,) = stack.invocations
    later = stack.lambdas.invoke("ProbeFunction", {})

    assert warm_up.asynchronous
    assert warm_up.event == {"warm": True}
    assert warm_up.init_seconds is not None  # the cold start was the warm-up's
    assert later.init_seconds is None
    assert later.result["calls"] == 2
    assert later.result["pid"] == warm_up.result["pid"]
    # On this machine's few cores a background init yields to the calls being waited for.
    assert warm_up.result["initNice"] == BACKGROUND_NICE
    assert later.result["initNice"] == BACKGROUND_NICE


def test_a_synchronous_cold_start_runs_its_init_at_normal_priority(stack: LocalDeployment) -> None:
    assert stack.lambdas.invoke("ProbeFunction", {}).result["initNice"] == 0


def test_a_failing_asynchronous_call_reaches_no_caller(tmp_path: Path) -> None:
    template = _project(tmp_path)
    (tmp_path / "fns" / "probe" / "app.py").write_text(
        "def lambda_handler(event, context):\n    raise RuntimeError('no')\n", encoding="utf-8"
    )
    with LocalDeployment(template, cold_starts=ColdStarts.detect(throttle=False)) as local:
        answer = local.client("lambda").invoke(
            FunctionName="ProbeFunction", InvocationType="Event", Payload=b"{}"
        )
        assert local.lambdas.wait_for_async()
        (call,) = local.invocations

    assert answer["StatusCode"] == 202
    assert "FunctionError" not in answer
    assert call.asynchronous
    assert call.error_type == "RuntimeError"


SLOW_INIT = """\
import time

STARTED = time.time()
time.sleep(0.5)  # an init long enough for two started together to overlap
ENDED = time.time()


def lambda_handler(event, context):
    return {"started": STARTED, "ended": ENDED}
"""


SLOW_CALL = """\
import os
import time


def lambda_handler(event, context):
    time.sleep(1.0)  # still running when the warm-up queued behind a slow init gets its turn
    return {"pid": os.getpid()}
"""


def test_background_inits_run_one_at_a_time_in_the_order_asked(tmp_path: Path) -> None:
    names = ("FirstFunction", "SecondFunction", "ThirdFunction")
    resources = ""
    for name in names:
        (tmp_path / "fns" / name).mkdir(parents=True)
        (tmp_path / "fns" / name / "app.py").write_text(SLOW_INIT, encoding="utf-8")
        resources += (
            f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            f"      CodeUri: fns/{name}/\n      Handler: app.lambda_handler\n"
            "      Runtime: python3.12\n      Timeout: 30\n"
        )
    template = TEMPLATE.split("Resources:")[0] + "Resources:\n" + resources
    (tmp_path / "template.yaml").write_text(template, encoding="utf-8")
    with LocalDeployment(tmp_path / "template.yaml", cold_starts=ColdStarts.detect()) as local:
        lambda_api = local.client("lambda")
        for name in names:
            lambda_api.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        assert local.lambdas.wait_for_async()
        windows = {i.function: (i.result["started"], i.result["ended"]) for i in local.invocations}

    ordered = [windows[name] for name in names]
    assert all(ended <= started for (_, ended), (started, _) in itertools.pairwise(ordered))


def test_a_queued_warm_up_takes_the_idle_container_a_call_started_meanwhile(
    tmp_path: Path,
) -> None:
    (tmp_path / "fns" / "slow").mkdir(parents=True)
    (tmp_path / "fns" / "slow" / "app.py").write_text(SLOW_INIT, encoding="utf-8")
    (tmp_path / "fns" / "probe").mkdir(parents=True)
    (tmp_path / "fns" / "probe" / "app.py").write_text(textwrap.dedent(PROBE), encoding="utf-8")
    slow = (
        "  SlowFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: fns/slow/\n      Handler: app.lambda_handler\n"
        "      Runtime: python3.12\n      Timeout: 30\n"
    )
    (tmp_path / "template.yaml").write_text(TEMPLATE + slow, encoding="utf-8")
    with LocalDeployment(tmp_path / "template.yaml", cold_starts=ColdStarts.detect()) as local:
        lambda_api = local.client("lambda")
        for name in ("SlowFunction", "ProbeFunction"):
            lambda_api.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        # The probe's warm-up waits for the slow init; a call meanwhile starts a container.
        call = local.lambdas.invoke("ProbeFunction", {})
        assert local.lambdas.wait_for_async()
        (warm_up,) = [
            i for i in local.invocations if i.asynchronous and i.function != "SlowFunction"
        ]

    assert call.init_seconds is not None
    assert warm_up.init_seconds is None  # no second container: the call's, idle by then
    assert warm_up.result["pid"] == call.result["pid"]
    assert warm_up.result["calls"] == 2


def test_the_turnstile_passes_threads_in_ticket_order_whatever_order_they_arrive_in() -> None:
    turnstile = Turnstile()
    tickets = [turnstile.ticket() for _ in range(5)]
    passed: list[int] = []

    def through(ticket: int) -> None:
        with turnstile.turn(ticket):
            passed.append(ticket)

    # The latest ticket arrives first, and one ticket's holder fails before its turn.
    threads = [threading.Thread(target=through, args=(t,)) for t in reversed(tickets) if t != 2]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    turnstile.give_up(2)
    for thread in threads:
        thread.join(timeout=5)

    assert passed == [0, 1, 3, 4]


def test_a_wider_turnstile_lets_that_many_through_at_once_still_in_ticket_order() -> None:
    turnstile = Turnstile(width=2)
    tickets = [turnstile.ticket() for _ in range(4)]
    entered: list[int] = []
    inside: list[int] = []
    most_inside = 0
    release = threading.Event()
    lock = threading.Lock()

    def through(ticket: int) -> None:
        nonlocal most_inside
        with turnstile.turn(ticket):
            with lock:
                entered.append(ticket)
                inside.append(ticket)
                most_inside = max(most_inside, len(inside))
            release.wait(timeout=5)
            with lock:
                inside.remove(ticket)

    threads = [threading.Thread(target=through, args=(t,)) for t in reversed(tickets)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert sorted(entered) == [0, 1]  # two inside, the others wait their turn
    release.set()
    for thread in threads:
        thread.join(timeout=5)

    assert entered == [0, 1, 2, 3]
    assert most_inside == 2


def test_a_queued_warm_up_waits_for_the_container_a_call_is_still_using(tmp_path: Path) -> None:
    (tmp_path / "fns" / "slow").mkdir(parents=True)
    (tmp_path / "fns" / "slow" / "app.py").write_text(SLOW_INIT, encoding="utf-8")
    (tmp_path / "fns" / "busy").mkdir(parents=True)
    (tmp_path / "fns" / "busy" / "app.py").write_text(SLOW_CALL, encoding="utf-8")
    functions = ""
    for name, code in (("SlowFunction", "slow"), ("BusyFunction", "busy")):
        functions += (
            f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            f"      CodeUri: fns/{code}/\n      Handler: app.lambda_handler\n"
            "      Runtime: python3.12\n      Timeout: 30\n"
        )
    template = TEMPLATE.split("Resources:")[0] + "Resources:\n" + functions
    (tmp_path / "template.yaml").write_text(template, encoding="utf-8")
    with LocalDeployment(tmp_path / "template.yaml", cold_starts=ColdStarts.detect()) as local:
        lambda_api = local.client("lambda")
        for name in ("SlowFunction", "BusyFunction"):
            lambda_api.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        # The busy function's warm-up waits for the slow init; a call meanwhile starts a
        # container and is still running in it when the warm-up's turn comes.
        call = local.lambdas.invoke("BusyFunction", {})
        assert local.lambdas.wait_for_async()
        (warm_up,) = [
            i for i in local.invocations if i.asynchronous and i.function == "BusyFunction"
        ]

    assert call.init_seconds is not None
    assert warm_up.init_seconds is None  # no second init: it waited for the call's container
    assert warm_up.result["pid"] == call.result["pid"]
    assert warm_up.started >= call.ended
