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
import sys
import time
import traceback
from typing import Any, NoReturn

from tutor.sandbox import kernel, landlock
from tutor.sandbox.kernel import (
    CLONE_NEWUSER, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, NAMESPACES, PR_SET_KEEPCAPS,
    PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG,
)
from tutor.sandbox.layers import DEDICATED_UID_BASE

SOURCE_NAME = "solution.py"
_CAP_VERSION_3, _CAP_DAC_READ_SEARCH = 0x20080522, 2
_MAX_MESSAGE = 4000
_HOME_INODES = 4096  # files and directories the submission may create in its work directory
SETUP_FAILED = 70  # exit code of a child whose confinement could not be set up


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _enter_namespaces(rootless: bool, hide: list[str], home: str, home_bytes: int) -> None:
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
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            os._exit(128 + sig)
        os._exit(os.waitstatus_to_exitcode(status))
    kernel.check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    # (No getppid() check: in the new namespace the parent reads as 0. Were the parent already gone,
    # the worker, a subreaper, inherits this process and kills it in its clean-up.)
    kernel.check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount(private)")
    kernel.check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount(/proc)")
    options = f"size={int(home_bytes)},nr_inodes={_HOME_INODES},mode=0700".encode()
    kernel.check(libc.mount(b"tmpfs", home.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), "mount(tmpfs on home)")
    for path in hide:
        if os.path.exists(path):
            kernel.check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k"),
                   f"mount(tmpfs over {path})")


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


def _drop_privileges(uid: int, gid: int, keep_read_search: bool) -> None:
    """Become `uid`/`gid` with no groups; optionally keep only CAP_DAC_READ_SEARCH.

    The capability is kept only under Landlock (which then decides what may be read): it lets the
    child import modules from a Python installed in a private home directory (e.g. pyenv under
    /root), which the unprivileged uid could not otherwise traverse. It does not survive `exec`.
    """
    libc = kernel.libc()
    if keep_read_search:
        kernel.check(libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(KEEPCAPS)")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("privilege drop did not take effect")
    if keep_read_search:
        header = _CapHeader(_CAP_VERSION_3, 0)
        data = (_CapData * 2)()
        data[0].effective = data[0].permitted = 1 << _CAP_DAC_READ_SEARCH
        kernel.check(libc.capset(ctypes.byref(header), data), "capset")
        kernel.check(libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(KEEPCAPS)")


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


def _run_programs(torch: Any, spec: dict[str, Any], sources: list[str], inputs: dict[str, Any]) -> tuple[dict, dict]:
    entry = spec["entry"]
    results: dict[str, Any] = {}
    status: dict[str, Any] = {"programs": []}
    for j, source in enumerate(sources):
        report: dict[str, Any] = {"load_error": None, "cases": []}
        status["programs"].append(report)
        linecache.cache[SOURCE_NAME] = (len(source), None, source.splitlines(True), SOURCE_NAME)
        namespace: dict[str, Any] = {"__name__": "solution", "__builtins__": builtins}
        try:
            exec(compile(source, SOURCE_NAME, "exec"), namespace)  # the sandbox is the point of this process
            fn = namespace.get(entry)
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
                seconds = time.perf_counter() - start
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
            report["cases"].append({"error": None, "seconds": seconds})
    return results, status


def run(spec_path: str) -> NoReturn:
    """Child entry point (after fork): never returns."""
    code = SETUP_FAILED
    try:
        code = _main(spec_path)
    except BaseException:
        traceback.print_exc()  # reaches output.txt once redirected, the worker's log before that
        sys.stderr.flush()
    finally:
        os._exit(code)


def _main(spec_path: str) -> int:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    req = os.path.dirname(spec_path)
    os.setsid()
    uid: int | None = spec["uid"]
    if spec["uid"] == "dedicated":
        uid = DEDICATED_UID_BASE + os.getpid()  # the worker kills this uid afterwards
    out_dir = os.path.join(req, "out")
    out_fd = os.open(os.path.join(out_dir, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    res_fd = os.open(os.path.join(out_dir, "result.safetensors"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    status_fd = os.open(os.path.join(out_dir, "status.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null_fd = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    keep = sorted({0, 1, 2, res_fd, status_fd})
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

    if spec["namespaces"]:
        _enter_namespaces(rootless=os.geteuid() != 0, hide=spec["hide"], home=home, home_bytes=spec["home_bytes"])
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
    if uid is not None:
        _drop_privileges(uid, uid, keep_read_search=bool(spec["landlock"]))
    kernel.check(kernel.libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    if spec["landlock"]:
        landlock.restrict(spec["read_paths"], [home], spec["rw_files"])
    sys.path[:] = [p for p in sys.path if p not in spec["hide"]]

    results, status = _run_programs(torch, spec, sources, inputs)
    _write_all(res_fd, safetensors.torch.save(results))
    _write_all(status_fd, json.dumps(status).encode())
    return 0
