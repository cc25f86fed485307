"""The warm sandbox: the namespaces and the private view made once, then a fresh confined child per run.

A per-run child (tutor/sandbox/child.py) spends most of a short run on set-up: five namespaces, the
private mount view (a few dozen mounts), its cgroup, and afterwards the worker's sweep of its uid
and of /proc. A batch grading runs hundreds of submissions on one and the same view, so the worker
starts, once per view, a zygote:

    worker --fork--> holder (unshare the namespaces, fork, wait) --fork--> zygote (PID 1 there; builds the view)

For each run the zygote forks a fresh child. The zygote never runs submitted code; it is given only
its view and reads only each run's spec path and uid (like the worker it was forked from, it may hold
the first request's metadata: file names, case sizes; never code, tensor values or expected outputs),
so each child starts as clean as a per-run child.
The child moves itself into its run's cgroup (made by the worker), takes a mount and an IPC
namespace of its own (a fresh tmpfs home; no SysV or POSIX IPC object outlives it), takes a uid of
its own (picked by the worker, as for a per-run child) and then confines itself the
way a per-run child does (`child.run`). When it ends, its time is up or the run is cancelled, the
zygote, which is PID 1 of its namespace, kills every other process there (`kill(-1)`) and reaps
until it has no child left: nothing of one run lives on into the next.

Only where every layer is there (root for the dedicated uid, namespaces, Landlock, seccomp) and the
request folders are not below a cover; elsewhere every run takes the per-run path.
"""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any, NoReturn

from tutor.sandbox import cgroup, kernel, waiting

HOLDER_NAME = "tutor-holder"  # the processes' names (ps, /proc/PID/comm): what they are, at a glance
ZYGOTE_NAME = "tutor-zygote"
GRACE_SECONDS = 30.0  # past a run's wall limit, the worker stops waiting for the zygote and kills it


def view_key(spec: dict[str, Any]) -> str:
    """What the zygote's view depends on: runs whose spec gives the same key can share one zygote."""
    return json.dumps([spec["device"], spec["covers"], spec["read_paths"], spec["hide"]])


class Zygote:
    """The worker's handle on one zygote: the holder's PID and the two pipes."""

    def __init__(self, holder: int, commands: int, replies: int) -> None:
        self.holder = holder
        self.groups: cgroup.Cgroups | None = None  # where the worker makes the runs' cgroups
        self.next_run: str | None = None  # the cgroup made for the next run (its spare child waits in it)
        self.served = 0  # runs it has answered
        self.commands = commands
        self.replies = replies
        self._buffer = b""

    def alive(self) -> bool:
        try:
            pid, _ = os.waitpid(self.holder, os.WNOHANG)
        except ChildProcessError:
            return False
        return pid == 0

    def send(self, msg: dict[str, Any]) -> bool:
        try:
            os.write(self.commands, json.dumps(msg).encode() + b"\n")
            return True
        except OSError:
            return False

    def read_reply(self) -> dict[str, Any] | None:
        """One reply line (call when `replies` is readable); None when the zygote has gone."""
        while b"\n" not in self._buffer:
            data = os.read(self.replies, 65536)
            if not data:
                return None
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> None:
        """Kill the holder: the zygote dies with it (PDEATHSIG), and the kernel kills its namespace."""
        for fd in (self.commands, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.holder, signal.SIGKILL)
            os.waitpid(self.holder, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def view(spec: dict[str, Any]) -> dict[str, Any]:
    """Only what a zygote needs of a spec: its view (the rest is one run's, and a zygote keeps no run's)."""
    return {k: spec[k] for k in ("device", "covers", "read_paths", "hide")}


def start(spec: dict[str, Any], groups: cgroup.Cgroups | None) -> Zygote:
    """Fork a holder and its zygote for `spec`'s view (called by the worker)."""
    commands_r, commands_w = os.pipe()
    replies_r, replies_w = os.pipe()
    passed = [commands_r, replies_w]  # what the holder takes; closed here once it is forked (or if it is not)
    try:
        held = []
        for parent in groups.parents if groups else ():
            held.append(os.open(parent, os.O_RDONLY | os.O_DIRECTORY))
            passed.append(held[-1])
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                _holder(view(spec), worker, commands_r, replies_w, held)
            finally:
                os._exit(70)
    except OSError:
        os.close(commands_w)
        os.close(replies_r)
        raise
    finally:
        for fd in passed:
            os.close(fd)
    return Zygote(pid, commands_w, replies_r)


def _holder(spec: dict[str, Any], worker: int, commands: int, replies: int, held: list[int]) -> NoReturn:
    """The host-side process: keep only what the zygote needs, unshare, fork the zygote, wait for it."""
    libc = kernel.libc()
    kernel.check(libc.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    libc.prctl(kernel.PR_SET_NAME, HOLDER_NAME.encode(), 0, 0, 0)
    if os.getppid() != worker:  # the worker died before the line above
        os._exit(0)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)  # the worker's log; never the worker's reply pipe
    keep = sorted({0, 1, 2, commands, replies, *held})
    low = 3
    for fd in keep[3:]:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)
    kernel.check(libc.unshare(kernel.NAMESPACES), "unshare")
    pid = os.fork()
    if pid:
        os.close(commands)
        os.close(replies)
        os.waitpid(pid, 0)
        os._exit(0)
    _zygote(spec, commands, replies, held)


def _zygote(spec: dict[str, Any], commands: int, replies: int, held: list[int]) -> NoReturn:
    from tutor.sandbox import child

    kernel.check(kernel.libc().prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    kernel.libc().prctl(kernel.PR_SET_NAME, ZYGOTE_NAME.encode(), 0, 0, 0)
    child.build_view(spec["hide"], spec["covers"], spec["read_paths"], home="")
    pending = [b""]  # what has been read of the commands pipe and not yet handled
    spare: _Spare | None = None
    while True:
        ran, next_group = _serve_next(commands, replies, held, spare, pending)
        # The next run's child, forked now (while the grader compares this run's outputs): it joins the next
        # run's cgroup and waits for its run. It is forked from this frame, which holds nothing of the run
        # just over (its command, outcome and times lived in _serve_next's frame, gone now, and the spare it
        # used is let go first): a child can walk up its stack, and must find nothing another run left there.
        spare = None
        if ran:
            spare = _Spare.fork(next_group, held)


def _serve_next(commands: int, replies: int, held: list[int], spare: "_Spare | None",
                pending: list[bytes]) -> tuple[bool, str | None]:
    """Read the next command and serve it if it is a run; returns whether it was, and the cgroup the worker
    made for the next run (None without cgroups). The process ends when the worker has gone."""
    while b"\n" not in pending[0]:
        data = os.read(commands, 65536)
        if not data:
            os._exit(0)
        pending[0] += data
    line, pending[0] = pending[0].split(b"\n", 1)
    msg = json.loads(line)
    if msg.get("op") != "run":
        return False, None
    # A cancel may have come in the same read as its run: then it is in the buffer, not the pipe.
    *complete, pending[0] = pending[0].split(b"\n")
    cancelled = any(json.loads(c).get("op") == "cancel" for c in complete if c.strip())
    reply = _serve(msg, commands, held, spare, cancelled)
    os.write(replies, json.dumps(reply).encode() + b"\n")
    return True, msg.get("next_cgroup")


class _Spare:
    """A child forked ahead of its run: in its run's cgroup, blocked until it is given its run (the spec's path
    and its uid), which it acknowledges: a child that died first (while it moved into its cgroup, say) is
    then known for gone, and the run goes to a new one instead of being reported as killed."""

    def __init__(self, pid: int, group: str | None, go: int, ack: int) -> None:
        self.pid, self.group, self.go, self.ack = pid, group, go, ack

    @classmethod
    def fork(cls, group: str | None, held: list[int]) -> "_Spare":
        go_r, go_w = os.pipe()
        ack_r, ack_w = os.pipe()
        _first_pid_next()
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.close(ack_r)
            _child(group, held, go_r, ack_w)
        os.close(go_r)
        os.close(ack_w)
        return cls(pid, group, go_w, ack_r)

    def start(self, msg: dict[str, Any] | None) -> bool:
        """Hand the run over and wait for the child to take it (True), or dismiss the spare with None.
        False if the child has gone. Once only: the pipes are closed after."""
        if self.go < 0:
            return False
        try:
            os.write(self.go, json.dumps(None if msg is None else {"spec": msg["spec"], "uid": msg.get("uid")})
                     .encode() + b"\n")
            return msg is None or os.read(self.ack, 1) == b"1"
        except OSError:
            return False
        finally:
            os.close(self.go)
            os.close(self.ack)
            self.go = self.ack = -1


def _first_pid_next() -> None:
    """Make the next fork PID 2, as in a fresh namespace: the namespace's PID counter would otherwise
    tell a run how many processes the runs before it started (a number passed from one student's
    code to the next). The namespace is empty when this is called (only the zygote, PID 1)."""
    try:
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write("1")
    except OSError:
        pass


def _serve(msg: dict[str, Any], commands: int, held: list[int], spare: "_Spare | None",
           cancelled: bool = False) -> dict[str, Any]:
    """Start the run's child (the spare forked for it, else a new one), wait for it (with the deadline,
    watching for a cancel), then empty the namespace."""
    start = time.monotonic()
    if cancelled:  # cancelled before it started: nothing runs
        if spare is not None:
            spare.start(None)
        _empty_namespace(-1)
        return {"outcome": "cancelled", "exit_code": None, "signal": None, "wall_seconds": 0.0}
    if spare is not None and spare.group == msg.get("cgroup") and spare.start(msg):
        pid = spare.pid
    else:
        if spare is not None:  # not this run's (or gone): dismissed, and reaped before the new fork
            spare.start(None)
            _empty_namespace(-1)
        fresh = _Spare.fork(msg.get("cgroup"), held)
        fresh.start(msg)
        pid = fresh.pid
    try:
        outcome, status = waiting.wait(pid, start + float(msg["wall_seconds"]), commands, lambda: True)
        # (the only command during a run is its cancel, or EOF: the worker went)
    finally:
        wall = time.monotonic() - start
        reaped = _empty_namespace(pid)
    return waiting.reply(outcome, status if status is not None else reaped, wall)


def _empty_namespace(child: int) -> int | None:
    """Kill every process of the namespace but this one (PID 1) and reap until none is left.

    kill(-1) reaches every process of the caller's PID namespace (it skips the caller); orphans are
    re-parented to PID 1, so once waitpid says there is no child, the namespace holds nothing else.
    Returns the run's child's wait status if it was reaped here."""
    status = None
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            while True:
                pid, st = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                if pid == child:
                    status = st
        except ChildProcessError:
            return status
        time.sleep(0.0005)


def _child(group: str | None, held: list[int], go: int, ack: int) -> NoReturn:
    """A run's child: join the run's cgroup, wait on `go` for its run (the spec's path and its uid), say so on
    `ack`, then confine itself and run as a per-run child does. A dismissal (`null`) ends it."""
    from tutor.sandbox import child

    try:
        if group:
            cgroup.join(held, group)
        line = b""
        while not line.endswith(b"\n"):
            data = os.read(go, 4096)
            if not data:
                break
            line += data
        os.close(go)
        run = json.loads(line) if line.strip() else None
        if run is not None:
            os.write(ack, b"1")
        os.close(ack)
    except BaseException:
        os._exit(child.SETUP_FAILED)
    if run is None:
        os._exit(0)
    child.run(run["spec"], uid=run["uid"], warm=True)
