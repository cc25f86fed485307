"""How long the KV-cache explorer takes to open once the app is up: `tutor` in tmux, then `e`.

The app's own line "explorer shown in N ms" (from the moment the screen is asked for to its first
paint, written to $TUTOR_TIMING) and the wall-clock time from sending `e` until the explorer's title
shows in `tmux capture-pane` (polled every 10 ms). Target (issue 14): <= 0.3 s.

Usage: python bench/explorer.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import tmux  # bench/machine.py: these scripts run as `python bench/NAME.py`

REPO = Path(__file__).resolve().parents[1]
START_MARKER = "Attention Tutor"
EXPLORER_MARKER = "KV-cache explorer  ·"


def wait_for(socket: str, text: str, limit: float = 30.0) -> float:
    start = time.monotonic()
    while text not in tmux(socket, "capture-pane", "-p", "-t", "bench"):
        if time.monotonic() - start > limit:
            raise SystemExit(f"{text!r} never appeared:\n{tmux(socket, 'capture-pane', '-p', '-t', 'bench')}")
        time.sleep(0.01)
    return time.monotonic()


def one_run(work: Path, index: int) -> tuple[float, float]:
    socket = f"tutor-explorer-{os.getpid()}-{index}"
    timing = work / f"timing-{index}.txt"
    env = f"TUTOR_TIMING={shlex.quote(str(timing))} TUTOR_DATA_DIR={shlex.quote(str(work / 'data'))} PYTHONPATH={shlex.quote(str(REPO))}"
    tmux(socket, "new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", f"env {env} {shlex.quote(sys.executable)} -m tutor; read _")
    try:
        wait_for(socket, START_MARKER)
        time.sleep(0.5)  # the app is up and idle
        sent = time.monotonic()
        tmux(socket, "send-keys", "-t", "bench", "e")
        screen_ms = (wait_for(socket, EXPLORER_MARKER) - sent) * 1000
        while not timing.exists() or "explorer shown" not in timing.read_text():
            time.sleep(0.01)
        line = [l for l in timing.read_text().splitlines() if l.startswith("explorer shown")][-1]
        app_ms = float(line.split()[3])
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
    return app_ms, screen_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("bench/explorer.py needs tmux")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(Path(tmp), i) for i in range(args.runs)]
    app = [r[0] for r in runs]
    screen = [r[1] for r in runs]
    print("| runs | app median (ms) | app max (ms) | screen median (ms) | screen max (ms) |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {len(runs)} | {statistics.median(app):.0f} | {max(app):.0f} | {statistics.median(screen):.0f} | {max(screen):.0f} |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
