"""Lambda's CPU share for a local container's invocations, through a Linux cgroup.

Lambda gives a function CPU in proportion to its memory: at 1,769 MB it has the equivalent of
one vCPU (AWS Lambda Developer Guide, "Configure Lambda function memory"), so a 256 MB function
runs its invocations on about a seventh of a core. Its init phase (the imports a cold start
pays) runs unthrottled. A cold container here does the same: it imports at full CPU, then
:meth:`CpuQuota.limit` puts it in a cgroup of its own whose quota is its share of one core.

Where the machine allows it: cgroup v2's ``cpu.max`` under this process's own cgroup, or cgroup
v1's ``cpu.cfs_quota_us`` (as root). :func:`detect` says which, or why neither.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

MB_PER_VCPU = 1769
"""Memory at which a Lambda function has the equivalent of one vCPU."""

PERIOD_US = 100_000
_PREFIX = "aep-local-"


def lambda_cpu_share(memory_mb: int) -> float:
    """The share of one core Lambda gives a function of ``memory_mb``."""
    return memory_mb / MB_PER_VCPU


@dataclass(frozen=True)
class CpuQuota:
    """Puts processes in cgroups of their own, each with a CPU quota."""

    parent: Path
    version: int  # 1: cpu.cfs_quota_us, 2: cpu.max

    def limit(self, pid: int, share: float) -> None:
        """Run ``pid`` (all its threads) on at most ``share`` of one core from now on."""
        group = self.parent / f"{_PREFIX}{pid}"
        group.mkdir(exist_ok=True)
        quota = max(1000, int(PERIOD_US * share))  # the kernel's minimum quota is 1 ms
        if self.version == 2:
            (group / "cpu.max").write_text(f"{quota} {PERIOD_US}\n")
        else:
            (group / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
            (group / "cpu.cfs_quota_us").write_text(f"{quota}\n")
        (group / "cgroup.procs").write_text(f"{pid}\n")

    def release(self, pid: int) -> None:
        """Remove ``pid``'s cgroup once the process has gone (it may take a moment)."""
        group = self.parent / f"{_PREFIX}{pid}"
        for _ in range(50):
            try:
                group.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # still has a task: the process is exiting
                time.sleep(0.01)

    def release_all(self) -> None:
        """Remove every cgroup this runtime left (their processes gone)."""
        for group in self.parent.glob(f"{_PREFIX}*"):
            with contextlib.suppress(OSError):
                group.rmdir()


def detect() -> tuple[CpuQuota | None, str]:
    """The quota mechanism this machine allows, or None, and a line saying which or why not."""
    reasons = []
    v2 = _cgroup_v2()
    if isinstance(v2, CpuQuota):
        return v2, f"cgroup v2 cpu.max under {v2.parent}"
    reasons.append(v2)
    v1 = _cgroup_v1()
    if isinstance(v1, CpuQuota):
        return v1, f"cgroup v1 cpu.cfs_quota_us under {v1.parent}"
    reasons.append(v1)
    return None, "; ".join(reasons)


def _own_cgroup_v2() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:]
    return None


def _cgroup_v2() -> CpuQuota | str:
    own = _own_cgroup_v2()
    if own is None:
        return "no cgroup v2 hierarchy"
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        parent = mount / own.lstrip("/")
        if not (parent / "cgroup.controllers").is_file():
            continue
        if "cpu" not in _words(parent / "cgroup.controllers"):
            return f"cgroup v2 at {mount} offers no cpu controller here"
        # Children get cpu.max only where their parent delegates the controller; a cgroup
        # that holds processes may only do so at the root (v2's "no internal processes").
        if "cpu" not in _words(parent / "cgroup.subtree_control"):
            try:
                (parent / "cgroup.subtree_control").write_text("+cpu\n")
            except OSError as exc:
                return f"cgroup v2 at {parent} cannot delegate cpu ({exc.strerror})"
        if not os.access(parent, os.W_OK):
            return f"cgroup v2 at {parent} not writable"
        return CpuQuota(parent, 2)
    return "no cgroup v2 mount"


def _cgroup_v1() -> CpuQuota | str:
    parent = Path("/sys/fs/cgroup/cpu")
    if not (parent / "cpu.cfs_quota_us").is_file():
        return "no cgroup v1 cpu controller"
    if not os.access(parent, os.W_OK):
        return "cgroup v1 cpu controller not writable (needs root)"
    return CpuQuota(parent, 1)


def _words(path: Path) -> set[str]:
    try:
        return set(path.read_text().split())
    except OSError:
        return set()
