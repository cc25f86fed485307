"""The corpus: submissions with their expected verdicts, hostile ones included.

Each file under `corpus/` starts with `# question:`, `# verdict:` and optional `# feedback:`
(a substring the feedback must contain), `# time_limit:`, `# memory_limit:` and `# needs:`
(a sandbox capability the expectation depends on) lines. After each file is graded, no process
it started may be alive and nothing may have been written outside the temp directory: every
corpus test checks its own leftovers, so each one means the same run alone, in any order or on
any xdist worker.
"""

from __future__ import annotations

import json
import os
import platform
import re
import time
from pathlib import Path

import pytest

from tutor.bank.variant import make_variant
from tutor.grading import code
from tutor.sandbox import client, layers, worker

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.py"))
ESCAPE_MARKERS = [
    "/tmp/tutor-escape-marker", "/var/tmp/tutor-escape-marker", "/dev/shm/tutor-escape-marker",
    "/root/tutor-escape-marker",
    os.path.join(os.path.dirname(os.__file__), "tutor-escape-marker"),
]


def _header(path: Path) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").removeprefix("\ufeff").splitlines():
        m = re.match(r"#\s*(question|verdict|feedback|time_limit|memory_limit|needs):\s*(.*)$", line)
        if m:
            meta.setdefault(m.group(1), []).append(m.group(2).strip())
    return meta


def _capable(need: str) -> bool:
    found = layers.detect()
    return {
        "network_blocked": found.network_blocked,
        "reference_hidden": found.reference_hidden,
        "writes_confined": found.landlock_abi >= 1,
        "signals_contained": found.privilege_drop == "dedicated uid" or found.landlock_abi >= 6 or found.namespaces,
        "home_capped": found.namespaces,
        "seccomp": found.seccomp,
        "no_capabilities": found.namespaces and found.landlock_abi >= 1,
        "cgroup": bool(found.cgroup_version),
        "x86_64": platform.machine() == "x86_64",
    }[need]


INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# One pair per xdist worker ("" when run serially), so parallel runs never remove each other's sockets;
# corpus 57 tries these paths by name as well as by listing /tmp.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
HOST_SOCKETS = [f"/tmp/tutor-corpus-host{_WORKER}.sock", f"/tmp/tutor-corpus-private{_WORKER}/host.sock"]


@pytest.fixture(scope="module", autouse=True)
def host_sockets():
    """Pathname UNIX sockets on the host that answer "pong" (one mode 0777 in /tmp, one in a 0700
    directory): what a submission must not reach (corpus 57). Checked from here to be reachable."""
    import socket
    import threading

    os.makedirs(os.path.dirname(HOST_SOCKETS[1]), mode=0o700, exist_ok=True)
    servers = []
    for path in HOST_SOCKETS:
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        os.chmod(path, 0o777)
        server.listen(8)
        servers.append(server)

    def serve(server):
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(4)
                conn.sendall(b"pong")

    for server in servers:
        threading.Thread(target=serve, args=(server,), daemon=True).start()
    for path in HOST_SOCKETS:  # reachable from here: an attack that fails, fails because of the sandbox
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.connect(path)
            probe.sendall(b"ping")
            assert probe.recv(4) == b"pong"
    yield
    for server, path in zip(servers, HOST_SOCKETS):
        server.close()
        os.unlink(path)
    os.rmdir(os.path.dirname(HOST_SOCKETS[1]))


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("fresh", [False, True], ids=["warm", "per-run"])
@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_submission_gets_its_verdict(path: Path, fresh: bool, code_questions, private_tempdir, leftover_processes):
    """Each submission, forked from the warm sandbox and on the per-run path (`tutor grade --no-cache`,
    machines without every layer): the same verdict, nothing escapes, nothing survives."""
    meta = _header(path)
    for need in meta.get("needs", []):
        if not _capable(need):
            pytest.skip(f"this machine's sandbox lacks {need}")
    question = code_questions[meta["question"][0]]
    update = {}
    if "time_limit" in meta:
        update["time_limit"] = float(meta["time_limit"][0])
    if "memory_limit" in meta:
        update["memory_limit"] = int(meta["memory_limit"][0])
    if update:
        question = question.model_copy(update=update)
    grade = code.grade(make_variant(question, 0), path.read_text(encoding="utf-8"), fresh_sandbox=fresh)
    text = "\n".join(grade.feedback)
    if "run" in grade.details:  # it ran (an unreadable answer never reaches the sandbox): on the path asked for
        expected_path = "per-run" if fresh or not client.warm_possible(layers.detect(), [], "/") else "warm"
        assert grade.details["run"]["path"] == expected_path, grade.details["run"]
    assert grade.status.value == meta["verdict"][0], text
    for expected in meta.get("feedback", []):
        assert expected in text, text
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert not INVISIBLE.search(text) and not INVISIBLE.search(json.dumps(grade.to_json("x"), ensure_ascii=False))
    for own in ("Passed ", "Diagnosis: "):  # the grader's own lines, once at most: never the submission's
        assert sum(line.startswith(own) for line in grade.feedback) <= 1, text
    if grade.status.value == "correct":
        assert grade.score == 5
    else:
        assert grade.score < 5
    assert_nothing_survives(private_tempdir, leftover_processes)


def assert_nothing_survives(private_tempdir: Path, leftover_processes) -> None:
    """No process a grading started is alive, nothing was written outside the temp dir, every request dir is gone."""
    worker_pid = client.shared_worker().ready()["pid"]
    deadline = time.monotonic() + 5.0  # a killed process group can take a moment to be reaped
    while (worker.run_children(worker_pid) or leftover_processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker.run_children(worker_pid) == []
    assert leftover_processes() == []
    for marker in ESCAPE_MARKERS:
        assert not os.path.exists(marker), marker
    assert os.listdir(private_tempdir) == []  # every request directory was removed, no escape marker beside them
    from tutor.sandbox import cgroup

    groups = cgroup.detect()
    if groups.version:  # run groups are made under our own cgroup, by this and any other tutor process here
        # Every finished run's cgroup was removed; runs still going (another test process's) are not ours.
        deadline = time.monotonic() + 5.0
        while cgroup.stale(groups) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cgroup.stale(groups) == []
