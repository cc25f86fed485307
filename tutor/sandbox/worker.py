"""The warm worker: torch imported once, then one fresh forked child per request.

Run as `python -I -m tutor.sandbox.worker` (the client runs `main` with its own `tutor` first on the path). It speaks JSON lines: requests on stdin
(`{"op": "run", "id", "spec", "wall_seconds", "dedicated_uid", "cgroup"}`, `{"op": "cancel", "id"}`), replies on
stdout (`{"ready": ...}` once, then `{"id", "outcome", "exit_code", "signal", "wall_seconds"}`).
The worker never runs submitted code itself and never sees expected outputs; it only forks,
waits with a wall-clock deadline, and then kills everything the child started: the child's
process group, every process re-parented to it (it is a child subreaper, so `setsid` does not
escape), and, when the child ran under a dedicated uid, every process of that uid.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

from tutor.sandbox import cgroup, kernel, waiting, zygote
from tutor.sandbox.layers import DEDICATED_UID_BASE, DEDICATED_UID_SLOTS

_ZYGOTES: dict[str, zygote.Zygote] = {}  # view key -> the warm sandbox's zygote for that view
_LOST: dict[str, int] = {}  # view key -> zygotes that went without serving a run: past 2, that view runs per-run
_warm_runs = 0
_runs = 0


def _children(ppid: int) -> list[int]:
    """PIDs whose parent is `ppid` (from /proc)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == ppid:
            out.append(int(name))
    return out


def run_children(ppid: int) -> list[int]:
    """The worker's children other than the warm sandbox's holders: what a per-run child left. A holder is
    named so and runs under the worker's own uid (a submission's process can take the name, never the
    uid). For tests and diagnostics only; the clean-up itself goes by the holders' PIDs."""
    out = []
    for pid in _children(ppid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                named = f.read().strip() == zygote.HOLDER_NAME
            if named and os.stat(f"/proc/{pid}").st_uid == os.stat(f"/proc/{ppid}").st_uid:
                continue
        except OSError:
            pass
        out.append(pid)
    return out


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid` at once: a helper takes the uid and sends kill(-1)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def cleanup(child: int, uid: int | None) -> None:
    """Kill and reap everything left from one run (the worker's other children are the zygotes' holders)."""
    me = os.getpid()
    holders = {z.holder for z in _ZYGOTES.values()}
    for _ in range(100000):
        try:
            os.killpg(child, signal.SIGKILL)
        except OSError:
            pass
        if uid is not None:
            _kill_uid(uid)
        left = [pid for pid in _children(me) if pid not in holders]
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if not left:
            return
        time.sleep(0.001)


class _Lines:
    """Non-blocking line reader over stdin."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.eof = False

    def pump(self) -> list[dict[str, Any]]:
        data = os.read(self.fd, 65536)
        if not data:
            self.eof = True
        self.buffer += data
        lines = []
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            if line.strip():
                lines.append(json.loads(line))
        return lines


def _run(request: dict[str, Any], reader: _Lines, pending: list[dict[str, Any]]) -> dict[str, Any]:
    cancels = [m for m in pending if m.get("op") == "cancel" and m.get("id") == request["id"]]
    if cancels:  # read together with its run: cancelled before it started
        pending[:] = [m for m in pending if m not in cancels]
        return {"id": request["id"], "outcome": "cancelled", "exit_code": None, "signal": None, "wall_seconds": 0.0,
                "path": ""}
    if request.get("warm"):
        reply = _run_warm(request, reader, pending)
        if reply is not None:
            return reply
    return _run_fresh(request, reader, pending)


def _run_warm(request: dict[str, Any], reader: _Lines, pending: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Run in the warm sandbox (tutor/sandbox/zygote.py); None when its zygote could not serve the run
    (it would not start, or died): the caller then runs it on the per-run path."""
    with open(request["spec"], encoding="utf-8") as f:
        spec = json.load(f)
    groups = cgroup.Cgroups(**request["cgroup"]) if request.get("cgroup") else None
    key = zygote.view_key(spec)
    if _LOST.get(key, 0) >= 2:  # a zygote for this view cannot be made to work here: no time lost on a third
        return None
    z = _ZYGOTES.get(key)
    if z is not None and not z.alive():
        _stop(key)
        z = None
    if z is None:
        try:
            z = _ZYGOTES[key] = zygote.start(spec, groups)
            z.groups = groups
        except OSError as exc:
            print(f"the warm sandbox did not start ({exc}); running on the per-run path", file=sys.stderr)
            return None
    run, spare = None, None
    if groups is not None:  # the group made during the last run (its spare child waits there), else a new one
        try:
            run, z.next_run = z.next_run, None
            if run is None:
                run = _new_run()
                cgroup.make(groups, run)
            cgroup.limit(groups, run, int(spec["group_memory_bytes"]), int(spec["group_pids"]))
            spare = z.next_run = _new_run()
            cgroup.make(groups, spare)
        except OSError as exc:  # the per-run path will say what is wrong with the cgroups, from its child
            print(f"the warm sandbox could not make its run's cgroups ({exc}); running on the per-run path",
                  file=sys.stderr)
            for name in (run, spare):
                if name is not None:
                    cgroup.remove(groups, name)
            z.next_run = None
            _stop(key)
            return None
    try:
        uid = _run_uid() if request.get("dedicated_uid") else None
        if not z.send({"op": "run", "spec": request["spec"], "wall_seconds": request["wall_seconds"], "cgroup": run,
                       "uid": uid, "next_cgroup": spare}):
            reply = None
        else:
            reply = _await_zygote(z, request, reader, pending)
    finally:
        if groups is not None:
            cgroup.remove(groups, run)
    if reply is None:  # the zygote went: stop what is left of it, and let the per-run path take this run
        if not z.served:
            _LOST[key] = _LOST.get(key, 0) + 1
            print("the warm sandbox's zygote went before serving a run"
                  + ("; this view runs on the per-run path from now on" if _LOST[key] >= 2 else ""), file=sys.stderr)
        _stop(key)
        return None
    z.served += 1
    return {"id": request["id"], **reply, "path": "warm"}


def _run_uid() -> int:
    """The next run's dedicated uid: unique among the runs alive (a worker's are one at a time, and every
    process of a run is killed before the next; PIDs below 2**22 keep workers apart), and it tells a run
    nothing of the runs before it but their number (a uid made from a PID would tell how many processes
    they started)."""
    global _runs
    _runs += 1
    return DEDICATED_UID_BASE + (os.getpid() % (1 << 22)) * DEDICATED_UID_SLOTS + _runs % DEDICATED_UID_SLOTS


def _new_run() -> str:
    """A name for a warm run's cgroup: the worker's PID (see cgroup.stale) and a count."""
    global _warm_runs
    _warm_runs += 1
    return f"{os.getpid()}-{_warm_runs}"


def _stop(key: str) -> None:
    """Stop a view's zygote (and its spare child) and remove the group made for its next run."""
    z = _ZYGOTES.pop(key, None)
    if z is None:
        return
    z.stop()
    if z.next_run is not None and z.groups is not None:
        cgroup.remove(z.groups, z.next_run)


def _await_zygote(z: zygote.Zygote, request: dict[str, Any], reader: _Lines,
                  pending: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The zygote's reply, passing a cancel on; None if the zygote went (or hung past the grace time)."""
    deadline = time.monotonic() + float(request["wall_seconds"]) + zygote.GRACE_SECONDS
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        watched = [z.replies] + ([] if reader.eof else [reader.fd])
        ready, _, _ = select.select(watched, [], [], remaining)
        if z.replies in ready:
            return z.read_reply()
        if reader.fd in ready:
            for msg in reader.pump():
                if msg.get("op") == "cancel" and msg.get("id") == request["id"]:
                    z.send({"op": "cancel"})
                elif msg.get("op") != "cancel":
                    pending.append(msg)
            if reader.eof:  # the client went: end the run
                z.send({"op": "cancel"})


def _run_fresh(request: dict[str, Any], reader: _Lines, pending: list[dict[str, Any]]) -> dict[str, Any]:
    from tutor.sandbox import child

    uid = _run_uid() if request.get("dedicated_uid") else None
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child.run(request["spec"], uid=uid)  # never returns

    def cancelled() -> bool:
        cancel = False
        for msg in reader.pump():
            if msg.get("op") == "cancel" and msg.get("id") == request["id"]:
                cancel = True
            elif msg.get("op") != "cancel":
                pending.append(msg)
        return cancel or reader.eof

    outcome, status = "exited", None
    try:
        outcome, status = waiting.wait(pid, start + float(request["wall_seconds"]), reader.fd, cancelled)
    finally:
        wall = time.monotonic() - start
        if status is None:
            try:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = None
        cleanup(pid, uid)
        if request.get("cgroup"):
            cgroup.remove(cgroup.Cgroups(**request["cgroup"]), str(pid))
    return {"id": request["id"], **waiting.reply(outcome, status, wall), "path": "per-run"}


def main() -> int:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # nothing but replies ever goes to the reply pipe
    kernel.libc().prctl(kernel.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    import safetensors.torch  # noqa: F401  - the point of the warm worker: imported once, shared by fork
    import torch

    from tutor.sandbox import child, landlock, seccomp, timing  # noqa: F401

    torch.set_num_threads(1)
    (torch.ones(8, 8) @ torch.ones(8, 8)).softmax(-1)  # warm the kernels the children will use
    # and safetensors' first save and load (a few ms each, in every child otherwise)
    safetensors.torch.load(safetensors.torch.save({"x": torch.ones(2, 2)}))
    warm_file = os.path.join(tempfile.mkdtemp(prefix="tutor-worker-"), "warm.safetensors")
    safetensors.torch.save_file({"x": torch.ones(2, 2)}, warm_file)
    safetensors.torch.load_file(warm_file)
    shutil.rmtree(os.path.dirname(warm_file))
    out.write(json.dumps({"ready": True, "torch": torch.__version__, "pid": os.getpid()}) + "\n")
    reader = _Lines(0)
    pending: list[dict[str, Any]] = []
    while True:
        while not pending:
            if reader.eof:
                for key in list(_ZYGOTES):
                    _stop(key)
                return 0
            pending.extend(reader.pump())
        msg = pending.pop(0)
        if msg.get("op") == "quit":
            for key in list(_ZYGOTES):
                _stop(key)
            return 0
        if msg.get("op") == "run":
            out.write(json.dumps(_run(msg, reader, pending)) + "\n")


if __name__ == "__main__":
    sys.exit(main())
