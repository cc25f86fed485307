"""Which isolation layers this machine allows, detected at run time (`tutor doctor` shows them).

- base (everywhere): a forked child per submission in its own session; limits on wall-clock and
  CPU time, address space, file size, open files and processes; a fresh temp directory as the
  working directory and HOME; a scrubbed environment; stdin closed; output captured; every
  process it started killed afterwards (the worker is a child subreaper).
- privilege drop (root only): the child runs under a dedicated unprivileged uid, so the process
  limit counts only its own processes and all of them can be killed at once.
- namespaces (root, or unprivileged user namespaces): no network, a private PID namespace (its
  PID 1 takes every descendant with it), a private /proc, and tmpfs over `reference_impl` and
  the question bank.
- Landlock (Linux >= 5.13, no root needed): writes only in the temp directory, reads only in the
  Python runtime and system directories (so `reference_impl` and the bank are unreadable), no
  TCP connect or bind (ABI >= 4), no signals to processes outside the sandbox (ABI >= 6).
- seccomp (x86_64, aarch64): no sockets of any family, no keyrings, no io_uring, and no memfd where
  no cgroup bounds the run's memory.
- cgroup (v1 memory+pids, or a delegated v2 subtree): one memory and process limit per submission.

The sandbox is *strong* when the network is cut and the reference is hidden by at least one layer.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from tutor.sandbox import cgroup, kernel, landlock, seccomp

DEDICATED_UID_BASE = 2_000_000_000  # + a worker-chosen offset (worker._run_uid): a uid nothing else uses
DEDICATED_UID_SLOTS = 512  # uids per worker: base + (worker PID mod 2**22) * slots + (run count mod slots)
DEDICATED_UID_LAST = DEDICATED_UID_BASE + (1 << 22) * DEDICATED_UID_SLOTS - 1  # below 2**32 - 1
FALLBACK_UID = 65534  # nobody, where the dedicated range cannot be entered


@dataclass(frozen=True)
class Layers:
    """The layers available here."""

    root: bool
    privilege_drop: str  # "dedicated uid", "nobody", or "" when not root (or when the drop cannot work)
    namespaces: bool
    namespaces_detail: str
    landlock_abi: int
    seccomp: bool  # the seccomp filter is installed (x86_64 or aarch64 with seccomp)
    cgroup_version: int = 0  # per-run cgroup for the whole submission's memory and processes; 0: none
    cgroup_detail: str = "not probed"

    @property
    def network_blocked(self) -> bool:
        return self.namespaces or self.landlock_abi >= 4

    @property
    def reference_hidden(self) -> bool:
        return self.namespaces or self.landlock_abi >= 1

    @property
    def strong(self) -> bool:
        return self.network_blocked and self.reference_hidden

    @property
    def submission_limit(self) -> str:
        """What bounds the submission's memory and processes as a whole."""
        if self.cgroup_version:
            return f"cgroup v{self.cgroup_version}: memory and process count per submission"
        return "process cap only (RLIMIT_NPROC, memfd_create denied): memory is limited per process"

    def names(self) -> list[str]:
        names = ["base"]
        if self.privilege_drop:
            names.append(f"privilege-drop ({self.privilege_drop})")
        if self.namespaces:
            names.append("namespaces (net, pid, mount, ipc, uts; private filesystem view)")
        if self.landlock_abi:
            names.append(f"landlock (ABI {self.landlock_abi})")
        if self.seccomp:
            names.append("seccomp (no sockets, keyrings, io_uring" + ("" if self.cgroup_version else ", memfd") + ")")
        if self.cgroup_version:
            names.append(f"cgroup v{self.cgroup_version} (memory and pids per submission)")
        return names

    def summary(self) -> str:
        return ", ".join(self.names()) + ("" if self.strong else " (weak: base layer only)")

    def to_json(self) -> dict[str, object]:
        return {"layers": self.names(), "strong": self.strong, "network_blocked": self.network_blocked,
                "reference_hidden": self.reference_hidden, "seccomp": self.seccomp,
                "namespaces_detail": self.namespaces_detail, "cgroup": self.cgroup_detail,
                "submission_limit": self.submission_limit}


def _probe_namespaces(rootless: bool) -> str:
    """Fork a process that tries the child's unshare; '' when it works, else why not."""
    flags = kernel.NAMESPACES | (kernel.CLONE_NEWUSER if rootless else 0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 1
        try:
            libc = kernel.libc()
            if libc.unshare(flags) != 0:
                os.write(w, os.strerror(kernel.get_errno()).encode())
            else:
                code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        why = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return "" if os.waitstatus_to_exitcode(status) == 0 else (why or "unshare failed")


def _uid_usable(uid: int) -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _runtime_readable(uid: int) -> bool:
    """Can `uid` read the Python runtime and torch? (A root-owned venv in a 0700 folder it cannot.)"""
    import importlib.util  # deferred: only root probes this

    spec = importlib.util.find_spec("torch")  # finds the package without importing it
    paths = [os.__file__] + ([spec.origin] if spec is not None and spec.origin else [])
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for path in paths:
                with open(path, "rb"):
                    pass
                os.listdir(os.path.dirname(path))
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


@functools.cache
def usable_drop(view: bool) -> str:
    """The privilege drop a root worker can use: "dedicated uid", "nobody", or "" for none.

    The unprivileged uid (holding no capability) must be able to reach the Python runtime: with
    namespaces (`view`) the child's private filesystem view makes it reachable (a pyenv under /root
    is bound back below an empty /root); without, the runtime itself must be readable by that uid.
    """
    if os.geteuid() != 0:
        return ""
    if _uid_usable(DEDICATED_UID_LAST):  # the top of the range: a mapping that holds it holds the rest
        drop, uid = "dedicated uid", DEDICATED_UID_LAST
    else:
        drop, uid = "nobody", FALLBACK_UID
    if not view and not _runtime_readable(uid):
        return ""
    return drop


@functools.cache
def detect() -> Layers:
    """Probe once per process (a few milliseconds: a few short forks)."""
    root = os.geteuid() == 0
    abi = landlock.abi_version()
    why = _probe_namespaces(rootless=not root)
    groups = cgroup.detect()
    return Layers(root=root, privilege_drop=usable_drop(not why), namespaces=not why,
                  namespaces_detail="available" if not why else f"unavailable: {why}",
                  landlock_abi=abi, seccomp=seccomp.supported(), cgroup_version=groups.version,
                  cgroup_detail=groups.detail)
