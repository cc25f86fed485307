"""One code answer's sandboxed run: the warm sandbox against the per-run path, and the floor under both.

Three measurements, side by side in one process, alternating the two paths so drift cancels:

1. a program that returns at once, `Worker.run` round trip: warm (forked from the zygote) vs per-run;
2. a model answer graded in process (`code.grade`, untimed as in `tutor grade`, reference cached) for each
   of the three code questions of the batch-grading class: warm vs `fresh_sandbox=True`;
3. the floor of any design that gives each submission a process of its own: `fork()` then `_exit()` of a
   process that has torch imported (its private memory mapped and unmapped), against a bare Python.

Medians of N rounds (default 15), with min and max; ratios are medians of per-round ratios.

    python bench/sandbox_run.py [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_model  # noqa: E402  (bench/machine.py)

QUESTIONS = ("code.mqa-forward", "code.gqa-forward", "code.gqa-decode")
FORK_PROBE = r"""
import os, statistics, sys, time
if sys.argv[1] == "torch":
    import torch  # noqa: F401
def once():
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return time.perf_counter() - start
times = [once() for _ in range(int(sys.argv[2]))]
print(statistics.median(times), min(times), max(times))
"""


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:.1f} ms [{min(values) * 1e3:.1f}-{max(values) * 1e3:.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    import torch

    from tutor.bank import load_bank
    from tutor.bank.variant import make_variant
    from tutor.grading import answer_text, code
    from tutor.sandbox import client

    load = os.getloadavg()
    worker = client.shared_worker()
    worker.ready()
    trivial = "def f(x):\n    return x + 1\n"
    inputs, cases = {"c0.x": torch.ones(4)}, [[["tensor", "c0.x"]]]
    for warm in (True, False):  # the zygote up, the kernels warm
        worker.run([trivial], "f", inputs, cases, client.Limits(), warm=warm)
    trips: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.rounds):
        for warm in (True, False):
            start = time.perf_counter()
            worker.run([trivial], "f", inputs, cases, client.Limits(), warm=warm)
            trips[warm].append(time.perf_counter() - start)

    bank = load_bank([])
    grades: dict[bool, list[float]] = {True: [], False: []}
    variants = [(make_variant(bank.get(q), 0), answer_text(bank.get(q).answer)) for q in QUESTIONS]
    for variant, answer in variants:  # references computed and cached, both paths warm
        for fresh in (False, True):
            code.grade(variant, answer, values_seed=7, timed=False, fresh_sandbox=fresh)
    for _ in range(args.rounds):
        for fresh in (False, True):
            start = time.perf_counter()
            for variant, answer in variants:
                code.grade(variant, answer, values_seed=7, timed=False, fresh_sandbox=fresh)
            grades[not fresh].append((time.perf_counter() - start) / len(variants))

    forks = {}
    for kind in ("bare", "torch"):
        out = subprocess.run([sys.executable, "-c", FORK_PROBE, kind, "50"], capture_output=True, text=True, check=True)
        forks[kind] = [float(v) for v in out.stdout.split()]

    trip_ratio = statistics.median(f / w for w, f in zip(trips[True], trips[False]))
    grade_ratio = statistics.median(f / w for w, f in zip(grades[True], grades[False]))
    lines = [
        "# One code answer's sandboxed run: warm sandbox vs per-run path",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu_model() or platform.processor()}, {len(os.sched_getaffinity(0))} cores; Python "
        f"{platform.python_version()}, torch {torch.__version__}; load average before: {load[0]:.1f}",
        f"- command: `python bench/sandbox_run.py --rounds {args.rounds}`; medians [min-max] of {args.rounds} rounds, "
        "the two paths alternating",
        "",
        "| what | warm sandbox | per-run path | per-run / warm (median of rounds) |",
        "| --- | --- | --- | --- |",
        f"| a program that returns at once (`Worker.run` round trip) | {_fmt(trips[True])} | {_fmt(trips[False])} "
        f"| {trip_ratio:.2f}x |",
        f"| a model answer graded (`code.grade`, untimed, reference cached), mean of {', '.join(QUESTIONS)} "
        f"| {_fmt(grades[True])} | {_fmt(grades[False])} | {grade_ratio:.2f}x |",
        "",
        f"The floor of a process per submission: `fork()` + `_exit()` + `waitpid()` takes {forks['torch'][0] * 1e3:.1f} ms "
        f"[{forks['torch'][1] * 1e3:.1f}-{forks['torch'][2] * 1e3:.1f}] in a process that has torch imported, "
        f"{forks['bare'][0] * 1e3:.2f} ms in a bare Python (median of 50).",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
