"""The forked child: confine itself, run the submitted programs on the inputs, write tensors back.

This runs in a process forked from the warm worker, so torch is already imported. The order
matters: everything that needs privileges or paths outside the work directory (reading the
inputs and the code, opening the result files, namespaces, CUDA start-up) happens first; then
the limits, the privilege drop and Landlock; only then does submitted code run. The child knows
the inputs and the code, never the expected outputs. Its results leave as safetensors (plain
tensors, no code when read) and a small JSON status the parent validates strictly.
"""

from __future__ import annotations

import builtins
import ctypes
import json
import linecache
import os
import resource
import signal
import stat
import sys
import time
import traceback
from typing import Any, NoReturn

from tutor.sandbox import cgroup, kernel, landlock, seccomp, timing
from tutor.sandbox.kernel import (
    CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWUSER, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, NAMESPACES,
    PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
)
from tutor.sandbox.layers import DEDICATED_UID_BASE

SOURCE_NAME = "solution.py"
_CAP_VERSION_3 = 0x20080522
_MAX_MESSAGE = 4000
_QUIET_FD = -1  # /dev/null for writing, opened before the confinement
_TIMING_BUDGET = 0.05  # seconds of repetitions on the timed case (as for the reference)
_HOME_INODES = 4096  # files and directories the submission may create in its work directory
SETUP_FAILED = 70  # exit code of a child whose confinement could not be set up


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _searchable_dirs(path: str) -> None:
    """mkdir -p, each new directory 0755 whatever the umask (the unprivileged uid must pass through)."""
    parent = os.path.dirname(path)
    if parent != path and not os.path.isdir(parent):
        _searchable_dirs(parent)
    if not os.path.isdir(path):
        os.mkdir(path)
        os.chmod(path, 0o755)


def _bind_view(covers: list[str], binds: list[str], home: str) -> None:
    """Cover directories with empty read-only tmpfs, then bind back, read-only, what lives below them.

    `covers` are /root, /home, /etc, /sys and every directory on the way to the runtime that an
    unprivileged uid cannot search (a pyenv under /root); `binds` the runtime paths below them (and
    the few /etc files Python needs: ld.so.cache, localtime, passwd, ...). The
    tmpfs's own directories are searchable, so the child (with no capability) can reach the
    runtime and nothing else that was there: bubblewrap's approach, for just these directories.
    """
    libc = kernel.libc()
    held = {}
    for path in binds:
        if any(path == c or path.startswith(c + os.sep) for c in covers) and os.path.exists(path):
            held[path] = os.open(path, os.O_PATH)  # reachable after the cover (a directory or a file)
    for cover in covers:
        if os.path.isdir(cover) and not os.path.islink(cover):
            kernel.check(libc.mount(b"tmpfs", cover.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                                    b"size=64k,nr_inodes=256,mode=0755"), f"mount(tmpfs over {cover})")
    for path, fd in held.items():
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            _searchable_dirs(path)
        else:  # a file (/etc/ld.so.cache, ...): an empty file to mount it on
            _searchable_dirs(os.path.dirname(path))
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
        source = f"/proc/self/fd/{fd}".encode()
        kernel.check(libc.mount(source, path.encode(), None, MS_BIND | MS_REC, None), f"mount(bind {path})")
        kernel.check(libc.mount(None, path.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
                                None), f"mount(read-only {path})")
        os.close(fd)
    for cover in covers:
        if os.path.isdir(cover) and not os.path.islink(cover) and not home.startswith(cover + os.sep):
            kernel.check(libc.mount(None, cover.encode(), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
                         f"mount(read-only {cover})")


def _enter_namespaces(rootless: bool, hide: list[str], home: str, home_bytes: int,
                      covers: list[str], binds: list[str]) -> None:
    """Private network, PID, IPC, UTS and mount namespaces; this process becomes PID 1's parent.

    After `unshare(CLONE_NEWPID)` the next fork is PID 1 of the new namespace: when it dies the
    kernel kills every process left in it, `setsid` or not. The intermediate process waits and
    passes the exit status on; PID 1 dies with it (PDEATHSIG). The work directory becomes a small
    tmpfs of this namespace: writes there are capped in total (RLIMIT_FSIZE caps only each file, so
    many files could otherwise fill the disk, or the memory where /tmp is a tmpfs), and it vanishes
    with the namespace.
    """
    libc = kernel.libc()
    flags = NAMESPACES
    uid, gid = os.getuid(), os.getgid()
    if rootless:
        flags |= CLONE_NEWUSER
    kernel.check(libc.unshare(flags), "unshare")
    if rootless:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig not in (signal.SIGKILL, signal.SIGSTOP):  # those two take no handler (EINVAL): the
                signal.signal(sig, signal.SIG_DFL)  # inner one killed by the cgroup's OOM killer is SIGKILL
            os.kill(os.getpid(), sig)
            os._exit(128 + sig)
        os._exit(os.waitstatus_to_exitcode(status))
    kernel.check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    # (No getppid() check: in the new namespace the parent reads as 0. Were the parent already gone,
    # the worker, a subreaper, inherits this process and kills it in its clean-up.)
    build_view(hide, covers, binds, home)
    _mount_home(home, home_bytes)


def build_view(hide: list[str], covers: list[str], binds: list[str], home: str) -> None:
    """In a new mount namespace (and PID namespace, whose first process calls this): the private view.

    Propagation off, a /proc of the new PID namespace, the covers with the runtime bound back below
    them, and the hidden paths (the reference implementation, the bank, the tutor's data) each under
    an empty read-only tmpfs. A per-run child builds it for itself; the warm sandbox's zygote
    (tutor/sandbox/zygote.py) once, for all the runs it forks.
    """
    libc = kernel.libc()
    kernel.check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount(private)")
    kernel.check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount(/proc)")
    _bind_view(covers, binds, home)
    for path in hide:
        if os.path.exists(path):
            kernel.check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k"),
                   f"mount(tmpfs over {path})")


def _mount_home(home: str, home_bytes: int) -> None:
    """The work directory as a small tmpfs: writes are capped in total and vanish with the namespace."""
    _searchable_dirs(home)  # (under a cover, the tmpfs lacks it)
    options = f"size={int(home_bytes)},nr_inodes={_HOME_INODES},mode=0700".encode()
    kernel.check(kernel.libc().mount(b"tmpfs", home.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options),
                 "mount(tmpfs on home)")


def _own_namespaces(home: str, home_bytes: int) -> None:
    """A zygote's child: a mount namespace of its own (copied from the zygote's view) for a fresh tmpfs
    home and a /proc that shows only its own processes, and an IPC namespace of its own, so no SysV or
    POSIX IPC object it makes outlives it. The PID, network and UTS namespaces are the zygote's: the
    zygote kills everything left in them after each run, the child holds no capability to change the
    host name, and seccomp denies sockets and new namespaces."""
    libc = kernel.libc()
    kernel.check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare(mount, IPC)")
    # A /proc of its own where other uids' processes are invisible: the zygote (PID 1, root) included.
    kernel.check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, b"hidepid=2"),
                 "mount(/proc, hidepid)")
    _mount_home(home, home_bytes)


def _set_limits(spec: dict[str, Any]) -> None:
    cpu = int(spec["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fsize = int(spec["fsize_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    nofile = int(spec["nofile"])
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    nproc = int(spec["nproc"])
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if spec.get("address_space_bytes"):
        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * resource.getpagesize()
        limit = current + int(spec["address_space_bytes"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _cap_last() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return 63


def _drop_privileges(uid: int | None) -> bool:
    """Become `uid` (no groups) if given, and hold no capability at all, with `no_new_privs` set.

    The bounding set is emptied first (that needs CAP_SETPCAP, which root and the root of a user
    namespace have; an ordinary user holds no capability to begin with, and with `no_new_privs`
    the bounding set could not give any back), then the ambient set; after the uid change (without
    KEEPCAPS) the kernel clears the permitted and effective sets, and `capset` clears all three,
    the inheritable set included, also where the uid stays (root without an unprivileged uid that
    can read the runtime, or a rootless user namespace). `verify_confinement` checks the result.
    """
    libc = kernel.libc()
    bounding = _has_setpcap()
    if bounding:
        for cap in range(_cap_last() + 1):
            kernel.check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"prctl(CAPBSET_DROP, {cap})")
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)  # EINVAL before Linux 4.3: nothing to clear
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise OSError("privilege drop did not take effect")
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    kernel.check(libc.capset(ctypes.byref(header), data), "capset(none)")
    kernel.check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    return bounding


def _has_setpcap() -> bool:
    return bool(_status_field("CapEff") >> kernel.CAP_SETPCAP & 1)


def _status_field(name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                value = line.split()[1]
                return int(value, 16) if name.startswith("Cap") else int(value)
    return -1


def verify_confinement(bounding_clearable: bool) -> None:
    """Refuse to run submitted code unless every capability set is empty and no_new_privs is set."""
    for name in ("CapInh", "CapPrm", "CapEff", "CapAmb") + (("CapBnd",) if bounding_clearable else ()):
        value = _status_field(name)
        if value not in (0, -1):  # -1: CapAmb not reported by a kernel older than 4.3
            raise OSError(f"{name} is {value:#x} after dropping every capability")
    if _status_field("NoNewPrivs") != 1:
        raise OSError("no_new_privs is not set")


def _trimmed_traceback(exc: BaseException) -> str:
    """The exception with only the submission's own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == SOURCE_NAME]
    lines = [f"line {f.lineno}, in {f.name}: {(f.line or '').strip()}" for f in frames]
    lines += traceback.format_exception_only(type(exc), exc)
    return "\n".join(line.rstrip("\n") for line in lines)[:_MAX_MESSAGE]


def _plain(torch: Any, out: Any) -> Any:
    """A dense CPU copy of a returned tensor; sparse, nested, quantized or meta tensors are refused.

    Inside the try of its case, so a tensor that cannot be copied fails that case with a message
    instead of taking the whole run (and every other case) down with it.
    """
    if out.is_nested or out.layout != torch.strided or out.is_quantized or out.is_meta:
        kind = "a nested" if out.is_nested else "a meta" if out.is_meta else "a quantized" if out.is_quantized \
            else f"a {str(out.layout).removeprefix('torch.').removesuffix('_coo')}"
        raise TypeError(f"returned {kind} tensor; return an ordinary dense tensor")
    return out.detach().to("cpu").contiguous().clone()


TORCH_COMPILE_MESSAGE = ("torch.compile is not available when grading: it needs a C compiler and more time "
                         "than a grading has; remove it (plain eager PyTorch is graded)")


def _no_compile(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(TORCH_COMPILE_MESSAGE)


def _preload(torch: Any) -> None:
    """Before the confinement: what the child's own code needs later, and the torch.compile notice.

    torch.compile would start a compiler toolchain (C compiler, Python headers, subprocesses) that
    the sandbox does not provide and a grading's time limit does not allow (~30 s cold); calling it
    (or using it as a decorator) raises a plain message instead of the sandbox's internals.
    """
    import dataclasses  # noqa: F401  - common in submissions, cheap; imported while /usr is surely readable
    import types  # noqa: F401

    torch.compile = _no_compile


def load_module(source: str, index: int) -> Any:
    """Run `source` as a real module `solution` in `sys.modules` (so `@dataclass` under
    `from __future__ import annotations`, pickling and `typing.get_type_hints` work)."""
    import types

    source = source.removeprefix("\ufeff")
    name = "solution"
    module = types.ModuleType(name)
    module.__file__ = SOURCE_NAME
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    linecache.cache[SOURCE_NAME] = (len(source), None, source.splitlines(True), SOURCE_NAME)
    sys.modules[name] = module
    exec(compile(source, SOURCE_NAME, "exec"), module.__dict__)  # the sandbox is the point of this process
    return module


def _timed_repeats(torch: Any, fn: Any, case: list[list[Any]], inputs: dict[str, Any], device: str,
                   first: float) -> float | None:
    """The submission on the timed case, the way the parent times the reference (tutor/sandbox/timing.py):
    the graded call was the warm-up; repetitions within a budget, median if steady. Skipped (no time
    shown) for a call too slow to repeat in the budget."""
    if first * (timing.WARMUP + timing.MIN_REPEATS) > _TIMING_BUDGET:
        return None

    def setup() -> list[Any]:  # fresh inputs for each call, made outside the timed region
        return [inputs[value].clone() if kind == "tensor" else value for kind, value in case]

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    os.dup2(_QUIET_FD, 1)  # what the repetitions print is not output: it was printed once already
    os.dup2(_QUIET_FD, 2)
    try:
        for _ in range(timing.WARMUP - 1):  # the graded call was the first
            fn(*setup())
            sync()
        return timing.repeat_time(fn, sync, _TIMING_BUDGET, setup)
    except BaseException:  # a submission that fails only when repeated: no time, the grade stands
        return None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _run_programs(torch: Any, spec: dict[str, Any], sources: list[str], inputs: dict[str, Any]) -> tuple[dict, dict]:
    entry = spec["entry"]
    timed = spec.get("timed_case")
    results: dict[str, Any] = {}
    status: dict[str, Any] = {"programs": []}
    for j, source in enumerate(sources):
        report: dict[str, Any] = {"load_error": None, "cases": []}
        status["programs"].append(report)
        try:
            fn = getattr(load_module(source, j), entry, None)
            if not callable(fn):
                raise NameError(f"the code does not define a function named {entry}")
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: they are the submission's
            report["load_error"] = _trimmed_traceback(exc)
            continue
        for i, case in enumerate(spec["cases"]):
            args = [inputs[value] if kind == "tensor" else value for kind, value in case]
            args = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
            try:
                start = time.perf_counter()
                out = fn(*args)
                if spec["device"] == "cuda" and isinstance(out, torch.Tensor):
                    torch.cuda.synchronize()
                seconds: float | None = time.perf_counter() - start
            except BaseException as exc:
                report["cases"].append({"error": _trimmed_traceback(exc), "seconds": None})
                continue
            if type(out) is not torch.Tensor:
                kind = "a subclass of torch.Tensor" if isinstance(out, torch.Tensor) else type(out).__name__
                report["cases"].append({"error": f"returned {kind}, not a torch.Tensor", "seconds": seconds})
                continue
            try:
                results[f"p{j}.c{i}"] = _plain(torch, out)
            except BaseException as exc:  # the submission's tensor (or its patched torch) would not copy
                report["cases"].append({"error": _trimmed_traceback(exc), "seconds": seconds})
                continue
            if i == timed and seconds is not None:
                seconds = _timed_repeats(torch, fn, case, inputs, spec["device"], seconds)
            report["cases"].append({"error": None, "seconds": seconds})
    return results, status


def run(spec_path: str, uid: int | None = None, warm: bool = False) -> NoReturn:
    """Child entry point (after fork): never returns.

    `uid`: the run's dedicated uid, chosen by the worker (used where the spec asks for one).
    `warm`: this child was forked by the warm sandbox's zygote (tutor/sandbox/zygote.py), in whose
    namespaces it runs and which has moved it into its run's cgroup already."""
    code = SETUP_FAILED
    try:
        code = _main(spec_path, uid, warm)
    except BaseException:
        traceback.print_exc()  # reaches output.txt once redirected, the worker's log before that
        sys.stderr.flush()
    finally:
        os._exit(code)


def _main(spec_path: str, dedicated: int | None = None, warm: bool = False) -> int:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    req = os.path.dirname(spec_path)
    os.setsid()
    uid: int | None = spec["uid"]
    if spec["uid"] == "dedicated":
        if dedicated is None or dedicated < DEDICATED_UID_BASE:
            raise OSError("no dedicated uid was given for this run")
        uid = dedicated  # chosen by the worker; after the run, every process of it is killed
    out_dir = os.path.join(req, "out")
    out_fd = os.open(os.path.join(out_dir, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    res_fd = os.open(os.path.join(out_dir, "result.safetensors"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    status_fd = os.open(os.path.join(out_dir, "status.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null_fd = os.open("/dev/null", os.O_RDONLY)
    global _QUIET_FD
    _QUIET_FD = os.open("/dev/null", os.O_WRONLY)
    os.dup2(null_fd, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    keep = sorted({0, 1, 2, res_fd, status_fd, _QUIET_FD})
    low = 3
    for fd in keep[3:]:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)

    import safetensors.torch  # already imported by the worker
    import torch

    sources = []
    for name in spec["programs"]:
        with open(os.path.join(req, name), encoding="utf-8") as f:
            sources.append(f.read())
    inputs = safetensors.torch.load_file(os.path.join(req, "inputs.safetensors"))
    home = os.path.join(req, "home")

    groups = cgroup.Cgroups(**spec["cgroup"]) if spec["cgroup"] else None
    if groups is not None and not warm:
        cgroup.enter(groups, str(os.getpid()), int(spec["group_memory_bytes"]), int(spec["group_pids"]))
    if spec["namespaces"] and warm:
        _own_namespaces(home, spec["home_bytes"])
    elif spec["namespaces"]:
        _enter_namespaces(rootless=os.geteuid() != 0, hide=spec["hide"], home=home, home_bytes=spec["home_bytes"],
                          covers=spec["covers"], binds=spec["read_paths"])
    if spec["device"] == "cuda":
        inputs = {k: v.to("cuda") for k, v in inputs.items()}  # CUDA starts here, before the confinement
    torch.set_num_threads(int(spec["threads"]))
    if uid is not None:
        os.chown(home, uid, uid)
    os.chdir(home)
    os.environ.clear()
    os.environ.update({"HOME": home, "TMPDIR": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "PYTHONDONTWRITEBYTECODE": "1"})
    _set_limits(spec)
    _preload(torch)
    verify_confinement(bounding_clearable=_drop_privileges(uid))
    if spec["landlock"]:
        landlock.restrict(spec["read_paths"], [home], spec["rw_files"])
    sys.path[:] = [p for p in sys.path if p not in spec["hide"]]
    if spec["seccomp"]:
        seccomp.install(deny_memfd=groups is None)  # last: everything the child needs is imported by now

    results, status = _run_programs(torch, spec, sources, inputs)
    _write_all(res_fd, safetensors.torch.save(results))
    _write_all(status_fd, json.dumps(status).encode())
    return 0
