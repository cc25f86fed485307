"""A control group per run: one memory and one process limit for the whole submission.

`RLIMIT_AS` and `RLIMIT_NPROC` limit each process; a submission that forks (and holds memfds) could
multiply its memory by its process count. A cgroup counts every process and every page of the run
together. The child moves itself into the run's cgroup (while still root, before it confines
itself); the worker kills what is left in it and removes it after the run.

- cgroup v1 (separate `memory` and `pids` hierarchies): `memory.limit_in_bytes` (+
  `memory.memsw.limit_in_bytes` where swap is accounted) and `pids.max`, in a group made under the
  worker's own memory cgroup and the root of the `pids` hierarchy.
- cgroup v2 (one hierarchy): `memory.max`, `memory.swap.max` and `pids.max` in a group under the
  worker's own cgroup, where that subtree is delegated to us (writable, both controllers enabled).

Where neither works, `detect()` says why, and the sandbox falls back to a small process cap with
`memfd_create` denied (see docs/sandbox.md).
"""

from __future__ import annotations

import functools
import os
import signal
import time
from dataclasses import dataclass

_ROOT = "/sys/fs/cgroup"
_PREFIX = "tutor-run-"


@dataclass(frozen=True)
class Cgroups:
    """Where run cgroups are made: v1 `{memory, pids}` parent directories, or one v2 parent."""

    version: int  # 1 or 2; 0: unavailable
    parents: tuple[str, ...]
    detail: str  # what applies, or why unavailable

    def paths(self, run: str) -> list[str]:
        return [os.path.join(p, _PREFIX + run) for p in self.parents]


def _own(controller: str) -> str | None:
    """This process's cgroup path in the hierarchy holding `controller` ('' for v2's unified one)."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _writable_group(parent: str, files: dict[str, str]) -> str:
    """Make a probe group under `parent`, write `files`, remove it; '' when it worked, else why not."""
    probe = os.path.join(parent, f"{_PREFIX}probe-{os.getpid()}")
    try:
        os.mkdir(probe)
    except OSError as exc:
        return f"cannot create a cgroup in {parent}: {exc.strerror}"
    try:
        for name, value in files.items():
            with open(os.path.join(probe, name), "w") as f:
                f.write(value)
        return ""
    except OSError as exc:
        return f"cannot set {name} in {parent}: {exc.strerror}"
    finally:
        os.rmdir(probe)


@functools.cache
def detect() -> Cgroups:
    """Which cgroup version this process can make per-run groups in (probed once)."""
    v1_memory, v1_pids = os.path.join(_ROOT, "memory"), os.path.join(_ROOT, "pids")
    if os.path.isfile(os.path.join(v1_memory, "memory.limit_in_bytes")) and os.path.isdir(v1_pids):
        memory = os.path.join(v1_memory, (_own("memory") or "/").lstrip("/"))
        pids = os.path.join(v1_pids, (_own("pids") or "/").lstrip("/"))
        why = _writable_group(memory, {"memory.limit_in_bytes": str(1 << 30)}) or _writable_group(
            pids, {"pids.max": "64"})
        if not why:
            return Cgroups(1, (memory, pids), "cgroup v1 (memory.limit_in_bytes and pids.max per run)")
        return Cgroups(0, (), f"unavailable: {why}")
    if os.path.isfile(os.path.join(_ROOT, "cgroup.controllers")):
        parent = os.path.join(_ROOT, (_own("") or "/").lstrip("/"))
        try:
            with open(os.path.join(parent, "cgroup.subtree_control")) as f:
                enabled = f.read().split()
        except OSError as exc:
            return Cgroups(0, (), f"unavailable: {exc.strerror} reading {parent}/cgroup.subtree_control")
        if not {"memory", "pids"} <= set(enabled):
            return Cgroups(0, (), f"unavailable: memory and pids are not enabled below {parent} (not delegated)")
        why = _writable_group(parent, {"memory.max": str(1 << 30), "pids.max": "64"})
        if not why:
            return Cgroups(2, (parent,), "cgroup v2 (memory.max and pids.max per run)")
        return Cgroups(0, (), f"unavailable: {why}")
    return Cgroups(0, (), "unavailable: no cgroup memory and pids controllers mounted")


def enter(groups: Cgroups, run: str, memory_bytes: int, pids: int) -> None:
    """Make the run's groups, set the limits, move this process in (called by the child, as root)."""
    create(groups, run, memory_bytes, pids)
    for path in groups.paths(run):
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def create(groups: Cgroups, run: str, memory_bytes: int, pids: int) -> None:
    """Make the run's groups and set their limits (a per-run child, or the worker for a warm run)."""
    make(groups, run)
    limit(groups, run, memory_bytes, pids)


def make(groups: Cgroups, run: str) -> None:
    """Make the run's groups, without limits yet (the worker, ahead of a warm run: see `limit`)."""
    for path in groups.paths(run):
        os.mkdir(path, 0o755)


def limit(groups: Cgroups, run: str, memory_bytes: int, pids: int) -> None:
    """Set the run's limits: memory (and memory + swap where swap is accounted, so swap adds nothing) and
    the process count, on groups made by `make`, before the run's code starts."""
    if groups.version == 2:
        plan = [[("memory.max", str(memory_bytes)), ("memory.swap.max", "0"), ("pids.max", str(pids))]]
    else:  # v1: the memory hierarchy's group, then the pids hierarchy's
        plan = [[("memory.limit_in_bytes", str(memory_bytes)), ("memory.memsw.limit_in_bytes", str(memory_bytes))],
                [("pids.max", str(pids))]]
    for path, limits in zip(groups.paths(run), plan):
        for name, value in limits:
            try:
                with open(os.path.join(path, name), "w") as f:
                    f.write(value)
            except FileNotFoundError:
                if name in ("memory.memsw.limit_in_bytes", "memory.swap.max"):
                    continue  # swap not accounted (or none): the memory limit alone applies
                raise


def join(parent_fds: list[int], run: str) -> None:
    """Move this process into the run's groups made by `create`, reached from the parent directories'
    file descriptors (a warm run's child, whose view covers /sys); "0" names the writing process."""
    for fd in parent_fds:
        procs = os.open(os.path.join(_PREFIX + run, "cgroup.procs"), os.O_WRONLY, dir_fd=fd)
        try:
            os.write(procs, b"0")
        finally:
            os.close(procs)


def remove(groups: Cgroups, run: str) -> None:
    """Kill whatever is left in the run's groups and remove them (called by the worker)."""
    for path in groups.paths(run):
        for _ in range(1000):
            if not os.path.isdir(path):
                break
            try:
                with open(os.path.join(path, "cgroup.procs")) as f:
                    pids = [int(p) for p in f.read().split()]
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.001)


def leftovers(groups: Cgroups) -> list[str]:
    """Run groups still present (none once every run has been cleaned up)."""
    found = []
    for parent in groups.parents:
        try:
            found += [os.path.join(parent, n) for n in os.listdir(parent) if n.startswith(_PREFIX)]
        except OSError:
            pass
    return found


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ValueError:
        return False
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale(groups: Cgroups) -> list[str]:
    """Run groups whose run is over: the child that made it is gone (a worker killed mid-run leaves one).
    Groups of runs still going, this process's or another tutor's, are not stale."""
    out = []
    for path in leftovers(groups):
        run = os.path.basename(path)[len(_PREFIX):]
        if run.startswith("probe-") or _alive(run.split("-")[0]):  # "PID" (a per-run child), "PID-N" (a worker's warm run)
            continue
        out.append(path)
    return out


def sweep(groups: Cgroups) -> None:
    """Remove every stale run group (called when a worker starts)."""
    for path in stale(groups):
        try:
            os.rmdir(path)  # empty: its processes are gone
        except OSError:
            pass
