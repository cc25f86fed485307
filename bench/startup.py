"""How long `tutor quiz --question ID` takes to put its first question on screen, in a real terminal (tmux).

Two figures per run:
- `app`: what the app itself logs ("first question shown in N ms", measured from the
  process's start time in /proc to the question screen's first paint), written to the
  file named by $TUTOR_TIMING;
- `cpu`: the CPU time the process had used by then (all its threads), which is what the
  wall-clock figure would be on an otherwise idle machine (start-up is single-threaded);
- `screen`: wall-clock time from spawning the command in tmux until the question bar is
  visible in `tmux capture-pane` (polled every 10 ms, so it includes the terminal's redraw).

With `--compare DIR` (another checkout, e.g. an older commit unpacked with `git archive`), each run of
this checkout is followed by one of DIR's, so both see the same load, and a ratio is printed.

Usage: python bench/startup.py [--runs 10] [--question ID ...] [--compare DIR]
"""

from __future__ import annotations

import argparse
import itertools
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

DEFAULT_QUESTIONS = ("quiz2-mha-kv-params", "quiz1-mha-vs-mqa", "code.gqa-decode")
MARKER = "Question 1 of 1"


REPO = Path(__file__).resolve().parents[1]
_RUNS = itertools.count()


def one_run(question: str, work: Path, index: int, repo: Path = REPO) -> tuple[float, float, float]:
    # A new tmux server per run: reusing a name right after `kill-server` can race the old server's exit.
    socket = f"tutor-bench-{os.getpid()}-{next(_RUNS)}"
    tag = "this" if repo == REPO else "other"  # each checkout keeps its own history (schemas differ)
    timing = work / f"timing-{question}-{index}-{tag}.txt"
    env = (
        f"TUTOR_TIMING={shlex.quote(str(timing))} TUTOR_DATA_DIR={shlex.quote(str(work / f'data-{tag}'))}"
        f" PYTHONPATH={shlex.quote(str(repo))}"
    )
    command = (
        f"cd {shlex.quote(str(repo))} && env {env} {shlex.quote(sys.executable)} -m tutor quiz"
        f" --question {shlex.quote(question)}; read _"
    )
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
    parser.add_argument("--compare", metavar="DIR", help="another checkout to time run for run beside this one")
    args = parser.parse_args()
    if args.compare:
        compare(args, Path(args.compare).resolve())
        return
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


def compare(args: argparse.Namespace, other: Path) -> None:
    """Alternate runs of this checkout and `other`; medians side by side and their ratio."""
    questions = args.question or list(DEFAULT_QUESTIONS)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"this: {REPO}; other: {other}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| question | runs | this app median (ms) | other app median (ms) | ratio | this cpu median | other cpu median |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one_run(questions[0], work, -1)  # warm the OS file cache once for each; not counted
        one_run(questions[0], work, -2, other)
        for question in questions:
            mine, theirs = [], []
            for i in range(args.runs):
                mine.append(one_run(question, work, 2 * i))
                theirs.append(one_run(question, work, 2 * i + 1, other))
            m_app, o_app = statistics.median(r[0] for r in mine), statistics.median(r[0] for r in theirs)
            m_cpu, o_cpu = statistics.median(r[2] for r in mine), statistics.median(r[2] for r in theirs)
            print(f"| {question} | {args.runs} | {m_app:.0f} | {o_app:.0f} | {m_app / o_app:.2f} | {m_cpu:.0f} | {o_cpu:.0f} |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
