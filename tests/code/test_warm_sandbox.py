"""The warm sandbox (tutor/sandbox/zygote.py): each run is forked from a zygote, and nothing of one run
reaches the next: no process, no file, no IPC object, not its uid."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import torch

from tutor.sandbox import cgroup, client, layers, worker, zygote

CASES = [[["tensor", "c0.x"]]]
X = {"c0.x": torch.ones(2)}

pytestmark = pytest.mark.skipif(
    not client.warm_possible(layers.detect(), [], "/"), reason="the warm sandbox needs root, namespaces, Landlock and seccomp"
)

REPORT = """
import os
def f(x):
    print("pid", os.getpid())
    print("uid", os.getuid())
    return x + 1
"""

LEAVE_TRACES = r"""
import ctypes, os, time
def f(x):
    if os.fork() == 0:  # a daemon that would outlive the run
        os.setsid()
        time.sleep(3600)
        os._exit(0)
    with open("left-behind.txt", "w") as out:
        out.write("from the last student")
    libc = ctypes.CDLL(None, use_errno=True)
    print("shm", libc.shmget(0x7475, 4096, 0o1666))  # IPC_CREAT | 0666: a SysV segment anyone may read
    print("uid", os.getuid())
    return x + 1
"""

LOOK_FOR_TRACES = r"""
import ctypes, os
def f(x):
    others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid()))
    print("others", others)
    print("file", os.path.exists("left-behind.txt"))
    libc = ctypes.CDLL(None, use_errno=True)
    print("shm", libc.shmget(0x7475, 0, 0))
    print("uid", os.getuid())
    for what, attempt in (("environ", lambda: open("/proc/1/environ").read()),
                          ("mem", lambda: open("/proc/1/mem", "rb").read(1)),
                          ("signal", lambda: os.kill(1, 0))):
        try:
            attempt()
            print(what, "reached")
        except OSError as exc:
            print(what, type(exc).__name__)
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed by now
            pass
    print("fds", ";".join(sorted(set(targets))))
    return x + 1
"""


def _lines(result: client.RunResult) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in result.output.splitlines() if " " in line)


@pytest.fixture
def fresh_worker():
    w = client.Worker()
    yield w
    w.close()


def _holders(w: client.Worker) -> list[int]:
    pid = w.ready()["pid"]
    return [p for p in worker._children(pid) if p not in worker.run_children(pid)]


def test_runs_are_forked_from_one_zygote_and_the_per_run_path_stays(fresh_worker):
    runs = [fresh_worker.run([REPORT], "f", X, CASES, client.Limits()) for _ in range(2)]
    assert [r.path for r in runs] == ["warm", "warm"]
    first, second = (_lines(r) for r in runs)
    assert first["pid"] != "1" and second["pid"] != "1"  # PID 1 of the namespace is the zygote
    assert len(_holders(fresh_worker)) == 1  # one zygote served both
    assert first["uid"] != second["uid"]  # a dedicated uid per run, as on the per-run path
    assert all(int(r["uid"]) >= layers.DEDICATED_UID_BASE for r in (first, second))
    per_run = fresh_worker.run([REPORT], "f", X, CASES, client.Limits(), warm=False)
    assert per_run.path == "per-run" and _lines(per_run)["pid"] == "1"  # the per-run path: the child is PID 1 of a namespace of its own


def test_nothing_of_one_run_reaches_the_next(fresh_worker, leftover_processes):
    a = fresh_worker.run([LEAVE_TRACES], "f", X, CASES, client.Limits())
    assert a.programs is not None and a.programs[0].cases[0].error is None, a.output
    a_lines = _lines(a)
    assert int(a_lines["shm"]) >= 0  # the segment was made (in the run's own IPC namespace)
    b = fresh_worker.run([LOOK_FOR_TRACES], "f", X, CASES, client.Limits())
    b_lines = _lines(b)
    assert b_lines["others"] == "[]"  # the daemon is gone: only the zygote (PID 1) and this child
    assert b_lines["file"] == "False"  # a fresh work directory
    assert b_lines["shm"] == "-1"  # the segment died with run A's IPC namespace
    assert b_lines["uid"] != a_lines["uid"]
    # The zygote (PID 1, root) is out of reach: not listed in /proc (hidepid), no signal.
    assert (b_lines["environ"], b_lines["mem"], b_lines["signal"]) == ("FileNotFoundError",) * 2 + ("PermissionError",)
    # Nothing of the zygote's is inherited (its pipes, the host's /proc, the cgroup folders): /dev/null and
    # the run's own output files only.
    assert all(t == "/dev/null" or "/out/" in t for t in b_lines["fds"].split(";")), b_lines["fds"]
    assert leftover_processes() == []


def test_a_run_past_its_time_is_stopped_and_the_zygote_serves_on(fresh_worker, leftover_processes):
    spin = "import os\ndef f(x):\n    os.fork()\n    while True:\n        pass\n"
    result = fresh_worker.run([spin], "f", X, CASES, client.Limits(wall_seconds=1))
    assert result.outcome == "timeout"
    after = _lines(fresh_worker.run([LOOK_FOR_TRACES], "f", X, CASES, client.Limits()))
    assert after["others"] == "[]"
    assert len(_holders(fresh_worker)) == 1
    assert leftover_processes() == []


def test_a_cancelled_run_ends_and_the_next_one_runs(fresh_worker):
    event = threading.Event()
    fresh_worker.run([REPORT], "f", X, CASES, client.Limits())  # the zygote is up
    event.set()
    with pytest.raises(client.Cancelled):
        fresh_worker.run(["def f(x):\n    while True:\n        pass\n"], "f", X, CASES, client.Limits(wall_seconds=30),
                         cancel=event)
    ok = fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    assert torch.equal(ok.tensors["p0.c0"], torch.full((2,), 2.0))


def test_a_zygote_that_died_is_replaced_and_no_run_is_lost(fresh_worker):
    fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    (holder,) = _holders(fresh_worker)
    os.kill(holder, signal.SIGKILL)
    again = fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    assert torch.equal(again.tensors["p0.c0"], torch.full((2,), 2.0))
    third = fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    assert _lines(third)["pid"] != "1"  # warm again, from a new zygote
    assert len(_holders(fresh_worker)) == 1


def test_the_zygote_has_a_name_and_its_run_groups_are_removed(fresh_worker):
    """A run's cgroups go when it ends; the next run's, made ahead, go when the worker stops."""
    fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    (holder,) = _holders(fresh_worker)
    with open(f"/proc/{holder}/comm") as f:
        assert f.read().strip() == zygote.HOLDER_NAME
    groups = cgroup.detect()
    if groups.version:
        mine = f"{cgroup._PREFIX}{fresh_worker.ready()['pid']}-"

        def groups_left() -> list[str]:
            return [g for g in cgroup.leftovers(groups) if os.path.basename(g).startswith(mine)]

        # The run's own groups are gone; the next run's are made (its spare child waits in them), one per hierarchy.
        assert len(groups_left()) == len(groups.parents)
        fresh_worker.close()
        assert groups_left() == []


def test_warm_and_per_run_grades_agree(code_questions):
    """The same verdict, feedback and diagnosis either way (a model answer and a known-wrong mutant)."""
    from tutor.bank.variant import make_variant
    from tutor.grading import answer_text, code

    question = next(q for q in code_questions.values() if q.id.endswith("gqa-forward"))
    variant = make_variant(question, 0)
    for answer in (answer_text(question.answer), question.mutants[0].code):
        warm = code.grade(variant, answer, values_seed=11, timed=False)
        fresh = code.grade(variant, answer, values_seed=11, timed=False, fresh_sandbox=True)
        assert (warm.score, warm.feedback) == (fresh.score, fresh.feedback)
        assert {k: v for k, v in warm.details.items() if k != "run"} == \
               {k: v for k, v in fresh.details.items() if k != "run"}
        assert (warm.details["run"]["path"], fresh.details["run"]["path"]) == ("warm", "per-run")


COUNT_AND_TRY = r"""
import ctypes, os, threading
def f(x):
    print("pid", os.getpid())
    print("pid1", os.path.exists("/proc/1"))
    libc = ctypes.CDLL(None, use_errno=True)
    for name, flags in (("user", 0x10000000), ("pid", 0x20000000), ("mount", 0x00020000)):
        print("unshare-" + name, libc.unshare(flags), ctypes.get_errno())
    done = []
    t = threading.Thread(target=lambda: done.append(1))
    t.start()
    t.join()
    print("thread", done)
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    print("fork", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    return x + 1
"""

MANY_FORKS = r"""
import os
def f(x):
    for _ in range(23):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    return x + 1
"""


def test_a_run_learns_nothing_from_pid_numbers_and_makes_no_namespace(fresh_worker):
    """Every run's child is PID 2 however many processes the run before it started; PID 1 (the zygote)
    is not even listed; no new namespace (seccomp), while threads and fork still work."""
    fresh_worker.run([MANY_FORKS], "f", X, CASES, client.Limits())
    lines = _lines(fresh_worker.run([COUNT_AND_TRY], "f", X, CASES, client.Limits()))
    assert lines["pid"] == "2"
    assert lines["pid1"] == "False"
    for name in ("user", "pid", "mount"):
        assert lines[f"unshare-{name}"] == "-1 1", lines  # EPERM
    assert lines["thread"] == "[1]" and lines["fork"] == "7"


def test_a_view_whose_zygote_cannot_start_stops_being_tried(fresh_worker, monkeypatch, tmp_path):
    """A zygote that goes before serving any run (here: its view cannot be built, a file to hide where a
    folder is expected) costs its run nothing but the per-run path; after two such, the view is not tried."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    real = client.hidden_paths
    monkeypatch.setattr(client, "hidden_paths", lambda: real() + [str(blocker)])
    for _ in range(3):
        result = fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
        assert result.path == "per-run" and result.outcome == "exited"  # (which could not hide the file either)
    assert _holders(fresh_worker) == []
    fresh_worker._log.seek(0)
    log = fresh_worker._log.read().decode()
    assert log.count("went before serving a run") == 2
    assert log.count("runs on the per-run path from now on") == 1


def test_the_uid_tells_a_run_nothing_of_how_many_processes_the_runs_before_it_started(fresh_worker):
    """The worker picks each run's uid (a count), so forks in one run do not move the next run's uid."""
    for warm in (True, False):
        uids = []
        for source in (REPORT, MANY_FORKS.replace("return x + 1", "print('uid', os.getuid())\n    return x + 1"), REPORT):
            uids.append(int(_lines(fresh_worker.run([source], "f", X, CASES, client.Limits(), warm=warm))["uid"]))
        assert uids[1] - uids[0] == uids[2] - uids[1] == 1, (warm, uids)


def test_a_spare_child_that_died_is_replaced_without_losing_the_zygote(fresh_worker):
    """The next run's child, forked ahead, killed while it waits: the zygote forks another for the run."""
    first = fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    assert first.path == "warm"
    (holder,) = _holders(fresh_worker)
    (zygote_pid,) = worker._children(holder)
    deadline = time.monotonic() + 10
    while not worker._children(zygote_pid) and time.monotonic() < deadline:  # forked just after the reply
        time.sleep(0.01)
    (spare,) = worker._children(zygote_pid)  # waiting for the next run
    os.kill(spare, signal.SIGKILL)
    again = fresh_worker.run([REPORT], "f", X, CASES, client.Limits())
    assert again.path == "warm" and _lines(again)["pid"] == "2"
    assert _holders(fresh_worker) == [holder]  # the same zygote


LOOK_UP_THE_STACK = r"""
import sys
NEEDLE = "0." + "13"  # the start of the wall time of the run before (spelt apart: this source must not match)
def f(x):
    seen = []
    frame = sys._getframe()
    while frame is not None:
        for name, value in frame.f_locals.items():
            # (the child's own run is in _child; the worker's loop, forked at the first run of the view, holds
            # that first request, which no run's code can shape: documented)
            mine = frame.f_code.co_name in ("_child", "main")
            if (name in ("reply", "line", "data", "msg") and not mine) or (isinstance(value, dict) and "outcome" in value) \
                    or (not isinstance(value, str) and NEEDLE in repr(value)):  # the wall time of the run before
                seen.append(f"{frame.f_code.co_name}.{name}")
        frame = frame.f_back
    print("seen", seen)
    return x + 1
"""


def test_no_frame_of_the_zygote_holds_the_run_before(fresh_worker):
    """A child can walk up its stack into the zygote's frames: nothing of the run before (its command, its
    outcome, its wall time, which that run could set at will) may be left there."""
    sleepy = "import time\ndef f(x):\n    time.sleep(0.137)\n    return x + 1\n"
    fresh_worker.run([sleepy], "f", X, CASES, client.Limits())
    result = fresh_worker.run([LOOK_UP_THE_STACK], "f", X, CASES, client.Limits())
    assert result.path == "warm" and _lines(result)["seen"] == "[]", result.output
