"""How long `tutor quiz --question ID` takes to put its first question on screen, in a real terminal (tmux).

Two figures per run:
- `app`: what the app itself logs ("first question shown in N ms", measured from the
  process's start time in /proc to the question screen's first paint), written to the
  file named by $TUTOR_TIMING;
- `cpu`: the CPU time the process had used by then (all its threads), which is what the
  wall-clock figure would be on an otherwise idle machine (start-up is single-threaded);
- `screen`: wall-clock time from spawning the command in tmux until the question bar is
  visible in `tmux capture-pane` (polled every 10 ms, so it includes the terminal's redraw).

Usage: python bench/startup.py [--runs 10] [--question ID ...]
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

DEFAULT_QUESTIONS = ("quiz2-mha-kv-params", "quiz1-mha-vs-mqa", "code.gqa-decode")
MARKER = "Question 1 of 1"


def tmux(socket: str, *args: str) -> str:
    done = subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True, check=True)
    return done.stdout


def one_run(question: str, work: Path, index: int) -> tuple[float, float, float]:
    socket = f"tutor-bench-{os.getpid()}-{index}"
    timing = work / f"timing-{question}-{index}.txt"
    env = f"TUTOR_TIMING={shlex.quote(str(timing))} TUTOR_DATA_DIR={shlex.quote(str(work / 'data'))}"
    command = f"env {env} {shlex.quote(sys.executable)} -m tutor quiz --question {shlex.quote(question)}; read _"
    start = time.monotonic()
    tmux(socket, "new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", command)
    try:
        while True:
            if MARKER in tmux(socket, "capture-pane", "-p", "-t", "bench"):
                screen_ms = (time.monotonic() - start) * 1000
                break
            if time.monotonic() - start > 30:
                screen = tmux(socket, "capture-pane", "-p", "-t", "bench")
                raise SystemExit(f"{question}: the first question never appeared; the screen was:\n{screen}")
            time.sleep(0.01)
        while not timing.exists() or not timing.read_text().strip():
            time.sleep(0.01)
        words = timing.read_text().splitlines()[-1].split()  # first question shown in N ms (cpu M ms)
        app_ms, cpu_ms = float(words[4]), float(words[7])
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
    return app_ms, screen_ms, cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--question", action="append", default=[])
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("bench/startup.py needs tmux")
    questions = args.question or list(DEFAULT_QUESTIONS)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| question | runs | app median (ms) | app max (ms) | screen median (ms) | screen max (ms) | cpu median (ms) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one_run(questions[0], work, -1)  # warm the OS file cache once; not counted
        for question in questions:
            runs = [one_run(question, work, i) for i in range(args.runs)]
            app = [r[0] for r in runs]
            screen = [r[1] for r in runs]
            cpu = [r[2] for r in runs]
            print(
                f"| {question} | {len(runs)} | {statistics.median(app):.0f} | {max(app):.0f} "
                f"| {statistics.median(screen):.0f} | {max(screen):.0f} | {statistics.median(cpu):.0f} |"
            )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
