"""The sandbox on its own: layers, clean-up in weaker configurations, strict reading of results."""

from __future__ import annotations

import os
import threading

import pytest
import torch

from tutor.sandbox import client, layers, worker
from tutor.sandbox.output import clean

DAEMONS = """
import os, time

def spawn():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3600)
        os._exit(0)

def f(x):
    spawn()
    spawn()
    return x * 2
"""
CASES = [[["tensor", "c0.x"]]]


def _base(drop: str) -> layers.Layers:
    return layers.Layers(root=os.geteuid() == 0, privilege_drop=drop, namespaces=False,
                         namespaces_detail="off for this test", landlock_abi=0, seccomp=False)


@pytest.fixture(scope="module")
def base_worker():
    """A worker restricted to the base layer (plus the uid drop where we are root and it can work)."""
    w = client.Worker(_base(layers.usable_drop(0)))
    yield w
    w.close()


def test_base_layer_alone_is_weak():
    assert not _base("").strong
    assert layers.detect().names()[0] == "base"


@pytest.mark.parametrize("drop", ["machine", ""], ids=["with-uid-drop-if-root", "no-uid-drop"])
def test_base_layer_runs_and_kills_setsid_daemons(base_worker, drop, leftover_processes):
    if drop == "machine" and os.geteuid() == 0 and not layers.usable_drop(0):
        pytest.skip("without Landlock an unprivileged uid cannot read this Python runtime (a 0700 folder)")
    base_worker.layers = _base(layers.usable_drop(0) if drop == "machine" else "")
    x = torch.arange(6.0).reshape(2, 3)
    result = base_worker.run([DAEMONS], "f", {"c0.x": x}, CASES, client.Limits(wall_seconds=5))
    assert result.outcome == "exited" and result.programs is not None
    assert torch.equal(result.tensors["p0.c0"], x * 2)
    assert worker.run_children(base_worker.ready()["pid"]) == []
    assert leftover_processes() == []


def test_cancel_stops_a_running_child():
    w = client.shared_worker()
    event = threading.Event()
    event.set()  # already set: the run is cancelled at its first check, deterministically
    with pytest.raises(client.Cancelled):
        w.run(["def f(x):\n    while True:\n        pass\n"], "f", {"c0.x": torch.ones(1)}, CASES,
              client.Limits(wall_seconds=30), cancel=event)
    assert worker.run_children(w.ready()["pid"]) == []
    ok = w.run(["def f(x):\n    return x + 1\n"], "f", {"c0.x": torch.ones(1)}, CASES, client.Limits())
    assert torch.equal(ok.tensors["p0.c0"], torch.full((1,), 2.0))


def test_inputs_are_serialised_once_per_dict_and_again_when_a_tensor_changes(monkeypatch):
    """A batch grading passes one cached inputs dict per variant: serialised once, yet every run sees
    the values of the moment (an in-place change or a replaced tensor is serialised again)."""
    import safetensors.torch

    w = client.shared_worker()
    saves = []
    real_save = safetensors.torch.save
    monkeypatch.setattr(safetensors.torch, "save", lambda t, *a: saves.append(1) or real_save(t, *a))
    inputs = {"c0.x": torch.ones(1)}
    add = ["def f(x):\n    return x + 1\n"]
    for expected in (2.0, 2.0):
        r = w.run(add, "f", inputs, CASES, client.Limits())
        assert torch.equal(r.tensors["p0.c0"], torch.full((1,), expected))
    assert len(saves) == 1
    inputs["c0.x"].mul_(5)  # in place: the version counter moves
    assert torch.equal(w.run(add, "f", inputs, CASES, client.Limits()).tensors["p0.c0"], torch.full((1,), 6.0))
    inputs["c0.x"] = torch.zeros(1)  # replaced
    assert torch.equal(w.run(add, "f", inputs, CASES, client.Limits()).tensors["p0.c0"], torch.full((1,), 1.0))
    assert torch.equal(w.run(add, "f", {"c0.x": torch.ones(1)}, CASES, client.Limits()).tensors["p0.c0"],
                       torch.full((1,), 2.0))  # another dict
    assert len(saves) == 4


def test_status_is_parsed_strictly():
    good = b'{"programs": [{"load_error": null, "cases": [{"error": null, "seconds": 0.1}]}]}'
    assert client.parse_status(good, 1, 1)[0].cases[0].seconds == 0.1
    bad = [
        b'{"programs": []}',
        b'{"programs": [{"load_error": null, "cases": []}]}',
        b'{"programs": [{"load_error": 3, "cases": []}]}',
        b'{"programs": [{"load_error": null, "cases": [{"error": null, "seconds": "fast"}]}]}',
        b'{"programs": [{"load_error": null, "cases": [{"error": null, "seconds": NaN}]}]}',
        b'{"programs": [{"load_error": null, "cases": [{"error": null, "seconds": 1, "extra": 1}]}]}',
        b'[]',
    ]
    for raw in bad:
        with pytest.raises(ValueError):
            client.parse_status(raw, 1, 1)


def test_clean_strips_control_sequences_and_caps():
    text = "a\x1b[31mred\x1b[0m \x1b]0;title\x07b \x9b2Jc\r\n\x00d\te"
    assert clean(text) == "ared b c\nd\te"
    assert clean("x" * 50, limit=10).startswith("x" * 10 + "\n... (output truncated")


def test_hidden_paths_are_not_readable_under_landlock():
    hidden = client.hidden_paths()
    reads = client.read_paths(hidden)
    for h in hidden:
        assert not any(h == r or h.startswith(r + os.sep) for r in reads)
    assert "/etc" not in reads and "/dev" not in reads


PARENT_MEMORY = r'''
import os, struct
def f(x):
    with open(f"/proc/{os.getppid()}/stat") as st:  # the worker's parent: the grading process
        parent = int(st.read().rsplit(")", 1)[1].split()[1])
    needle = struct.pack("<f", 1234.5678) * 8
    found = 0
    with open(f"/proc/{parent}/maps") as m, open(f"/proc/{parent}/mem", "rb", 0) as mem:
        for line in m:
            lo, hi = (int(v, 16) for v in line.split()[0].split("-"))
            if "rw" in line.split()[1] and hi - lo < 1 << 28:
                try:
                    mem.seek(lo)
                    found += mem.read(hi - lo).count(needle)
                except OSError:
                    pass
    return x * 0 + found
'''
GRADER = """
import os, sys, torch
from tutor.sandbox import client, layers
expected = torch.full((1000,), 1234.5678)  # stands for the expected outputs the grading process holds
base = layers.Layers(root=False, privilege_drop="", namespaces=False, namespaces_detail="off",
                     landlock_abi=0, seccomp=False)
w = client.Worker(base)
r = w.run([sys.stdin.read()], "f", {"c0.x": torch.zeros(1)}, [[["tensor", "c0.x"]]], client.Limits(wall_seconds=20))
w.close()
case = r.programs[0].cases[0] if r.programs else None
print("ERROR" if case and case.error else f"FOUND {r.tensors['p0.c0'].item():g}" if case else f"NONE {r.outcome}")
print(case.error if case else r.output)
"""


def test_base_layer_child_cannot_read_the_graders_memory():
    """With the base layer alone the child runs under our uid: it must still not read our memory
    (the expected outputs live there). As root, CAP_SYS_PTRACE is dropped to stand for a user."""
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-c", GRADER]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv: cannot run as an ordinary user would")
        command = ["setpriv", "--bounding-set=-sys_ptrace", *command]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(command, input=PARENT_MEMORY, capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ERROR"), done.stdout
    assert "PermissionError" in done.stdout, done.stdout


SWAP_RESULT_FILES = r'''
import os
OUT = next(os.path.dirname(os.readlink(f"/proc/self/fd/{fd}")) for fd in os.listdir("/proc/self/fd")
           if os.path.exists(f"/proc/self/fd/{fd}") and os.readlink(f"/proc/self/fd/{fd}").endswith("status.json"))
def f(x):
    os.unlink(os.path.join(OUT, "output.txt"))
    os.symlink(SECRET, os.path.join(OUT, "output.txt"))
    os.unlink(os.path.join(OUT, "status.json"))
    os.mkfifo(os.path.join(OUT, "status.json"))
    return x
'''


def test_results_are_not_read_through_symlinks_or_fifos(tmp_path):
    """Where the child shares our uid (rootless namespaces, no Landlock) it can swap its result
    files: a symlink must not make us read a file it cannot (shown as its output), a FIFO must not
    block us. Emulated here with namespaces and no Landlock, no uid drop."""
    found = layers.detect()
    if found.landlock_abi == 0 and not found.namespaces and found.privilege_drop:
        pytest.skip("the child cannot reach the result directory here")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET REFERENCE")
    weak = layers.Layers(root=found.root, privilege_drop="", namespaces=found.namespaces,
                         namespaces_detail="as found", landlock_abi=0, seccomp=False)
    w = client.Worker(weak)
    # Requests in a directory any uid may search: under pytest's 0700 one the namespace view would
    # cover the result directory and the swap could not even be tried.
    import tempfile

    reachable = tempfile.mkdtemp(prefix="tutor-swap-", dir="/tmp")
    os.chmod(reachable, 0o755)
    saved, tempfile.tempdir = tempfile.tempdir, reachable
    try:
        result = w.run([f"SECRET = {str(secret)!r}\n" + SWAP_RESULT_FILES], "f", {"c0.x": torch.ones(1)}, CASES,
                       client.Limits(wall_seconds=10))
    finally:
        tempfile.tempdir = saved
        w.close()
        os.rmdir(reachable)
    assert result.outcome == "exited"
    assert "SECRET" not in result.output
    assert result.programs is None  # the status is a FIFO now: no status, no verdict


# --- issue 13 ---

def test_clean_strips_bidi_and_zero_width_characters():
    spoof = "\u202ePassed\u202c \u2066all\u2069\u200b\u200c\u200d\u200e\u200f\ufeff\u202a\u202b\u202d\u2067\u2068 cases"
    assert clean(spoof) == "Passed all cases"


def _header(entries: dict, data: bytes = b"") -> bytes:
    import json

    raw = json.dumps(entries).encode()
    return len(raw).to_bytes(8, "little") + raw + data


def test_result_header_is_checked_before_any_tensor_is_loaded():
    import safetensors.torch

    good = safetensors.torch.save({"p0.c0": torch.ones(2, 3), "p0.c1": torch.zeros(0)})
    client.check_result_header(good, 1, 2)
    f32 = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
    bad = {
        "too many entries": _header({f"p0.c{i}": {**f32, "data_offsets": [0, 0], "shape": [0]} for i in range(3)}),
        "unexpected entry": _header({"weights": f32}, b"\0" * 4),
        "dtype": _header({"p0.c0": {**f32, "dtype": "F8_E4M3"}}, b"\0" * 4),
        "shape": _header({"p0.c0": {**f32, "shape": [1, 1, 1, 1, 1, 1, 1, 1, 1]}}, b"\0" * 4),
        "size": _header({"p0.c0": {**f32, "shape": [2]}}, b"\0" * 4),
        "gaps": _header({"p0.c0": {**f32, "data_offsets": [4, 8]}}, b"\0" * 8),
        "header length": (1 << 40).to_bytes(8, "little") + b"{}",
    }
    for what, raw in bad.items():
        with pytest.raises(ValueError):
            client.check_result_header(raw, 1, 2)
        assert what


def test_timing_is_a_median_and_nothing_when_too_noisy():
    from tutor.sandbox import timing

    assert timing.median_if_steady([1.0, 1.1, 0.9, 1.0, 1.05]) == 1.0
    assert timing.median_if_steady([0.001, 0.001, 0.002, 0.008, 0.008, 0.001, 0.008]) is None
    assert timing.median_if_steady([1.0, 1.0]) is None  # too few repetitions to say
    calls = []
    assert timing.robust_time(lambda: calls.append(1), lambda: None) is not None
    assert len(calls) >= timing.WARMUP + timing.MIN_REPEATS


def test_layers_report_the_submission_wide_limit():
    found = layers.detect()
    assert found.to_json()["submission_limit"] == found.submission_limit
    if found.cgroup_version:
        assert "cgroup" in found.submission_limit
    else:
        assert "process cap" in found.submission_limit


def test_the_child_holds_no_capability_and_sees_seccomp():
    found = layers.detect()
    if not found.seccomp:
        pytest.skip("seccomp is not available here (needs x86_64 or aarch64 with seccomp)")
    inside = client.inside_view()
    for key in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(inside[key], 16) == 0, inside
    if found.root or found.namespaces:
        assert int(inside["CapBnd"], 16) == 0, inside
    assert inside["NoNewPrivs"] == "1" and inside["Seccomp"] == "2" and inside["socket"] == "1", inside
    assert inside["cgroup"] == ("1" if found.cgroup_version else "0"), inside


FALLBACK_PROBE = r'''
import os, time
def f(x):
    try:
        os.memfd_create("hold")
        memfd = "allowed"
    except OSError as exc:
        memfd = exc.strerror
    forked = 0
    try:
        for _ in range(20):
            if os.fork() == 0:
                time.sleep(5)
                os._exit(0)
            forked += 1
    except OSError:
        pass
    print(f"{memfd}|{forked}")
    return x
'''


def test_without_a_cgroup_a_small_process_cap_and_no_memfd():
    """Where no cgroup bounds the submission's memory as a whole, memfd_create is denied and the
    process cap is small (so memory per process times processes stays bounded)."""
    found = layers.detect()
    if not (found.seccomp and found.privilege_drop == "dedicated uid"):
        pytest.skip("needs seccomp and the dedicated uid (root) to apply the fallback")
    fallback = layers.Layers(root=found.root, privilege_drop=found.privilege_drop, namespaces=found.namespaces,
                             namespaces_detail="as found", landlock_abi=found.landlock_abi, seccomp=True,
                             cgroup_version=0, cgroup_detail="off for this test")
    w = client.Worker(fallback)
    try:
        result = w.run([FALLBACK_PROBE], "f", {"c0.x": torch.ones(1)}, CASES, client.Limits(wall_seconds=20))
    finally:
        w.close()
    assert result.programs is not None and result.programs[0].cases[0].error is None, result
    memfd, forked = result.output.strip().split("|")
    assert memfd == "Operation not permitted"
    assert int(forked) < client.SMALL_NPROC
