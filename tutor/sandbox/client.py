"""The parent's side of the sandbox: start the warm worker, send it one run, read back what is safe.

`Worker.run` writes the inputs (safetensors) and the programs into a fresh request directory,
asks the worker to fork a confined child, and waits, watching an optional `threading.Event`
so a caller (the TUI) can cancel. What comes back is read without trusting it: the status JSON
is parsed with `json` and checked field by field, tensors are read with safetensors (plain
tensors, no code runs when read), sizes are capped, and printed output is stripped of terminal
control sequences. Nothing from the child is ever unpickled.
"""

from __future__ import annotations

import atexit
import glob
import importlib.util
import json
import math
import os
import re
import select
import shutil
import site
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from tutor.sandbox import cgroup, kernel
from tutor.sandbox.layers import FALLBACK_UID, Layers, detect
from tutor.sandbox.output import clean

_MAX_STATUS_BYTES = 1 << 20
_MAX_OUTPUT_BYTES = 64 << 10
_MAX_MESSAGE = 4000
_MAX_SECONDS = 1e9  # a case time beyond this is not a time (and a huge int would not convert to float)
_KEY = re.compile(r"^p(\d+)\.c(\d+)$")
SMALL_NPROC = 8  # the process cap where no cgroup bounds the submission as a whole
# What a Python process needs from the system; not /etc as a whole (shadow), not /dev (disks).
_SYSTEM_READ = [
    "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/proc",
    "/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts",
    "/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/mime.types",
    "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full",
]


class SandboxError(RuntimeError):
    """The sandbox itself failed (the worker died or would not start): not the submission's fault."""


class Cancelled(Exception):
    """The caller's cancel event was set while a run was in progress."""


@dataclass(frozen=True)
class Limits:
    """Limits on one child run."""

    wall_seconds: float = 10.0
    memory_mib: int = 4096
    fsize_bytes: int = 64 << 20
    nofile: int = 64
    nproc: int = 64
    threads: int = 1  # torch's intra-op threads: the cases are tiny, and idle pool threads spinning on a
    # loaded machine made a 10 us op take 5-13 ms (the grader times the reference with one thread too)
    home_bytes: int = 64 << 20  # total size of the work directory (a tmpfs) where namespaces are available
    group_memory_mib: int | None = None  # the run's cgroup memory limit where lower than memory_mib (a budget)

    @property
    def cpu_seconds(self) -> int:
        return max(1, math.ceil(self.wall_seconds * max(1, self.threads)))


@dataclass(frozen=True)
class CaseReport:
    error: str | None
    seconds: float | None


@dataclass(frozen=True)
class ProgramReport:
    load_error: str | None
    cases: tuple[CaseReport, ...]


@dataclass(frozen=True)
class RunResult:
    """What one child run left behind, already validated."""

    outcome: str  # exited | signaled | timeout | cancelled
    exit_code: int | None
    signal: int | None
    wall_seconds: float
    programs: tuple[ProgramReport, ...] | None  # None: no (valid) status came back
    tensors: dict[str, Any] = field(default_factory=dict)  # "p{j}.c{i}" -> torch.Tensor (CPU)
    output: str = ""
    problem: str = ""  # why the status or tensors could not be used, if so
    path: str = ""  # "warm" (forked from the warm sandbox's zygote) or "per-run" (a sandbox made for this run)


def _str_or_none(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} is not a string")
    return clean(value, _MAX_MESSAGE)


def parse_status(raw: bytes, n_programs: int, n_cases: int) -> tuple[ProgramReport, ...]:
    """Validate the child's status JSON strictly; raises ValueError on anything unexpected."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:  # deeply nested arrays written by the submission itself
        raise ValueError("status is nested too deeply") from None
    if not isinstance(data, dict) or set(data) != {"programs"}:
        raise ValueError("status has the wrong keys")
    programs = data["programs"]
    if not isinstance(programs, list) or len(programs) != n_programs:
        raise ValueError("status has the wrong number of programs")
    out = []
    for p in programs:
        if not isinstance(p, dict) or set(p) != {"load_error", "cases"} or not isinstance(p["cases"], list):
            raise ValueError("a program entry is malformed")
        load_error = _str_or_none(p["load_error"], "load_error")
        if load_error is None and len(p["cases"]) != n_cases:
            raise ValueError("a program has the wrong number of cases")
        cases = []
        for c in p["cases"]:
            if not isinstance(c, dict) or set(c) != {"error", "seconds"}:
                raise ValueError("a case entry is malformed")
            seconds = c["seconds"]
            if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                        or not 0 <= seconds < _MAX_SECONDS):  # NaN fails too; no float(huge int)
                raise ValueError("a case time is not a number")
            cases.append(CaseReport(_str_or_none(c["error"], "error"), None if seconds is None else float(seconds)))
        out.append(ProgramReport(load_error, tuple(cases)))
    return tuple(out)


_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
_MAX_HEADER = 1 << 16
_MAX_DIMS = 8


def check_result_header(raw: bytes, n_programs: int, n_cases: int) -> None:
    """Check a result file's safetensors header before any tensor is loaded; ValueError if wrong.

    The header (a little-endian u64 length, then JSON) must be small, list at most one entry per
    program and case, each named `p{j}.c{i}` for ones that exist, with a known dtype, a shape of at
    most 8 non-negative dimensions whose size matches its byte range, and ranges that tile the data
    exactly. So a file of 250,000 tiny tensors is refused after reading its first bytes.
    """
    if len(raw) < 8:
        raise ValueError("the result file is too short")
    length = int.from_bytes(raw[:8], "little")
    if length > _MAX_HEADER or 8 + length > len(raw):
        raise ValueError(f"the result file's header is {length} bytes long (at most {_MAX_HEADER})")
    try:
        header = json.loads(raw[8:8 + length].decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the result file's header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise ValueError("the result file's header is not a JSON object")
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    if len(entries) > n_programs * n_cases:
        raise ValueError(f"the result file has {len(entries)} entries, at most {n_programs * n_cases} expected")
    ranges = []
    for key, entry in entries.items():
        m = _KEY.match(key)
        if not m or int(m.group(1)) >= n_programs or int(m.group(2)) >= n_cases:
            raise ValueError(f"the result file has an unexpected entry {key[:40]!r}")
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"the result file's entry {key} is malformed")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _DTYPES:
            raise ValueError(f"the result file's entry {key} has dtype {str(dtype)[:20]!r}")
        if (not isinstance(shape, list) or len(shape) > _MAX_DIMS
                or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 1 << 40 for d in shape)):
            raise ValueError(f"the result file's entry {key} has a malformed shape")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
            raise ValueError(f"the result file's entry {key} has malformed offsets")
        if offsets[1] - offsets[0] != math.prod(shape) * _DTYPES[dtype]:
            raise ValueError(f"the result file's entry {key}: its shape does not match its size")
        ranges.append((offsets[0], offsets[1]))
    position = 0
    for begin, end in sorted(ranges):
        if begin != position:
            raise ValueError("the result file's tensors overlap or leave gaps")
        position = end
    if 8 + length + position != len(raw):
        raise ValueError("the result file's size does not match its header")


def _package_dir(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def hidden_paths() -> list[str]:
    """What the child must not see: the reference implementation, the bank, the tutor's data."""
    paths = [p for p in (_package_dir("reference_impl"), _package_dir("question_bank")) if p]
    try:
        import platformdirs

        paths += [platformdirs.user_data_dir("attention-tutor"), platformdirs.user_config_dir("attention-tutor")]
    except ImportError:
        pass
    return paths


def read_paths(hide: list[str], device: str = "cpu") -> list[str]:
    """What the child may read: the system's libraries and the Python runtime only (Landlock's read
    rules, and what the namespace view binds back below a cover). /sys only for CUDA's driver."""
    runtime = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages()}
    user_site = site.getusersitepackages()
    if isinstance(user_site, str) and os.path.isdir(user_site):
        runtime.add(user_site)
    paths = list(_SYSTEM_READ) + (["/sys"] if device == "cuda" else [])
    for p in sorted(runtime):
        real = os.path.realpath(p)
        if not any(h == real or h.startswith(real + os.sep) for h in hide):
            paths.append(real)
    return paths


def covers(reads: list[str], device: str = "cpu") -> list[str]:
    """Directories the namespace view covers with an empty tmpfs: /root, /home, /etc, /sys (not for CUDA),
    and any directory on the way to a read path or the request directory that others may not search
    (the runtime is then bound back below it, the work directory made in it). Nested covers merge."""
    found = {"/root", "/home", "/etc"} | (set() if device == "cuda" else {"/sys"})
    for path in reads:
        parts = path.strip("/").split("/")
        for n in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:n])
            try:
                if not os.stat(ancestor).st_mode & stat.S_IXOTH:
                    found.add(ancestor)
                    break
            except OSError:
                break
    return sorted(p for p in found if not any(p.startswith(q + os.sep) for q in found))


def _undumpable() -> None:
    """Make this (the grading) process non-dumpable: no ptrace or /proc/<pid>/mem by same-uid processes.

    Needed on the base layer alone, where the child runs under our own uid with nothing else between
    it and us: it could otherwise read the expected outputs out of this process's memory (found by
    walking up from its parent, the worker). Any other layer already stops that (another uid, a
    private PID namespace, or Landlock's ptrace scoping). It stays set for the rest of the process.
    """
    if kernel.libc().prctl(kernel.PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_DUMPABLE) failed: {os.strerror(kernel.get_errno())}")


def _write_private(path: str, data: bytes) -> None:
    """Write a request file readable only by its owner.

    The request directory must stay traversable (0711) for the child's unprivileged uid, and the
    child reads these files before it drops privileges; 0600 keeps a concurrent run's submission
    (another student's code) from reading them where Landlock is not there to stop it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def warm_possible(layers: Layers, covers: list[str], request_dir: str) -> bool:
    """Whether a run can take the warm sandbox (tutor/sandbox/zygote.py); `warm_unavailable` says why not."""
    return not warm_unavailable(layers, covers, request_dir)


def warm_unavailable(layers: Layers, covers: list[str], request_dir: str) -> str:
    """Why a run cannot take the warm sandbox, or "": it needs a dedicated uid (root), namespaces, Landlock
    and seccomp (each run then as confined as a per-run child), and the request folder outside every
    cover (a cover made once would hide the folders made after it)."""
    missing = [name for name, there in (("a dedicated uid (root)", layers.privilege_drop == "dedicated uid"),
                                         ("namespaces", layers.namespaces), ("Landlock", layers.landlock_abi >= 1),
                                         ("seccomp", layers.seccomp)) if not there]
    if missing:
        return "it needs " + ", ".join(missing)
    cover = next((c for c in covers if request_dir.startswith(c + os.sep)), None)
    if cover:
        return f"the temporary folder {os.path.dirname(request_dir)} lies below {cover}, which others may not search"
    return ""


def warm_status(device: str = "cpu") -> str:
    """The warm sandbox on this machine, in words (`tutor doctor`)."""
    probe = os.path.join(tempfile.gettempdir(), "tutor-sandbox-probe")
    reads = read_paths(hidden_paths(), device)
    why = warm_unavailable(detect(), covers(reads + [probe], device), probe)
    return ("yes: namespaces and view made once per worker, each run's child forked from it" if not why
            else f"no ({why}): every run makes its own sandbox")


_HELD_BLOBS = 8  # serialised inputs kept (variants graded in turn: a class's code questions)


class Worker:
    """One warm worker process; `run` is thread-safe (runs are serialised).

    `layers` defaults to everything this machine offers; passing fewer (e.g. the base layer only)
    is how the tests exercise the weaker configurations a laptop without root would get.
    """

    def __init__(self, layers: Layers | None = None) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._next_id = 0
        self._owner = os.getpid()
        self.info: dict[str, Any] = {}
        self.layers: Layers = layers if layers is not None else detect()
        self._blobs: list[tuple[dict[str, Any], tuple[Any, ...], bytes]] = []  # see _inputs_blob

    def _inputs_blob(self, inputs: dict[str, Any]) -> bytes:
        """The inputs as safetensors bytes, serialised once per inputs dict: a batch grading passes
        the same (cached) dict for every submission of a variant. The dict is held, so its id stays
        its own; a tensor changed in place (its version counter moves) or replaced is serialised again.
        Each run still gets its own copy of the file in its own request folder."""
        import safetensors.torch

        stamp = tuple((k, id(v), v._version) for k, v in inputs.items())
        for held, held_stamp, blob in self._blobs:
            if held is inputs and held_stamp == stamp:
                return blob
        blob = safetensors.torch.save({k: v.detach().cpu().contiguous() for k, v in inputs.items()})
        self._blobs = [(inputs, stamp, blob)] + [b for b in self._blobs if b[0] is not inputs][:_HELD_BLOBS - 1]
        return blob

    def start(self) -> None:
        """Start the worker without waiting for it (it imports torch: about 2 s cold)."""
        if self._proc is not None and self._proc.poll() is None:
            return
        if self.layers.cgroup_version:  # run groups a killed worker left behind (their child is gone)
            cgroup.sweep(cgroup.detect())
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        self._log = tempfile.TemporaryFile()
        # Isolated mode (-I: no PYTHONPATH, no user site), but the same `tutor` package as ours:
        # from a git worktree on PYTHONPATH, an editable install elsewhere would otherwise win.
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["tutor"].__file__ or "")))
        bootstrap = (f"import sys; sys.path.insert(0, {package_root!r}); "
                     "from tutor.sandbox.worker import main; sys.exit(main())")
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", bootstrap],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env, cwd="/",
            start_new_session=True, close_fds=True,
        )
        self._buffer = b""
        self._owner = os.getpid()
        self.info = {}

    def _readline(self, cancel: threading.Event | None, on_cancel: Any = None, timeout: float | None = None) -> dict:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        waited = 0.0
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if cancel is not None and cancel.is_set() and on_cancel is not None:
                on_cancel()
                on_cancel = None
            if not ready:
                waited += 0.05
                if timeout is not None and waited > timeout:
                    raise SandboxError("the sandbox worker did not answer in time")
                continue
            data = os.read(fd, 65536)
            if not data:
                self._log.seek(0)
                tail = self._log.read()[-2000:].decode(errors="replace")
                self._proc.wait()
                self._proc = None
                raise SandboxError(f"the sandbox worker stopped: {tail.strip() or 'no message'}")
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _send(self, msg: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self._proc.stdin.flush()

    def ready(self, timeout: float = 120.0) -> dict[str, Any]:
        """Wait until the worker has imported torch; returns its hello (torch version, pid)."""
        with self._lock:
            return self._ready(timeout)

    def _ready(self, timeout: float) -> dict[str, Any]:
        self.start()
        if not self.info:
            self.info = self._readline(None, timeout=timeout)
        return self.info

    def run(self, programs: list[str], entry: str, inputs: dict[str, Any], cases: list[list[list[Any]]],
            limits: Limits, device: str = "cpu", cancel: threading.Event | None = None,
            timed_case: int | None = None, warm: bool = True) -> RunResult:
        """Run `programs` (sources defining `entry`) on every case in one fresh confined child.

        `timed_case`: the case whose time is measured with repetitions (see tutor/sandbox/timing.py).
        `warm`: fork the child from the warm sandbox's zygote (tutor/sandbox/zygote.py) where this
        machine has every layer it needs (`warm_possible`); False: the per-run path, namespaces and
        view made for this run alone (what `tutor grade --no-cache` keeps for comparison)."""
        with self._lock:
            self._ready(120.0)
            req = tempfile.mkdtemp(prefix="tutor-sandbox-")
            try:
                os.chmod(req, 0o711)
                for sub in ("home", "out"):
                    os.mkdir(os.path.join(req, sub), 0o700)
                names = []
                for j, source in enumerate(programs):
                    names.append(f"p{j}.py")
                    _write_private(os.path.join(req, f"p{j}.py"), source.encode("utf-8"))
                _write_private(os.path.join(req, "inputs.safetensors"),
                               self._inputs_blob(inputs))
                layers = self.layers
                if not (layers.privilege_drop or layers.namespaces or layers.landlock_abi):
                    _undumpable()
                hide = hidden_paths()
                uid: Any = None
                if layers.privilege_drop == "dedicated uid":
                    uid = "dedicated"
                elif layers.privilege_drop:
                    uid = FALLBACK_UID
                groups = cgroup.detect() if layers.cgroup_version else None
                reads = read_paths(hide, device)
                spec = {
                    "entry": entry, "programs": names, "cases": cases, "device": device,
                    "threads": limits.threads, "cpu_seconds": limits.cpu_seconds, "fsize_bytes": limits.fsize_bytes,
                    "nofile": limits.nofile, "nproc": self._nproc(limits, uid, groups is not None),
                    "home_bytes": limits.home_bytes,
                    "address_space_bytes": None if device == "cuda" else limits.memory_mib << 20,
                    "uid": uid, "namespaces": layers.namespaces, "hide": hide,
                    "landlock": layers.landlock_abi >= 1, "read_paths": reads, "covers": covers(reads + [req], device),
                    "seccomp": layers.seccomp, "timed_case": timed_case,
                    "cgroup": None if groups is None else {"version": groups.version, "parents": list(groups.parents),
                                                           "detail": groups.detail},
                    "group_memory_bytes": (limits.group_memory_mib or limits.memory_mib) << 20, "group_pids": limits.nproc,
                    "rw_files": ["/dev/null"] + (sorted(glob.glob("/dev/nvidia*")) if device == "cuda" else []),
                }
                _write_private(os.path.join(req, "spec.json"), json.dumps(spec).encode("utf-8"))
                self._next_id += 1
                run_id = self._next_id
                self._send({"op": "run", "id": run_id, "spec": os.path.join(req, "spec.json"),
                            "wall_seconds": limits.wall_seconds, "dedicated_uid": uid == "dedicated",
                            "cgroup": spec["cgroup"], "warm": warm and warm_possible(layers, spec["covers"], req)})
                reply = self._readline(cancel, on_cancel=lambda: self._send({"op": "cancel", "id": run_id}))
                if reply.get("outcome") == "cancelled":
                    raise Cancelled()
                return self._collect(req, reply, len(programs), len(cases), limits)
            finally:
                shutil.rmtree(req, ignore_errors=True)

    @staticmethod
    def _nproc(limits: Limits, uid: Any, grouped: bool) -> int:
        """RLIMIT_NPROC counts every process of the real uid: add what that uid already runs.

        Without a cgroup, memory is limited per process only, so the process cap is what bounds
        the submission's total: then it is small (`SMALL_NPROC`), and memfd_create is denied."""
        if uid == "dedicated":
            return limits.nproc if grouped else min(limits.nproc, SMALL_NPROC)
        target = os.getuid() if uid is None else uid
        count = 0
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == target:
                        count += 1
                except OSError:
                    pass
        return count + limits.nproc

    def _collect(self, req: str, reply: dict[str, Any], n_programs: int, n_cases: int, limits: Limits) -> RunResult:
        import safetensors.torch

        out = os.path.join(req, "out")

        def read(name: str, cap: int) -> bytes:
            """Up to cap + 1 bytes of a regular file; b"" for anything else.

            Where the child shares our uid (rootless namespaces without Landlock) it could replace
            these files: a symlink would make us read (and show as its output) a file it cannot read
            itself, the hidden reference for one; a FIFO would block us. So no symlinks, no FIFOs.
            """
            try:
                fd = os.open(os.path.join(out, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                return b""
            with os.fdopen(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return b""
                return f.read(cap + 1)

        output = clean(read("output.txt", _MAX_OUTPUT_BYTES).decode("utf-8", errors="replace"))
        base = dict(outcome=str(reply["outcome"]), exit_code=reply.get("exit_code"), signal=reply.get("signal"),
                    wall_seconds=float(reply.get("wall_seconds", 0.0)), output=output, path=str(reply.get("path", "")))
        raw_status = read("status.json", _MAX_STATUS_BYTES)
        if reply["outcome"] != "exited" or reply.get("exit_code") != 0 or not raw_status:
            return RunResult(programs=None, **base)
        if len(raw_status) > _MAX_STATUS_BYTES:
            return RunResult(programs=None, problem="the status the child wrote is too large", **base)
        try:
            programs = parse_status(raw_status, n_programs, n_cases)
        except (ValueError, UnicodeDecodeError) as exc:
            return RunResult(programs=None, problem=f"the child's status is malformed ({exc})", **base)
        raw_result = read("result.safetensors", limits.fsize_bytes)
        if not raw_result or len(raw_result) > limits.fsize_bytes:
            return RunResult(programs=None, problem="the child wrote no readable result file", **base)
        try:
            check_result_header(raw_result, n_programs, n_cases)
        except ValueError as exc:
            return RunResult(programs=None, problem=str(exc), **base)
        try:
            tensors = safetensors.torch.load(raw_result)
        except Exception as exc:  # safetensors raises its own error types for a corrupt file
            return RunResult(programs=None, problem=f"the result file is not valid safetensors ({exc})", **base)
        return RunResult(programs=programs, tensors=tensors, **base)

    def close(self) -> None:
        """Stop the worker (only from the process that started it, not from a fork of that process)."""
        with self._lock:
            if self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None:
                try:
                    self._send({"op": "quit"})
                    self._proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
                    self._proc.wait()
            self._proc = None


_shared: Worker | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def shared_worker() -> Worker:
    """The process-wide worker, started on first use (call early to hide the cold start).

    A process forked from one that already had a worker (a multiprocessing pool) gets its own:
    the inherited pipes belong to the parent's worker.
    """
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared = Worker()
            _shared_pid = os.getpid()
            atexit.register(_shared.close)
        _shared.start()
        return _shared


_PROBE = r'''
import os, socket
def probe(x):
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
        print(key, status.get(key, "?").strip())
    try:
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
        print("socket allowed")
    except OSError as exc:
        print("socket", exc.errno)
    groups = [line.split(":", 2)[2] for line in open("/proc/self/cgroup").read().splitlines()]
    print("cgroup", int(any("tutor-run-" in g for g in groups)))
    print("uid", os.getuid())
    return x
'''


def inside_view(worker: Worker | None = None) -> dict[str, str]:
    """What a sandboxed child sees of its own confinement (capabilities, no_new_privs, seccomp,
    sockets, cgroup, uid), measured by running a probe in the sandbox: `tutor doctor` reports
    this rather than what the layers are meant to do."""
    import torch  # deferred: the probe is an ordinary sandboxed run

    worker = worker or shared_worker()
    result = worker.run([_PROBE], "probe", {"c0.x": torch.zeros(1)}, [[["tensor", "c0.x"]]], Limits(wall_seconds=30))
    if result.programs is None or result.programs[0].load_error or result.programs[0].cases[0].error:
        problem = result.problem or (result.programs[0].load_error or result.programs[0].cases[0].error
                                     if result.programs else f"the probe ended with {result.outcome}")
        raise SandboxError(f"the sandbox probe failed: {problem}")
    return dict(line.split(" ", 1) for line in result.output.splitlines() if " " in line)
