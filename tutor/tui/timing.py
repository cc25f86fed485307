"""Start-up and screen-opening times for the benchmarks: appended to the file named by $TUTOR_TIMING."""

from __future__ import annotations

import os

# Environment variable naming a file the app appends "first question shown in N ms" (and
# "explorer shown in N ms") to; bench/startup.py reads it.
TIMING_ENV = "TUTOR_TIMING"


def record(message: str) -> None:
    """Append `message` as a line to $TUTOR_TIMING's file, when it is set."""
    path = os.environ.get(TIMING_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(message + "\n")
