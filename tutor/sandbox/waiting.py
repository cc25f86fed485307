"""Waiting for a run's child, on either path: the wall-clock deadline, a cancel, and how the run ended."""

from __future__ import annotations

import os
import select
import time
from typing import Any, Callable


def wait(pid: int, deadline: float, watch: int, cancelled: Callable[[], bool]) -> tuple[str, int | None]:
    """Wait for child `pid` until `deadline` (time.monotonic()); when `watch` is readable, `cancelled()`
    reads it and says whether the run is cancelled. Returns the outcome ("exited", "timeout",
    "cancelled") and the wait status (None unless it exited)."""
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", None
            ready, _, _ = select.select([pidfd, watch], [], [], remaining)
            if pidfd in ready:
                return "exited", os.waitpid(pid, 0)[1]
            if watch in ready and cancelled():
                return "cancelled", None
    finally:
        os.close(pidfd)


def reply(outcome: str, status: int | None, wall: float) -> dict[str, Any]:
    """The run's reply: outcome, exit code or signal, wall time (a child killed by a signal is "signaled")."""
    out: dict[str, Any] = {"outcome": outcome, "exit_code": None, "signal": None, "wall_seconds": wall}
    if status is not None and outcome == "exited":
        if os.WIFSIGNALED(status):
            out["outcome"], out["signal"] = "signaled", os.WTERMSIG(status)
        else:
            out["exit_code"] = os.waitstatus_to_exitcode(status)
    return out
