"""A worker killed mid-run leaves its run's cgroup behind; the next worker start removes it, and only it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tutor.sandbox import cgroup


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_the_groups_of_finished_runs_only() -> None:
    groups = cgroup.detect()
    if not groups.version:
        pytest.skip(f"no per-run cgroups here: {groups.detail}")
    dead, live = str(_dead_pid()), str(os.getpid())
    made = [path for run in (dead, live) for path in groups.paths(run)]
    for path in made:
        os.mkdir(path, 0o755)
    try:
        assert all(path in cgroup.stale(groups) for path in groups.paths(dead))
        assert not any(path in cgroup.stale(groups) for path in groups.paths(live))  # a run still going
        cgroup.sweep(groups)
        assert not any(os.path.isdir(path) for path in groups.paths(dead))
        assert all(os.path.isdir(path) for path in groups.paths(live))
    finally:
        for path in made:
            if os.path.isdir(path):
                os.rmdir(path)
